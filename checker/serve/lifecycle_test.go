package serve

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/sandbox"
)

// countingSandbox records Stop so the test can see a reclaim.
type countingSandbox struct {
	sandbox.Sandbox
	stopped *atomic.Int32
}

func (c countingSandbox) Stop(ctx context.Context) error {
	c.stopped.Add(1)
	return c.Sandbox.Stop(ctx)
}

func TestIdleSessionReclaimed(t *testing.T) {
	needRoot(t)
	root := t.TempDir()
	var stopped atomic.Int32
	hs, srv := startServer(t, Config{IdleTimeout: 100 * time.Millisecond, NewSandbox: func(ctx context.Context, name string) (sandbox.Sandbox, error) {
		sb, err := sandbox.Create(ctx, name, sandbox.Options{StateRoot: root, Rootfs: sandbox.HostRootfs})
		if err != nil {
			return nil, err
		}
		return countingSandbox{sb, &stopped}, nil
	}})
	b := open(t, hs.URL)
	b.check("1") // creates the sandbox
	deadline := time.Now().Add(30 * time.Second)
	for stopped.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("idle sandbox not reclaimed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.mu.Lock()
	n := len(srv.sessions)
	srv.mu.Unlock()
	if n != 0 {
		t.Errorf("%d sessions left after reclaim", n)
	}
	if code, _ := b.post("/check/1", b.csrf); code != http.StatusForbidden {
		t.Errorf("reclaimed session still accepted: %d", code)
	}
}

func TestSessionsBounded(t *testing.T) {
	hs, _ := startServer(t, Config{MaxSessions: 2})
	open(t, hs.URL)
	open(t, hs.URL)
	resp, err := http.Get(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("third session: %s, want 503", resp.Status)
	}
}

func TestMainErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0", "../../testdata/serve"}, "not loopback"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"a", "b"}, "usage: lab serve"},
		{[]string{"../../testdata/serve/nope.md"}, "nope.md"},
	} {
		var out, errb bytes.Buffer
		if code := (Config{}).Main(tt.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("Main(%q) = %d, stderr %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}
