// Package serve is `lab serve`, the student's web lab: one page with the lab text rendered from
// its markdown (checker blocks replaced by "Check step N" buttons), beside a browser terminal
// (xterm.js, embedded) attached over a WebSocket to a shell in the browser session's own sandbox.
// Checks run on the server through checker/runner in that sandbox; the page only shows results.
//
// Safety: the listener is loopback unless --token is given; POSTs need the session's CSRF token;
// the WebSocket refuses foreign origins; assets come from an embedded fs.FS (no path traversal).
package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
	"github.com/supervisorlab/supervisorlab/sandbox"
)

//go:embed ui/dist ui/static
var assets embed.FS

// Config is what the lab binary wires in.
type Config struct {
	// DefaultLab holds lab.md, used when no LAB argument is given; nil means ./lab.md.
	DefaultLab fs.FS
	// DefaultLabName names DefaultLab on the page, e.g. "supervisor".
	DefaultLabName string
	// NewSandbox creates a fresh sandbox for one browser session. nil: sandbox.Create with
	// the --rootfs and --state-root flags.
	NewSandbox func(ctx context.Context, name string) (sandbox.Sandbox, error)
	// MaxSessions bounds concurrent sessions (and so sandboxes); 0 means 20.
	MaxSessions int
	// IdleTimeout reclaims a session's sandbox after this long without requests or an open
	// terminal; 0 means 30 minutes.
	IdleTimeout time.Duration
}

// Default is the configuration Main uses; the lab binary fills it in before calling Main.
var Default Config

// Main runs `lab serve` with args (after "serve") and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int { return Default.Main(args, stdout, stderr) }

const usage = "usage: lab serve [--addr 127.0.0.1:8080] [--token TOKEN] [--rootfs host|DIR] [LAB]\n"

// Main runs `lab serve` with this configuration until SIGINT or SIGTERM.
func (c Config) Main(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("lab serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, usage); fl.PrintDefaults() }
	addr := fl.String("addr", "127.0.0.1:8080", "listen address")
	token := fl.String("token", "", "access token students must present once (?token=...); required off loopback")
	rootfs := fl.String("rootfs", sandbox.HostRootfs, "sandbox root file system: host or an image directory")
	stateRoot := fl.String("state-root", "", "where sandboxes keep their state (default the sandbox package's)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	lab, err := c.loadLab(fl.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "lab serve: %v\n", err)
		return 2
	}
	if c.NewSandbox == nil {
		rf, sr := *rootfs, *stateRoot
		c.NewSandbox = func(ctx context.Context, name string) (sandbox.Sandbox, error) {
			return sandbox.Create(ctx, name, sandbox.Options{Rootfs: rf, StateRoot: sr, Lab: lab.path})
		}
	}
	ln, err := Listen(*addr, *token)
	if err != nil {
		fmt.Fprintf(stderr, "lab serve: %v\n", err)
		return 2
	}
	srv := NewServer(c, lab, *token)
	defer srv.Close()
	fmt.Fprintf(stdout, "lab serve: %s on http://%s/\n", lab.name, ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "lab serve: %v\n", err)
		return 1
	}
	return 0
}

// Listen opens addr, refusing a non-loopback address unless token is set.
func Listen(addr, token string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %v", addr, err)
	}
	if !isLoopback(host) && token == "" {
		return nil, fmt.Errorf("--addr %s is not loopback: students elsewhere need --token TOKEN", addr)
	}
	return net.Listen("tcp", addr)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Lab is a loaded lab: its source (for the page) and its parsed steps (for Check).
type Lab struct {
	name, path string
	src        []byte
	doc        *labdoc.Lab
}

// LoadLab reads a lab directory (holding lab.md) or markdown file.
func LoadLab(path string) (*Lab, error) { return Config{}.loadLab(path) }

func (c Config) loadLab(arg string) (*Lab, error) {
	var (
		data []byte
		err  error
		name string
		path string
	)
	switch {
	case arg == "" && c.DefaultLab != nil:
		name = c.DefaultLabName
		data, err = fs.ReadFile(c.DefaultLab, "lab.md")
		path = "lab.md"
	default:
		if arg == "" {
			arg = "lab.md"
		}
		path = arg
		if st, serr := os.Stat(arg); serr == nil && st.IsDir() {
			path = filepath.Join(arg, "lab.md")
		}
		data, err = os.ReadFile(path)
		name = strings.TrimSuffix(filepath.Base(filepath.Dir(path)), "/")
		if filepath.Base(path) != "lab.md" {
			name = strings.TrimSuffix(filepath.Base(path), ".md")
		}
		if abs, aerr := filepath.Abs(path); aerr == nil {
			path = abs
		}
	}
	if err != nil {
		return nil, err
	}
	doc, err := labdoc.Parse(path, data)
	if err != nil {
		return nil, err
	}
	if len(doc.Errors) > 0 {
		return nil, labdoc.ErrorList(doc.Errors)
	}
	for _, h := range doc.Headings {
		if h.Level == 1 {
			name = h.Title // the page says what the author called the lab
			break
		}
	}
	return &Lab{name: name, path: path, src: data, doc: doc}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

var errTooMany = errors.New("too many students on this server; try again later")
