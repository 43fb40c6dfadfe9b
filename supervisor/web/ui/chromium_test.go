package ui

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// needTool skips, or fails under CI=true, when a browser-test tool is
// missing.
func needTool(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// playwrightDir returns a directory whose node_modules holds
// playwright-core, installing it with npm into the user cache if needed
// (testdata/web/node is used when someone installed it there).
func playwrightDir(t *testing.T) string {
	t.Helper()
	local, _ := filepath.Abs("../../../testdata/web/node")
	if _, err := os.Stat(filepath.Join(local, "node_modules", "playwright-core")); err == nil {
		return local
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "supervisorlab", "playwright")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err == nil {
		return dir
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		needTool(t, "npm not found (needed to install playwright-core)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "playwright-core").CombinedOutput()
	if err != nil {
		needTool(t, "npm install playwright-core: "+err.Error()+"\n"+string(out))
	}
	return dir
}

// TestChromiumClickStop loads the status page in headless Chromium,
// clicks Stop on a running process and sees it STOPPED.
// UPDATE_SCREENSHOT=1 refreshes testdata/screenshot.png for the README.
func TestChromiumClickStop(t *testing.T) {
	chromium := "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		needTool(t, "chromium not installed (apt-get install -y chromium)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		needTool(t, "node not found")
	}
	modules := playwrightDir(t)
	script, _ := filepath.Abs("../../../testdata/web/click_stop.js")

	f := serve(t)
	shot := filepath.Join(t.TempDir(), "status.png")
	if os.Getenv("UPDATE_SCREENSHOT") == "1" {
		shot, _ = filepath.Abs("../testdata/screenshot.png")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, f.base+"/", "sleeper", shot, t.TempDir())
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(modules, "node_modules"), "CHROMIUM="+chromium)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser script: %v\n%s", err, out.String())
	}
	for _, want := range []string{"MESSAGE Process sleeper stopped", "STATE stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("browser saw no %q:\n%s", want, out.String())
		}
	}
	if got := f.state(t, "sleeper", "sleeper"); got != rpc.StateStopped {
		t.Errorf("sleeper is %v after the click", got)
	}
	for _, p := range []string{shot, strings.TrimSuffix(shot, ".png") + "-phone.png"} {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("screenshot %s: not a PNG (%v)", p, err)
		}
	}
}
