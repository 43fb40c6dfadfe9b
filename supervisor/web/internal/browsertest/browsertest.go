// Package browsertest drives supervisord's web UI in headless Chromium
// (Debian's /usr/bin/chromium through npm's playwright-core) for tests.
// Missing tools skip the test, or fail it when CI=true.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Chromium is the browser binary used.
const Chromium = "/usr/bin/chromium"

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

// needTool skips, or fails under CI=true, when a tool is missing.
func needTool(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// playwrightDir returns a directory whose node_modules holds
// playwright-core: testdata/web/node if someone installed it there, else
// the user cache, installing it there with npm on first use.
func playwrightDir(t *testing.T) string {
	t.Helper()
	local := filepath.Join(repoRoot(), "testdata", "web", "node")
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

// ClickStop loads the status page at pageURL, clicks Stop on namespec,
// waits until the row says stopped and writes shot (a laptop-sized PNG)
// and shot's "-phone.png" sibling. It returns the script's output
// ("MESSAGE ..." and "STATE ..." lines).
func ClickStop(t *testing.T, pageURL, namespec, shot string) string {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		needTool(t, "chromium not installed (apt-get install -y chromium)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		needTool(t, "node not found")
	}
	modules := playwrightDir(t)
	script := filepath.Join(repoRoot(), "testdata", "web", "click_stop.js")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, pageURL, namespec, shot, t.TempDir())
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(modules, "node_modules"), "CHROMIUM="+Chromium)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser script: %v\n%s", err, out.String())
	}
	return out.String()
}
