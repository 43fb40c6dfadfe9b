package rpc_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

var update = flag.Bool("update", false, "rewrite testdata/rpc/golden from the current output")

// fixedPID pins getPID so golden files are stable.
type fixedPID struct{ *rpctest.Backend }

func (fixedPID) PID() int { return 4242 }

// TestGoldenResponses replays testdata/rpc/requests against a fixed
// backend and compares the exact response bytes (layout, escaping, key
// order) with testdata/rpc/golden. The oracle tests prove the goldens'
// content against Python; this test keeps it without the oracle.
func TestGoldenResponses(t *testing.T) {
	fake := fakeFor("/nonexistent/golden")
	fake.MainLog = ""
	defer fake.Close()
	srv := rpc.NewServer(fixedPID{fake}, nil)
	srv.Now = func() time.Time { return time.Unix(1700000000, 0) }
	srv.Location = time.UTC

	root := filepath.Join("..", "..", "testdata", "rpc")
	files, _ := filepath.Glob(filepath.Join(root, "requests", "*.xml"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no requests")
	}
	for _, f := range files {
		name := filepath.Base(f)
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		status, got := ours(srv, body)
		if status != 200 {
			t.Errorf("%s: status %d", name, status)
			continue
		}
		goldenPath := filepath.Join(root, "golden", name)
		if *update {
			if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(goldenPath)
		if err != nil {
			t.Fatalf("%s: %v (run go test -run Golden -update)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: response differs from golden\n got: %s\nwant: %s", name, got, want)
		}
	}
}

// TestGoldenListMethods pins RPC-SYS-01's 41 names.
func TestGoldenListMethods(t *testing.T) {
	srv := rpc.NewServer(rpctest.New(), nil)
	_, body := ours(srv, []byte(rpcCall("system.listMethods")))
	v, _, err := rpc.DecodeResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range v.([]any) {
		names = append(names, n.(string))
	}
	want := "supervisor.addProcessGroup supervisor.clearAllProcessLogs supervisor.clearLog supervisor.clearProcessLog supervisor.clearProcessLogs supervisor.getAPIVersion supervisor.getAllConfigInfo supervisor.getAllProcessInfo supervisor.getIdentification supervisor.getPID supervisor.getProcessInfo supervisor.getState supervisor.getSupervisorVersion supervisor.getVersion supervisor.readLog supervisor.readMainLog supervisor.readProcessLog supervisor.readProcessStderrLog supervisor.readProcessStdoutLog supervisor.reloadConfig supervisor.removeProcessGroup supervisor.restart supervisor.sendProcessStdin supervisor.sendRemoteCommEvent supervisor.shutdown supervisor.signalAllProcesses supervisor.signalProcess supervisor.signalProcessGroup supervisor.startAllProcesses supervisor.startProcess supervisor.startProcessGroup supervisor.stopAllProcesses supervisor.stopProcess supervisor.stopProcessGroup supervisor.tailProcessLog supervisor.tailProcessStderrLog supervisor.tailProcessStdoutLog system.listMethods system.methodHelp system.methodSignature system.multicall"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("listMethods:\n got %s\nwant %s", got, want)
	}
}
