package rpc_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// ourSupervisord builds the repository's supervisord once per test run.
func ourSupervisord(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "rpc-sd")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "supervisord")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/supervisorlab/supervisorlab/supervisor/cmd/supervisord").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// startOurs runs our supervisord with oracleConf in dir; it answers on
// dir/py.sock like the oracle.
func startOurs(t *testing.T, dir string) *oracle {
	t.Helper()
	bin := ourSupervisord(t)
	conf := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(oracleConf, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-c", conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	o := newOracleClient(filepath.Join(dir, "py.sock"))
	o.waitUp(t, func() string { return out.String() })
	return o
}

// TestDaemonMatchesPython replays testdata/rpc/requests and the scenario
// against our real supervisord (engine included) and Python's.
func TestDaemonMatchesPython(t *testing.T) {
	pyDir, ourDir := t.TempDir(), t.TempDir()
	py := startOracle(t, pyDir)
	us := startOurs(t, ourDir)

	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "rpc", "requests", "*.xml"))
	sort.Strings(files)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req, err := rpc.DecodeRequest(body)
		if err != nil {
			t.Fatal(err)
		}
		exchangeBoth(t, filepath.Base(f), req.Method, body, py, pyDir, us, ourDir)
	}
	for i, st := range scenario {
		if st.method == barrier {
			awaitState(t, py, st.params[0].(string), st.params[1].(string))
			awaitState(t, us, st.params[0].(string), st.params[1].(string))
			continue
		}
		body := []byte(rpcCall(st.method, st.params...))
		label := fmt.Sprintf("step %d %s%v", i+1, st.method, st.params)
		exchangeBoth(t, label, st.method, body, py, pyDir, us, ourDir)
	}
}

func exchangeBoth(t *testing.T, label, method string, body []byte, py *oracle, pyDir string, us *oracle, ourDir string) {
	t.Helper()
	pst, pbody, err := py.post(body)
	if err != nil {
		t.Fatalf("%s: python: %v", label, err)
	}
	ust, ubody, err := us.post(body)
	if err != nil {
		t.Fatalf("%s: ours: %v", label, err)
	}
	pe := decodeExchange(t, pst, pbody, pyDir, method)
	ue := decodeExchange(t, ust, ubody, ourDir, method)
	if method == "supervisor.sendProcessStdin" && pe.value == true && ue.value == true {
		// Let both cats echo into their logs before the log steps.
		waitFileSize(t, filepath.Join(pyDir, "cat.out"), 6)
		waitFileSize(t, filepath.Join(ourDir, "cat.out"), 6)
	}
	compare(t, label, method, pe, ue)
}
