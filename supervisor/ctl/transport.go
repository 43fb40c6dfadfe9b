package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kolo/xmlrpc"
)

// maxResponse bounds an XML-RPC answer we are willing to read (a readLog of
// a huge length is the only legitimate big one).
const maxResponse = 256 << 20

// Client speaks XML-RPC to one supervisord, over a unix socket or TCP, with
// optional basic auth. It keeps its connection alive between calls.
type Client struct {
	ServerURL string
	// Username and Password are nil when not configured; 4.2.5 sends
	// credentials only when both are set.
	Username, Password *string

	hc       *http.Client
	endpoint string
	unix     bool
	badProto bool
}

// NewClient prepares a client for serverURL (http://host[:port][/...] or
// unix:///path). An unsupported scheme is reported by the first call, as in
// 4.2.5.
func NewClient(serverURL string, username, password *string) *Client {
	c := &Client{ServerURL: serverURL, Username: username, Password: password}
	tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second, DisableCompression: true}
	switch {
	case strings.HasPrefix(serverURL, "unix://"):
		path := serverURL[len("unix://"):]
		c.unix = true
		c.endpoint = "http://localhost"
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
	case strings.HasPrefix(serverURL, "http://"):
		u, err := url.Parse(serverURL)
		host, port := "", "80"
		if err == nil {
			host = u.Hostname()
			if p := u.Port(); p != "" {
				port = p
			}
		}
		c.endpoint = "http://" + net.JoinHostPort(host, port)
	default:
		c.badProto = true
	}
	c.hc = &http.Client{Transport: tr}
	return c
}

// Close drops idle connections.
func (c *Client) Close() {
	if t, ok := c.hc.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

func (c *Client) protoError() error {
	return &pyError{Class: "ValueError", Text: "Unknown protocol for serverurl " + c.ServerURL, File: pyXMLRPCFile, Line: lineBadProto}
}

// Call invokes method with args and decodes the answer into result (nil to
// discard it). Errors are *Fault, *ProtocolError or *pyError.
func (c *Client) Call(ctx context.Context, method string, args []any, result any) error {
	if c.badProto {
		return c.protoError()
	}
	body, err := xmlrpc.EncodeMethodCall(method, args...)
	if err != nil {
		return &pyError{Class: "TypeError", Text: err.Error(), File: pyClientFile, Line: 0, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/RPC2", bytes.NewReader(body))
	if err != nil {
		return &pyError{Class: "ValueError", Text: err.Error(), File: pyXMLRPCFile, Line: lineBadProto, Err: err}
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("User-Agent", "supervisorlab-supervisorctl")
	if c.Username != nil && c.Password != nil {
		req.SetBasicAuth(*c.Username, *c.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.connError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return &ProtocolError{Status: resp.StatusCode, Reason: reason(resp)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return c.connError(err)
	}
	r := xmlrpc.Response(data)
	if ferr := r.Err(); ferr != nil {
		var fe xmlrpc.FaultError
		if errors.As(ferr, &fe) {
			return &Fault{Code: fe.Code, String: fe.String}
		}
		return badResponse(ferr)
	}
	if result == nil {
		return nil
	}
	if err := r.Unmarshal(result); err != nil {
		return badResponse(err)
	}
	return nil
}

func badResponse(err error) error {
	return &pyError{Class: "xml.parsers.expat.ExpatError", Text: err.Error(), File: pyExpatFile, Line: 0, Err: err}
}

func reason(resp *http.Response) string {
	return strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)+" ")
}

// connError shapes a failure to reach the server like the socket exception
// Python raises: the errno and class, and where 4.2.5 would have raised it.
func (c *Client) connError(err error) error {
	file, line := pySocketFile, lineInetConnect
	if c.unix {
		file, line = pyXMLRPCFile, lineUnixConnect
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &pyError{Class: errnoClass(errno), Text: errnoText(errno), File: file, Line: line, Errno: errno, Err: err}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &pyError{Class: "socket.gaierror", Text: "[Errno -2] Name or service not known", File: pySocketFile, Line: lineGetaddrinfo, Err: err}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &pyError{Class: "http.client.RemoteDisconnected", Text: "Remote end closed connection without response", File: pyHTTPClient, Line: 294, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &pyError{Class: "OSError", Text: err.Error(), File: file, Line: line, Err: err}
}

// stream GETs path (a /logtail or /mainlogtail URL) and copies the body to w
// until the server closes it or ctx ends. Problems are written to errw in
// 4.2.5's http_client wording.
func (c *Client) stream(ctx context.Context, path string, w, errw io.Writer) {
	where := c.ServerURL + path
	if c.badProto {
		fmt.Fprintf(errw, "%s Cannot connect, error: <class 'NotImplementedError'> ()\n", where)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+path, nil)
	if err != nil {
		fmt.Fprintf(errw, "%s Cannot connect, error: <class 'ValueError'> (%s)\n", where, err)
		return
	}
	req.Header.Set("Accept", "*/*")
	req.Header.Set("User-Agent", "Supervisor HTTP Client")
	// 4.2.5's log client sends credentials whenever a password is set.
	if c.Password != nil && *c.Password != "" {
		user := ""
		if c.Username != nil {
			user = *c.Username
		}
		req.SetBasicAuth(user, *c.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		pe := asPy(c.connError(err))
		fmt.Fprintf(errw, "%s Cannot connect, error: <class '%s'> (%s)\n", where, pe.Class, pe.Text)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(errw, "%s Cannot read, status code %d\n", where, resp.StatusCode)
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if f, ok := w.(interface{ Flush() error }); ok {
				_ = f.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
