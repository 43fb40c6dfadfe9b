package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kolo/xmlrpc"
)

// Client is a typed XML-RPC client for supervisord's supervisor.* and
// system.* methods, over "unix:///path/to.sock" or "http://host:port"
// server URLs (supervisorctl's serverurl). Requests are encoded and
// responses decoded with github.com/kolo/xmlrpc. Faults come back as
// *Fault (use errors.As), non-200 answers as *HTTPError. Safe for
// concurrent use; connections are kept alive.
type Client struct {
	endpoint string
	http     *http.Client
	user     string
	pass     string
	auth     bool
}

// HTTPError is a non-200 HTTP answer (401 when authentication failed).
type HTTPError struct {
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string { return "HTTP error: " + e.Status }

// NewClient returns a client for serverURL. Credentials are sent with
// HTTP Basic authentication when username is non-empty.
func NewClient(serverURL, username, password string) (*Client, error) {
	c := &Client{user: username, pass: password, auth: username != ""}
	tr := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
	switch {
	case strings.HasPrefix(serverURL, "unix://"):
		path := strings.TrimPrefix(serverURL, "unix://")
		if path == "" {
			return nil, fmt.Errorf("rpc: no socket path in %q", serverURL)
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		c.endpoint = "http://localhost/RPC2"
	case strings.HasPrefix(serverURL, "http://"):
		u, err := url.Parse(serverURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("rpc: bad server URL %q", serverURL)
		}
		c.endpoint = "http://" + u.Host + "/RPC2"
	default:
		return nil, fmt.Errorf("rpc: unknown protocol for serverurl %s", serverURL)
	}
	c.http = &http.Client{Transport: tr}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Call invokes method with args and decodes the result into reply (a
// pointer, as kolo/xmlrpc unmarshals; nil discards it).
func (c *Client) Call(ctx context.Context, method string, args []any, reply any) error {
	data, err := c.roundTrip(ctx, method, args)
	if err != nil {
		return err
	}
	r := xmlrpc.Response(data)
	if err := r.Err(); err != nil {
		var fe xmlrpc.FaultError
		if errors.As(err, &fe) {
			return faultFromString(fe.Code, fe.String)
		}
		return fmt.Errorf("rpc: %s: bad response: %w", method, err)
	}
	if reply == nil {
		return nil
	}
	if err := r.Unmarshal(reply); err != nil {
		return fmt.Errorf("rpc: %s: bad response: %w", method, err)
	}
	return nil
}

// CallValue invokes method and returns the result as a plain value
// (int64, bool, string, float64, time.Time, []any, map[string]any),
// decoded by this package's own decoder, which is several times faster
// than kolo/xmlrpc's on large answers.
func (c *Client) CallValue(ctx context.Context, method string, args ...any) (any, error) {
	data, err := c.roundTrip(ctx, method, args)
	if err != nil {
		return nil, err
	}
	v, f, err := DecodeResponse(data)
	if err != nil {
		return nil, fmt.Errorf("rpc: %s: bad response: %w", method, err)
	}
	if f != nil {
		return nil, f
	}
	return v, nil
}

// roundTrip posts one call (encoded by kolo/xmlrpc) and returns the body
// of a 200 answer.
func (c *Client) roundTrip(ctx context.Context, method string, args []any) ([]byte, error) {
	if args == nil {
		args = []any{}
	}
	body, err := xmlrpc.EncodeMethodCall(method, args...)
	if err != nil {
		return nil, fmt.Errorf("rpc: encode %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept", "text/xml")
	if c.auth {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	return data, nil
}

func faultFromString(code int, s string) *Fault {
	name := FaultName(code)
	if s == name {
		return &Fault{Code: code}
	}
	if d, ok := strings.CutPrefix(s, name+": "); ok {
		return NewFault(code, d)
	}
	return NewFault(code, s)
}

// State is getState's answer.
type State struct {
	Code int    `xmlrpc:"statecode"`
	Name string `xmlrpc:"statename"`
}

// ProcessStatus is getProcessInfo's struct.
type ProcessStatus struct {
	Name          string `xmlrpc:"name"`
	Group         string `xmlrpc:"group"`
	Start         int64  `xmlrpc:"start"`
	Stop          int64  `xmlrpc:"stop"`
	Now           int64  `xmlrpc:"now"`
	State         int    `xmlrpc:"state"`
	StateName     string `xmlrpc:"statename"`
	SpawnErr      string `xmlrpc:"spawnerr"`
	ExitStatus    int    `xmlrpc:"exitstatus"`
	Logfile       string `xmlrpc:"logfile"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
	StderrLogfile string `xmlrpc:"stderr_logfile"`
	PID           int    `xmlrpc:"pid"`
	Description   string `xmlrpc:"description"`
}

// Namespec is "group:name", or "name" when both are equal.
func (p ProcessStatus) Namespec() string { return makeNamespec(p.Group, p.Name) }

// Result is one entry of the arrays group and "all" methods return.
type Result struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	Status      int    `xmlrpc:"status"`
	Description string `xmlrpc:"description"`
}

// OK reports whether the entry is a success (status SUCCESS).
func (r Result) OK() bool { return r.Status == FaultSuccess }

func (c *Client) str(ctx context.Context, method string, args ...any) (string, error) {
	var s string
	err := c.Call(ctx, method, args, &s)
	return s, err
}

func (c *Client) boolean(ctx context.Context, method string, args ...any) error {
	var v any
	return c.Call(ctx, method, args, &v)
}

func (c *Client) results(ctx context.Context, method string, args ...any) ([]Result, error) {
	var rs []Result
	err := c.Call(ctx, method, args, &rs)
	return rs, err
}

// GetAPIVersion returns "3.0".
func (c *Client) GetAPIVersion(ctx context.Context) (string, error) {
	return c.str(ctx, "supervisor.getAPIVersion")
}

// GetSupervisorVersion returns supervisord's version ("4.2.5").
func (c *Client) GetSupervisorVersion(ctx context.Context) (string, error) {
	return c.str(ctx, "supervisor.getSupervisorVersion")
}

// GetIdentification returns the identifier.
func (c *Client) GetIdentification(ctx context.Context) (string, error) {
	return c.str(ctx, "supervisor.getIdentification")
}

// GetState returns supervisord's state.
func (c *Client) GetState(ctx context.Context) (State, error) {
	var s State
	err := c.Call(ctx, "supervisor.getState", nil, &s)
	return s, err
}

// GetPID returns supervisord's pid.
func (c *Client) GetPID(ctx context.Context) (int, error) {
	var n int
	err := c.Call(ctx, "supervisor.getPID", nil, &n)
	return n, err
}

// ReadLog reads the main log (readLog rules).
func (c *Client) ReadLog(ctx context.Context, offset, length int) (string, error) {
	return c.str(ctx, "supervisor.readLog", offset, length)
}

// ClearLog clears the main log.
func (c *Client) ClearLog(ctx context.Context) error { return c.boolean(ctx, "supervisor.clearLog") }

// Shutdown asks supervisord to exit.
func (c *Client) Shutdown(ctx context.Context) error { return c.boolean(ctx, "supervisor.shutdown") }

// Restart asks supervisord to restart.
func (c *Client) Restart(ctx context.Context) error { return c.boolean(ctx, "supervisor.restart") }

// ReloadConfig re-reads the configuration (supervisorctl reread).
func (c *Client) ReloadConfig(ctx context.Context) (added, changed, removed []string, err error) {
	var v [][][]string
	if err = c.Call(ctx, "supervisor.reloadConfig", nil, &v); err != nil {
		return nil, nil, nil, err
	}
	if len(v) != 1 || len(v[0]) != 3 {
		return nil, nil, nil, errors.New("rpc: reloadConfig: unexpected result shape")
	}
	return v[0][0], v[0][1], v[0][2], nil
}

// AddProcessGroup activates a group from the last-read configuration.
func (c *Client) AddProcessGroup(ctx context.Context, name string) error {
	return c.boolean(ctx, "supervisor.addProcessGroup", name)
}

// RemoveProcessGroup removes a stopped group.
func (c *Client) RemoveProcessGroup(ctx context.Context, name string) error {
	return c.boolean(ctx, "supervisor.removeProcessGroup", name)
}

// StartProcess starts one process ("name" or "group:name"). For
// "group:*" use StartProcessGroup, whose per-process results matter.
func (c *Client) StartProcess(ctx context.Context, name string, wait bool) error {
	return c.boolean(ctx, "supervisor.startProcess", name, wait)
}

// StartProcessGroup starts a group's processes that are not running.
func (c *Client) StartProcessGroup(ctx context.Context, name string, wait bool) ([]Result, error) {
	return c.results(ctx, "supervisor.startProcessGroup", name, wait)
}

// StartAllProcesses starts every process that is not running.
func (c *Client) StartAllProcesses(ctx context.Context, wait bool) ([]Result, error) {
	return c.results(ctx, "supervisor.startAllProcesses", wait)
}

// StopProcess stops one process.
func (c *Client) StopProcess(ctx context.Context, name string, wait bool) error {
	return c.boolean(ctx, "supervisor.stopProcess", name, wait)
}

// StopProcessGroup stops a group's running processes.
func (c *Client) StopProcessGroup(ctx context.Context, name string, wait bool) ([]Result, error) {
	return c.results(ctx, "supervisor.stopProcessGroup", name, wait)
}

// StopAllProcesses stops every running process.
func (c *Client) StopAllProcesses(ctx context.Context, wait bool) ([]Result, error) {
	return c.results(ctx, "supervisor.stopAllProcesses", wait)
}

// SignalProcess sends a signal ("HUP", "SIGHUP" or "1") to one process.
func (c *Client) SignalProcess(ctx context.Context, name, signal string) error {
	return c.boolean(ctx, "supervisor.signalProcess", name, signal)
}

// SignalProcessGroup signals a group's signallable processes.
func (c *Client) SignalProcessGroup(ctx context.Context, name, signal string) ([]Result, error) {
	return c.results(ctx, "supervisor.signalProcessGroup", name, signal)
}

// SignalAllProcesses signals every signallable process.
func (c *Client) SignalAllProcesses(ctx context.Context, signal string) ([]Result, error) {
	return c.results(ctx, "supervisor.signalAllProcesses", signal)
}

// GetProcessInfo returns one process's status.
func (c *Client) GetProcessInfo(ctx context.Context, name string) (ProcessStatus, error) {
	v, err := c.CallValue(ctx, "supervisor.getProcessInfo", name)
	if err != nil {
		return ProcessStatus{}, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return ProcessStatus{}, errors.New("rpc: getProcessInfo: result is not a struct")
	}
	return statusFromMap(m), nil
}

// GetAllProcessInfo returns every process's status, sorted by group and
// name. (Decoded with our own decoder: status of many processes is the
// hot path of supervisorctl.)
func (c *Client) GetAllProcessInfo(ctx context.Context) ([]ProcessStatus, error) {
	v, err := c.CallValue(ctx, "supervisor.getAllProcessInfo")
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, errors.New("rpc: getAllProcessInfo: result is not an array")
	}
	out := make([]ProcessStatus, 0, len(arr))
	for _, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, errors.New("rpc: getAllProcessInfo: element is not a struct")
		}
		out = append(out, statusFromMap(m))
	}
	return out, nil
}

func statusFromMap(m map[string]any) ProcessStatus {
	str := func(k string) string { s, _ := m[k].(string); return s }
	num := func(k string) int64 { n, _ := m[k].(int64); return n }
	return ProcessStatus{
		Name: str("name"), Group: str("group"),
		Start: num("start"), Stop: num("stop"), Now: num("now"),
		State: int(num("state")), StateName: str("statename"), SpawnErr: str("spawnerr"),
		ExitStatus: int(num("exitstatus")), Logfile: str("logfile"),
		StdoutLogfile: str("stdout_logfile"), StderrLogfile: str("stderr_logfile"),
		PID: int(num("pid")), Description: str("description"),
	}
}

// GetAllConfigInfo returns getAllConfigInfo's structs as maps (their
// value types vary: 'none'/'auto' strings stand for missing values).
func (c *Client) GetAllConfigInfo(ctx context.Context) ([]map[string]any, error) {
	var v []map[string]any
	err := c.Call(ctx, "supervisor.getAllConfigInfo", nil, &v)
	return v, err
}

// ReadProcessStdoutLog reads a process's stdout log (readLog rules).
func (c *Client) ReadProcessStdoutLog(ctx context.Context, name string, offset, length int) (string, error) {
	return c.str(ctx, "supervisor.readProcessStdoutLog", name, offset, length)
}

// ReadProcessStderrLog reads a process's stderr log.
func (c *Client) ReadProcessStderrLog(ctx context.Context, name string, offset, length int) (string, error) {
	return c.str(ctx, "supervisor.readProcessStderrLog", name, offset, length)
}

// Tail is tailProcess*Log's answer.
type Tail struct {
	Data     string
	Offset   int64
	Overflow bool
}

func (c *Client) tail(ctx context.Context, method, name string, offset, length int64) (Tail, error) {
	var v []any
	if err := c.Call(ctx, method, []any{name, offset, length}, &v); err != nil {
		return Tail{}, err
	}
	if len(v) != 3 {
		return Tail{}, fmt.Errorf("rpc: %s: unexpected result shape", method)
	}
	data, ok1 := v[0].(string)
	if v[0] == nil { // kolo/xmlrpc decodes an empty <string> into nil
		ok1 = true
	}
	off, ok2 := anyInt(v[1])
	over, ok3 := v[2].(bool)
	if !ok1 || !ok2 || !ok3 {
		return Tail{}, fmt.Errorf("rpc: %s: unexpected result types", method)
	}
	return Tail{data, off, over}, nil
}

// TailProcessStdoutLog tails a process's stdout log (supervisorctl tail -f).
func (c *Client) TailProcessStdoutLog(ctx context.Context, name string, offset, length int64) (Tail, error) {
	return c.tail(ctx, "supervisor.tailProcessStdoutLog", name, offset, length)
}

// TailProcessStderrLog tails a process's stderr log.
func (c *Client) TailProcessStderrLog(ctx context.Context, name string, offset, length int64) (Tail, error) {
	return c.tail(ctx, "supervisor.tailProcessStderrLog", name, offset, length)
}

// ClearProcessLogs clears a process's logs.
func (c *Client) ClearProcessLogs(ctx context.Context, name string) error {
	return c.boolean(ctx, "supervisor.clearProcessLogs", name)
}

// ClearAllProcessLogs clears every process's logs.
func (c *Client) ClearAllProcessLogs(ctx context.Context) ([]Result, error) {
	return c.results(ctx, "supervisor.clearAllProcessLogs")
}

// SendProcessStdin writes to a process's stdin.
func (c *Client) SendProcessStdin(ctx context.Context, name, chars string) error {
	return c.boolean(ctx, "supervisor.sendProcessStdin", name, chars)
}

// SendRemoteCommEvent emits a REMOTE_COMMUNICATION event.
func (c *Client) SendRemoteCommEvent(ctx context.Context, typ, data string) error {
	return c.boolean(ctx, "supervisor.sendRemoteCommEvent", typ, data)
}

// ListMethods returns system.listMethods.
func (c *Client) ListMethods(ctx context.Context) ([]string, error) {
	var v []string
	err := c.Call(ctx, "system.listMethods", nil, &v)
	return v, err
}

// MethodHelp returns system.methodHelp.
func (c *Client) MethodHelp(ctx context.Context, name string) (string, error) {
	return c.str(ctx, "system.methodHelp", name)
}

// MethodSignature returns system.methodSignature.
func (c *Client) MethodSignature(ctx context.Context, name string) ([]string, error) {
	var v []string
	err := c.Call(ctx, "system.methodSignature", []any{name}, &v)
	return v, err
}

// MulticallOp is one call of Multicall.
type MulticallOp struct {
	Method string
	Params []any
}

// Multicall runs calls in one request. Each element of the result is the
// call's bare value (4.2.5 does not wrap it) or a *Fault.
func (c *Client) Multicall(ctx context.Context, calls ...MulticallOp) ([]any, error) {
	specs := make([]any, len(calls))
	for i, op := range calls {
		params := op.Params
		if params == nil {
			params = []any{}
		}
		specs[i] = map[string]any{"methodName": op.Method, "params": params}
	}
	var raw []any
	if err := c.Call(ctx, "system.multicall", []any{specs}, &raw); err != nil {
		return nil, err
	}
	for i, v := range raw {
		if m, ok := v.(map[string]any); ok && len(m) == 2 {
			code, ok1 := anyInt(m["faultCode"])
			text, ok2 := m["faultString"].(string)
			if ok1 && ok2 {
				raw[i] = faultFromString(int(code), text)
			}
		}
	}
	return raw, nil
}

// anyInt accepts the integer types kolo/xmlrpc decodes <int> into.
func anyInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	}
	return 0, false
}
