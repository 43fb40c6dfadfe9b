// Package ui owns supervisord's browser and monitoring pages on the HTTP
// listeners of package web: the status page and tail page at 4.2.5's URLs
// (/, /index.html, /tail.html, /ok.html, /stylesheets/supervisor.css,
// /images/icon.png), the following log tails (/logtail/<name>[/stderr],
// /mainlogtail) and a Prometheus text-format /metrics. Unlike 4.2.5, actions run only from a
// POST carrying the page's CSRF token, and a log tail reads only the log
// file configured for the named process.
package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/web"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"rem":   func(i int) int { return i % 2 },
	"label": actionLabel,
	"path":  url.PathEscape, // a name with "?" or "#" stays one path segment
}).ParseFS(assets, "assets/*.html"))

func actionLabel(a string) string {
	switch a {
	case "clearlog":
		return "Clear Log"
	case "restart":
		return "Restart"
	case "stop":
		return "Stop"
	case "start":
		return "Start"
	}
	return a
}

// Version is shown in the page footer.
var Version = "4.2.5"

// UI serves the pages of one web.Server generation.
type UI struct {
	backend rpc.Backend
	rpc     *rpc.Server
	log     rpc.Logger
	token   string
	started time.Time
	done    <-chan struct{}
	rpcReqs func() uint64

	// Now is the clock for descriptions, messages and uptimes.
	Now func() time.Time

	mu     sync.Mutex
	starts map[string]uint64 // namespec → spawns seen via CountStart
	counts bool              // CountStart was ever wired
}

// Register creates the UI for backend and registers its handlers on s.
func Register(s *web.Server, backend rpc.Backend) *UI {
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	u := &UI{
		backend: backend,
		rpc:     s.RPC(),
		log:     s.Logger(),
		token:   hex.EncodeToString(raw[:]),
		started: time.Now(),
		done:    s.Done(),
		rpcReqs: s.RPCRequests,
		Now:     time.Now,
		starts:  map[string]uint64{},
	}
	s.Handle("/", http.HandlerFunc(u.status))
	s.Handle("/index.html", http.HandlerFunc(u.status))
	s.Handle("/tail.html", http.HandlerFunc(u.tail))
	s.Handle("/ok.html", http.HandlerFunc(ok))
	s.Handle("/stylesheets/supervisor.css", http.HandlerFunc(stylesheet))
	s.Handle("/images/icon.png", http.HandlerFunc(icon))
	s.Handle("/logtail/", http.HandlerFunc(u.logtail))
	s.Handle("/mainlogtail", http.HandlerFunc(u.mainlogtail))
	s.Handle("/metrics", http.HandlerFunc(u.metrics))
	return u
}

// CountStart records one spawn of a process (the daemon calls it on every
// transition to STARTING); /metrics reports the counts.
func (u *UI) CountStart(group, name string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.counts = true
	u.starts[namespec(group, name)]++
}

func namespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

func ok(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("OK"))
}

func stylesheet(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	css, _ := assets.ReadFile("assets/supervisor.css")
	w.Header().Set("Content-Type", "text/css")
	_, _ = w.Write(css)
}

// noCache sets 4.2.5's view headers (WEB-08) plus a few safe defaults.
func noCache(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Pragma", "no-cache")
	h.Set("Cache-Control", "no-cache")
	h.Set("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}

type row struct {
	State, Class, Description string
	Namespec, Group, Name     string
	Actions                   []string
	PID                       int
}

type statusPage struct {
	Message string
	Rows    []row
	Token   string
	Version string
	Ident   string
}

// status is the status page (WEB-01..05). POST runs an action and
// redirects with the message; GET only shows, whatever its query says.
func (u *UI) status(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" || r.URL.Path == "/index.html" {
		switch r.Method {
		case http.MethodPost:
			u.act(w, r)
			return
		case http.MethodGet:
		case http.MethodHead: // as 4.2.5 (HTTP-02)
			rpc.WriteHTTPError(w, http.StatusNotFound)
			return
		default:
			rpc.WriteHTTPError(w, http.StatusBadRequest)
			return
		}
	}
	q := r.URL.Query()
	msg := q.Get("message")
	if a := q.Get("action"); a != "" && a != "refresh" {
		msg = "Nothing was done: actions run only from this page's buttons (" + a + " link ignored)."
	} else if a == "refresh" {
		msg = "Page refreshed at " + u.ctime()
	}
	page := statusPage{
		Message: msg,
		Rows:    u.rows(),
		Token:   u.token,
		Version: Version,
		Ident:   u.backend.Identification(),
	}
	noCache(w)
	if err := pages.ExecuteTemplate(w, "status.html", page); err != nil {
		u.log(config.LevelError, "web UI: rendering status page: "+err.Error())
	}
}

func (u *UI) rows() []row {
	now := u.Now()
	var infos []rpc.ProcessInfo
	for _, g := range u.backend.Groups() {
		for _, n := range g.Processes {
			p, err := u.backend.ProcessInfo(g.Name, n)
			if err == nil {
				infos = append(infos, p)
			}
		}
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].Group != infos[j].Group {
			return infos[i].Group < infos[j].Group
		}
		return infos[i].Name < infos[j].Name
	})
	out := make([]row, 0, len(infos))
	for _, p := range infos {
		rw := row{
			State:       strings.ToLower(p.State.String()),
			Class:       "statusnominal",
			Description: rpc.Describe(p, now),
			Namespec:    namespec(p.Group, p.Name),
			Group:       p.Group,
			Name:        p.Name,
			PID:         p.PID,
		}
		switch p.State {
		case rpc.StateRunning:
			rw.Class = "statusrunning"
			rw.Actions = []string{"restart", "stop"}
		case rpc.StateFatal, rpc.StateBackoff:
			rw.Class = "statuserror"
		}
		switch p.State {
		case rpc.StateStopped, rpc.StateExited, rpc.StateFatal:
			rw.Actions = []string{"start"}
		}
		rw.Actions = append(rw.Actions, "clearlog")
		out = append(out, rw)
	}
	return out
}

func (u *UI) ctime() string { return u.Now().Format("Mon Jan _2 15:04:05 2006") }

// checkCSRF accepts a POST only with the page's token and, when the
// browser says where the form came from, only from this same host.
func (u *UI) checkCSRF(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("unreadable form: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(u.token)) != 1 {
		return errors.New("missing or wrong CSRF token")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		ou, err := url.Parse(o)
		if err != nil || ou.Host != r.Host {
			return fmt.Errorf("cross-origin form from %q", o)
		}
	}
	return nil
}

func (u *UI) refuse(w http.ResponseWriter, r *http.Request, code int, why string) {
	u.log(config.LevelWarn, fmt.Sprintf("web UI: refused %s %s from %s: %s", r.Method, r.URL.Path, r.RemoteAddr, why))
	rpc.WriteHTTPError(w, code)
}

// act runs one action of the status page and redirects to the page with
// 4.2.5's message (WEB-04); 303 so the browser reloads by GET.
func (u *UI) act(w http.ResponseWriter, r *http.Request) {
	if err := u.checkCSRF(r); err != nil {
		u.refuse(w, r, http.StatusForbidden, err.Error())
		return
	}
	action := r.PostForm.Get("action")
	ns := r.PostForm.Get("processname")
	msg := u.run(r.Context(), action, ns)
	http.Redirect(w, r, "index.html?message="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (u *UI) call(ctx context.Context, method string, args ...any) error {
	_, err := u.rpc.Call(ctx, "supervisor."+method, args)
	return err
}

func (u *UI) run(ctx context.Context, action, ns string) string {
	switch action {
	case "refresh", "":
		return "Page refreshed at " + u.ctime()
	case "stopall":
		if err := u.call(ctx, "stopAllProcesses", true); err != nil {
			return faultMessage("", err)
		}
		return "All stopped at " + u.ctime()
	case "restartall":
		if err := u.call(ctx, "stopAllProcesses", true); err != nil {
			return faultMessage("", err)
		}
		if err := u.call(ctx, "startAllProcesses", true); err != nil {
			return faultMessage("", err)
		}
		return "All restarted at " + u.ctime()
	}
	if ns == "" {
		return "No process name found"
	}
	switch action {
	case "start":
		if err := u.call(ctx, "startProcess", ns, true); err != nil {
			return faultMessage(ns, err)
		}
		return "Process " + ns + " started"
	case "stop":
		if err := u.call(ctx, "stopProcess", ns, true); err != nil {
			return faultMessage(ns, err)
		}
		return "Process " + ns + " stopped"
	case "restart":
		if err := u.call(ctx, "stopProcess", ns, true); err != nil {
			if f := rpc.AsFault(err); f == nil || f.Code != rpc.FaultNotRunning {
				return faultMessage(ns, err)
			}
		}
		if err := u.call(ctx, "startProcess", ns, true); err != nil {
			return faultMessage(ns, err)
		}
		return "Process " + ns + " restarted"
	case "clearlog":
		if err := u.call(ctx, "clearProcessLogs", ns); err != nil {
			return faultMessage(ns, err)
		}
		return "Log for " + ns + " cleared"
	}
	return "Unknown action " + strconv.Quote(action)
}

// faultMessage words an RPC failure as 4.2.5's status page does.
func faultMessage(ns string, err error) string {
	var f *rpc.Fault
	if !errors.As(err, &f) {
		return "ERROR: " + err.Error()
	}
	what := map[int]string{
		rpc.FaultNoFile:              "no such file",
		rpc.FaultNotExecutable:       "file not executable",
		rpc.FaultAlreadyStarted:      "already started",
		rpc.FaultSpawnError:          "spawn error",
		rpc.FaultAbnormalTermination: "abnormal termination",
		rpc.FaultNotRunning:          "not running",
	}[f.Code]
	switch {
	case f.Code == rpc.FaultBadName:
		return "No such process named " + ns
	case what != "" && ns != "":
		return "ERROR: Process " + ns + ": " + what
	}
	return fmt.Sprintf("ERROR: unexpected rpc fault [%d] %s", f.Code, f.String())
}

type tailPage struct {
	Namespec string
	Limit    int
	Text     string
	Error    string
	Version  string
}

// maxTail bounds tail.html's limit so one request cannot pull a huge log
// into memory.
const maxTail = 1 << 20

// tail is tail.html (WEB-06): the end of the process's stdout log.
func (u *UI) tail(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	page := tailPage{Namespec: q.Get("processname"), Limit: 1024, Version: Version}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > page.Limit {
		page.Limit = min(n, maxTail)
	}
	if page.Namespec == "" {
		page.Error = "No process name found"
	} else {
		v, err := u.rpc.Call(r.Context(), "supervisor.readProcessStdoutLog", []any{page.Namespec, int64(-page.Limit), int64(0)})
		var f *rpc.Fault
		switch {
		case err == nil:
			page.Text, _ = v.(string)
		case errors.As(err, &f) && f.Code == rpc.FaultNoFile:
			page.Error = "No file for " + page.Namespec
		case errors.As(err, &f) && f.Code == rpc.FaultBadName:
			page.Error = "No such process named " + page.Namespec
		default:
			page.Error = faultMessage("", err)
		}
	}
	noCache(w)
	if err := pages.ExecuteTemplate(w, "tail.html", page); err != nil {
		u.log(config.LevelError, "web UI: rendering tail page: "+err.Error())
	}
}
