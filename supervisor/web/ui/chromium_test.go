package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/web/internal/browsertest"
)

// TestChromiumClickStop loads the status page in headless Chromium,
// clicks Stop on a running process and sees it STOPPED.
// UPDATE_SCREENSHOT=1 refreshes testdata/screenshot.png for the README.
func TestChromiumClickStop(t *testing.T) {
	f := serve(t)
	shot := filepath.Join(t.TempDir(), "status.png")
	if os.Getenv("UPDATE_SCREENSHOT") == "1" {
		shot, _ = filepath.Abs("../testdata/screenshot.png")
	}
	out := browsertest.ClickStop(t, f.base+"/", "sleeper", shot)
	for _, want := range []string{"MESSAGE Process sleeper stopped", "STATE stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("browser saw no %q:\n%s", want, out)
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
