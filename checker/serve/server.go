package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
	"github.com/supervisorlab/supervisorlab/checker/runner"
	"github.com/supervisorlab/supervisorlab/sandbox"
	"github.com/supervisorlab/supervisorlab/sandbox/labtarget"
)

const cookieName = "lab_session"

// Server serves one lab to many browser sessions.
type Server struct {
	cfg   Config
	lab   *Lab
	token string
	mux   *http.ServeMux
	page  *template.Template

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
	stop     chan struct{}
	wg       sync.WaitGroup
}

// NewServer returns the handler for lab; token, when set, must be shown once per browser.
func NewServer(cfg Config, lab *Lab, token string) *Server {
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 20
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	s := &Server{cfg: cfg, lab: lab, token: token, sessions: map[string]*session{}, stop: make(chan struct{})}
	s.page = template.Must(template.New("page").Parse(pageHTML))
	static, _ := fs.Sub(assets, "ui")
	s.mux = http.NewServeMux()
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.handlePage)
	s.mux.HandleFunc("POST /check/{n}", s.handleCheck)
	s.mux.HandleFunc("POST /reset", s.handleReset)
	s.mux.HandleFunc("GET /term", s.handleTerm)
	s.wg.Add(1)
	go s.reclaim()
	return s
}

// Close stops every session's sandbox.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	all := s.sessions
	s.sessions = map[string]*session{}
	s.mu.Unlock()
	s.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, se := range all {
		se.mu.Lock()
		se.gone = true
		se.mu.Unlock()
		wg.Add(1)
		go func() { defer wg.Done(); se.discard(ctx) }()
	}
	wg.Wait()
}

// reclaim discards sessions idle longer than IdleTimeout.
func (s *Server) reclaim() {
	defer s.wg.Done()
	tick := time.NewTicker(min(s.cfg.IdleTimeout/4, time.Minute))
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			s.mu.Lock()
			var idle []*session
			for id, se := range s.sessions {
				se.mu.Lock()
				if se.active == 0 && now.Sub(se.lastSeen) > s.cfg.IdleTimeout {
					se.gone = true
					idle = append(idle, se)
					delete(s.sessions, id)
				}
				se.mu.Unlock()
			}
			s.mu.Unlock()
			for _, se := range idle {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				se.discard(ctx)
				cancel()
			}
		}
	}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
	s.mux.ServeHTTP(w, r)
}

// session finds the request's session; create makes one (checking the token) when missing.
func (s *Server) session(w http.ResponseWriter, r *http.Request, create bool) (*session, error) {
	if c, err := r.Cookie(cookieName); err == nil {
		s.mu.Lock()
		se := s.sessions[c.Value]
		s.mu.Unlock()
		if se != nil {
			se.touch()
			return se, nil
		}
	}
	if !create {
		return nil, errNoSession
	}
	if s.token != "" && !equal(r.URL.Query().Get("token"), s.token) {
		return nil, errToken
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errTooMany
	}
	if len(s.sessions) >= s.cfg.MaxSessions {
		return nil, errTooMany
	}
	se := &session{id: randomHex(16), csrf: randomHex(16), results: map[int]runner.StepResult{}, lastSeen: time.Now()}
	s.sessions[se.id] = se
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: se.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return se, nil
}

type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

var (
	errNoSession = &httpError{http.StatusForbidden, "no lab session: reload the page"}
	errToken     = &httpError{http.StatusForbidden, "this lab needs the access token your instructor gave you: open the link with ?token=..."}
	errCSRF      = &httpError{http.StatusForbidden, "request refused: missing or wrong CSRF token (reload the page)"}
)

func fail(w http.ResponseWriter, err error) {
	code := http.StatusServiceUnavailable
	if he, ok := err.(*httpError); ok {
		code = he.code
	}
	http.Error(w, err.Error(), code)
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	se, err := s.session(w, r, true)
	if err != nil {
		fail(w, err)
		return
	}
	if r.URL.Query().Has("token") {
		http.Redirect(w, r, "/", http.StatusSeeOther) // keep the token out of history and screenshots
		return
	}
	se.mu.Lock()
	results := make(map[int]runner.StepResult, len(se.results))
	for k, v := range se.results {
		results[k] = v
	}
	se.mu.Unlock()
	byLine := map[int]labdoc.Step{}
	for _, st := range s.lab.doc.Steps {
		byLine[st.Line] = st
	}
	body := renderMarkdown(string(s.lab.src), func(line int) string {
		st, ok := byLine[line]
		if !ok {
			return ""
		}
		res, ran := results[st.N]
		return checkHTML(st, res, ran)
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	s.page.Execute(w, map[string]any{
		"Name": s.lab.name, "CSRF": se.csrf, "Body": template.HTML(body),
		"Steps": len(s.lab.doc.Steps), "Passed": passed(results),
	})
}

func passed(results map[int]runner.StepResult) int {
	n := 0
	for _, r := range results {
		if r.Passed {
			n++
		}
	}
	return n
}

// checkHTML is the Check button of step st and its latest result.
func checkHTML(st labdoc.Step, res runner.StepResult, ran bool) string {
	n := strconv.Itoa(st.N)
	return `<div class="check" id="step-` + n + `" data-step="` + n + `"><button type="button" class="check-btn">Check step ` + n +
		`</button><div class="result" aria-live="polite">` + resultHTML(res, ran) + "</div></div>\n"
}

func resultHTML(res runner.StepResult, ran bool) string {
	if !ran {
		return ""
	}
	if res.Passed {
		return `<span class="pass">✓ Step ` + strconv.Itoa(res.Step) + ` passed</span>`
	}
	var b strings.Builder
	b.WriteString(`<span class="fail">✗ Step ` + strconv.Itoa(res.Step) + ` not done yet</span><ul>`)
	for _, c := range res.Checks {
		if c.Status != runner.Fail {
			continue
		}
		msg := c.Error
		if msg == "" {
			msg = c.Name + " failed"
		}
		if c.TimedOut {
			msg += " (timed out)"
		}
		b.WriteString(`<li><span class="error">` + html.EscapeString(msg) + `</span>`)
		if c.Hint != "" {
			b.WriteString(`<div class="hint">Hint: ` + html.EscapeString(c.Hint) + `</div>`)
		}
		b.WriteString("</li>")
	}
	b.WriteString("</ul>")
	return b.String()
}

// postSession is the session of a state-changing request, which must carry the CSRF token
// in a header (a cross-site form cannot set one).
func (s *Server) postSession(w http.ResponseWriter, r *http.Request) (*session, bool) {
	se, err := s.session(w, r, false)
	if err == nil && !equal(r.Header.Get("X-CSRF-Token"), se.csrf) {
		err = errCSRF
	}
	if err != nil {
		fail(w, err)
		return nil, false
	}
	return se, true
}

func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	se, ok := s.postSession(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(s.lab.doc.Steps) {
		http.Error(w, fmt.Sprintf("no step %q in this lab", r.PathValue("n")), http.StatusNotFound)
		return
	}
	st := s.lab.doc.Steps[n-1]
	se.begin()
	defer se.end()
	sb, err := se.sandbox(r.Context(), s.cfg.NewSandbox)
	if err != nil {
		http.Error(w, "cannot start your sandbox: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	se.checking.Lock() // one check at a time per student: steps share the sandbox
	res, err := runner.RunStep(r.Context(), labtarget.New(sb), s.lab.doc, st, runner.Options{})
	se.checking.Unlock()
	if err != nil {
		http.Error(w, "check could not run: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	se.mu.Lock()
	se.results[n] = res
	all := passed(se.results)
	se.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"step": n, "passed": res.Passed, "html": resultHTML(res, true),
		"progress": map[string]int{"passed": all, "steps": len(s.lab.doc.Steps)},
	})
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	se, ok := s.postSession(w, r)
	if !ok {
		return
	}
	se.discard(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

// handleTerm attaches a WebSocket to the session's shell: binary messages are keystrokes and
// output, text messages are JSON control ({"type":"resize","cols":C,"rows":R}).
func (s *Server) handleTerm(w http.ResponseWriter, r *http.Request) {
	se, err := s.session(w, r, false)
	if err != nil {
		fail(w, err)
		return
	}
	// Accept refuses an Origin other than the request's host (no OriginPatterns).
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	cols, _ := strconv.Atoi(r.URL.Query().Get("cols"))
	rows, _ := strconv.Atoi(r.URL.Query().Get("rows"))
	size := sandbox.WindowSize{Rows: clamp(rows, 24), Cols: clamp(cols, 80)}

	se.begin() // no reclaim while the sandbox starts
	sb, err := se.sandbox(ctx, s.cfg.NewSandbox)
	se.end()
	if err != nil {
		c.Write(ctx, websocket.MessageBinary, []byte("\r\ncannot start your sandbox: "+err.Error()+"\r\n"))
		c.Close(websocket.StatusInternalError, "no sandbox")
		return
	}
	se.mu.Lock()
	sh := se.shell
	if sh == nil || sh.exited() {
		sh = startShell(sb, size)
		se.shell = sh
	} else {
		select {
		case sh.resize <- size:
		default:
		}
	}
	se.active++
	se.mu.Unlock()
	defer se.end()

	// Output goes through a queue; a slow browser slows the shell (back-pressure) rather than
	// losing output, and a dead connection releases the writer at once.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outq := make(chan []byte, 256)
	send := func(p []byte) bool {
		select {
		case outq <- p:
			return true
		case <-wctx.Done():
			return false // detached: the backlog keeps it for the next attach
		}
	}
	replay, gen := sh.attach(send)
	defer sh.detach(gen)
	go func() {
		defer cancel()
		if len(replay) > 0 && c.Write(wctx, websocket.MessageBinary, replay) != nil {
			return
		}
		for {
			select {
			case p := <-outq:
				if c.Write(wctx, websocket.MessageBinary, p) != nil {
					return
				}
			case <-sh.done:
				c.Write(wctx, websocket.MessageBinary, []byte("\r\n[shell ended; reconnect for a new one]\r\n"))
				c.Close(websocket.StatusNormalClosure, "shell ended")
				return
			case <-wctx.Done():
				return
			}
		}
	}()
	for {
		typ, msg, err := c.Read(wctx)
		if err != nil {
			return
		}
		se.touch()
		if typ == websocket.MessageBinary {
			if _, err := sh.in.Write(msg); err != nil {
				return
			}
			continue
		}
		var ctl struct {
			Type       string
			Cols, Rows int
		}
		if json.Unmarshal(msg, &ctl) == nil && ctl.Type == "resize" {
			select {
			case sh.resize <- sandbox.WindowSize{Rows: clamp(ctl.Rows, 24), Cols: clamp(ctl.Cols, 80)}:
			default:
			}
		}
	}
}

func clamp(v, def int) uint16 {
	if v <= 0 || v > 1000 {
		return uint16(def)
	}
	return uint16(v)
}
