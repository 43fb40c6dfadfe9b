package serve

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// missing skips, or fails under CI=true, when a tool of the browser test is absent.
func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("browser test: %s", what)
	}
	t.Skipf("browser test: %s", what)
}

// TestBrowser: a student in headless Chromium runs whoami in the terminal, sees step 1 red
// with the author's text, does the step, sees it green, and reloads without losing either.
// Screenshots go to testdata/serve/artefacts (and $LAB_SERVE_ARTEFACTS if set).
func TestBrowser(t *testing.T) {
	needRoot(t)
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node not found")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing(t, chromium+" not found (apt-get install -y chromium)")
	}
	if _, err := os.Stat("ui/node_modules/playwright-core"); err != nil {
		missing(t, "playwright-core not installed (cd checker/serve/ui && npm ci)")
	}
	hs, _ := startServer(t, Config{})
	out, _ := filepath.Abs("../../testdata/serve/artefacts")
	if d := os.Getenv("LAB_SERVE_ARTEFACTS"); d != "" {
		out = d
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "test/browser.mjs", hs.URL+"/", out)
	cmd.Dir = "ui"
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("%s", stdout.String())
	for _, f := range []string{"1-red.png", "2-green.png", "3-reloaded.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing", f)
		}
	}
}
