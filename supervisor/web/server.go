// Package web owns supervisord's HTTP side: the [inet_http_server] and
// [unix_http_server] listeners (socket permissions, stale-socket recovery
// and the error texts of 4.2.5), HTTP Basic authentication with plain and
// {SHA} passwords, and the routing of requests: /RPC2* to the XML-RPC
// server of package rpc, everything else to a small router where the web
// UI, log tails and /metrics get registered (Handle); unknown paths 404.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// ServerHeader is sent on every response. 4.2.5 sends Medusa's; we keep
// it so monitoring checks written against 4.2.5 keep matching.
var ServerHeader = "Medusa/1.12"

// Server is the set of HTTP listeners of one supervisord.
type Server struct {
	cfg    *config.Config
	rpc    *rpc.Server
	log    rpc.Logger
	router *router

	// Stderr receives the "Unlinking stale socket" line (4.2.5 writes it
	// to supervisord's stderr, not to the log). Default os.Stderr.
	Stderr io.Writer

	rpcCount atomic.Uint64 // /RPC2 requests served, for /metrics

	mu        sync.Mutex
	listeners []*listener
	closed    bool
	done      chan struct{} // closed by Close/Shutdown
}

type listener struct {
	section string // "inet_http_server" or "unix_http_server"
	ln      net.Listener
	srv     *http.Server
	sock    string // unix socket path to unlink at close; "" for inet
}

// New returns the HTTP front end for cfg's [inet_http_server] and
// [unix_http_server] sections, serving XML-RPC from backend. log receives
// 4.2.5's log lines (nil discards them). Nothing is bound until Listen.
func New(cfg *config.Config, backend rpc.Backend, logger rpc.Logger) *Server {
	if logger == nil {
		logger = func(config.LogLevel, string) {}
	}
	return &Server{
		cfg:    cfg,
		rpc:    rpc.NewServer(backend, logger),
		log:    logger,
		router: newRouter(),
		Stderr: os.Stderr,
		done:   make(chan struct{}),
	}
}

// RPC returns the XML-RPC server, e.g. for the web UI to call methods.
func (s *Server) RPC() *rpc.Server { return s.rpc }

// Logger returns the logger given to New, for handlers that log refusals.
func (s *Server) Logger() rpc.Logger { return s.log }

// Done is closed when Close or Shutdown begins, so that endless
// responses (log tails that follow a file) end and Shutdown need not wait.
func (s *Server) Done() <-chan struct{} { return s.done }

// RPCRequests is the number of /RPC2 requests received so far.
func (s *Server) RPCRequests() uint64 { return s.rpcCount.Load() }

// Handle registers h for an exact path ("/ok.html") or, when path ends in
// "/", for every path under it ("/logtail/"). Register before Serve. The
// web UI and /metrics plug in here; /RPC2 is always XML-RPC.
func (s *Server) Handle(path string, h http.Handler) { s.router.handle(path, h) }

// ListenError is a failure to open a listener; Error() is 4.2.5's message
// (supervisord prints it after "Error: " and exits 2).
type ListenError struct {
	Msg string
	Err error
}

func (e *ListenError) Error() string { return e.Msg }
func (e *ListenError) Unwrap() error { return e.Err }

const addrInUse = "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord."

// Listen opens every configured listener, inet first then unix as 4.2.5
// does, and logs the CRIT line for each one without authentication. On
// error the listeners already opened are closed again.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("web: server closed")
	}
	fail := func(err error) error {
		for _, l := range s.listeners {
			l.close()
		}
		s.listeners = nil
		return err
	}
	if c := s.cfg.InetHTTPServer; c != nil {
		ln, err := listenInet(c.Host, c.Port)
		if err != nil {
			return fail(err)
		}
		name := c.Name
		if name == "" {
			name = "inet_http_server"
		}
		s.add(name, ln, "", c.Username, c.Password)
	}
	if c := s.cfg.UnixHTTPServer; c != nil {
		ln, err := listenUnix(c, s.Stderr)
		if err != nil {
			return fail(err)
		}
		s.add("unix_http_server", ln, c.File, c.Username, c.Password)
	}
	return nil
}

func (s *Server) add(section string, ln net.Listener, sock, user, pass string) {
	if user == "" {
		s.log(config.LevelCritical, fmt.Sprintf("Server '%s' running without any HTTP authentication checking", section))
	}
	var h http.Handler = http.HandlerFunc(s.route)
	if user != "" {
		h = basicAuth(user, pass, h)
	}
	h = withServerHeader(h)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	s.listeners = append(s.listeners, &listener{section: section, ln: ln, srv: srv, sock: sock})
}

// Addrs returns the bound addresses (after Listen), inet first.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]net.Addr, 0, len(s.listeners))
	for _, l := range s.listeners {
		out = append(out, l.ln.Addr())
	}
	return out
}

// Serve serves every listener until Close or Shutdown; it returns nil
// then, or the first listener's unexpected error.
func (s *Server) Serve() error {
	s.mu.Lock()
	ls := append([]*listener(nil), s.listeners...)
	s.mu.Unlock()
	if len(ls) == 0 {
		return nil
	}
	errc := make(chan error, len(ls))
	for _, l := range ls {
		go func() {
			err := l.srv.Serve(l.ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			errc <- err
		}()
	}
	var first error
	for range ls {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Shutdown stops accepting connections, waits for in-flight requests
// (the response to supervisor.shutdown, for one) until ctx is done, then
// closes everything and removes the unix socket file.
func (s *Server) Shutdown(ctx context.Context) error {
	ls := s.take()
	var first error
	for _, l := range ls {
		if err := l.srv.Shutdown(ctx); err != nil && first == nil {
			first = err
			_ = l.srv.Close()
		}
		l.close() // also when Serve never ran and srv does not know ln
	}
	return first
}

// Close closes every listener and connection at once and removes the
// unix socket file. Requests waiting in the backend see their context
// cancelled.
func (s *Server) Close() error {
	for _, l := range s.take() {
		_ = l.srv.Close()
		l.close()
	}
	return nil
}

func (s *Server) take() []*listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		close(s.done)
	}
	s.closed = true
	ls := s.listeners
	s.listeners = nil
	return ls
}

func (l *listener) close() {
	_ = l.ln.Close()
	l.unlink()
}

func (l *listener) unlink() {
	if l.sock != "" {
		_ = os.Remove(l.sock)
		l.sock = ""
	}
}

// route sends /RPC2* to XML-RPC (4.2.5 matches the raw URI by prefix) and
// the rest to the router.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.RequestURI, "/RPC2") || strings.HasPrefix(r.URL.Path, "/RPC2") {
		s.rpcCount.Add(1)
		s.rpc.ServeHTTP(w, r)
		return
	}
	s.router.ServeHTTP(w, r)
}

func withServerHeader(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", ServerHeader)
		h.ServeHTTP(w, r)
	})
}

// router maps exact paths and path prefixes to handlers. Unlike
// http.ServeMux it never redirects or cleans paths, so what 4.2.5 would
// 404 stays a 404.
type router struct {
	mu       sync.RWMutex
	exact    map[string]http.Handler
	prefixes []prefixRoute
}

type prefixRoute struct {
	prefix string
	h      http.Handler
}

func newRouter() *router { return &router{exact: map[string]http.Handler{}} }

func (rt *router) handle(path string, h http.Handler) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if strings.HasSuffix(path, "/") && path != "/" {
		rt.prefixes = append(rt.prefixes, prefixRoute{path, h})
		return
	}
	rt.exact[path] = h
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.mu.RLock()
	h := rt.exact[r.URL.Path]
	if h == nil {
		for _, p := range rt.prefixes {
			if strings.HasPrefix(r.URL.Path, p.prefix) {
				h = p.h
				break
			}
		}
	}
	rt.mu.RUnlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	// 4.2.5's default (static file) handler: only GET and HEAD are
	// understood; other methods get 400, unknown files 404.
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	rpc.WriteHTTPError(w, http.StatusNotFound)
}
