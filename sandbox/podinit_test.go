package sandbox

import (
	"context"
	"os"
	"testing"
)

// TestPodInit runs the agent in pod mode as PID 1 of a nested user and PID
// namespace inside a sandbox (standing in for a pod): it provisions the
// student and listens on PodSocket. (Reaping is the same code as the
// local agent's, tested there.)
func TestPodInit(t *testing.T) {
	s := newSandbox(t, Options{})
	bin, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	ctx := context.Background()
	st, err := s.Exec(ctx, ExecRequest{Argv: []string{"sh", "-c", "cat > /usr/local/bin/lab && chmod 755 /usr/local/bin/lab"}, Stdin: bin})
	if err != nil || st.Code != 0 {
		t.Fatalf("copy agent: %+v %v", st, err)
	}
	script := `
rm -rf /etc/sudoers.d/shiyanlou /home/shiyanlou; sed -i '/^shiyanlou:/d' /etc/passwd /etc/group
SUPERVISORLAB_SANDBOX_POD=1 unshare --user --map-root-user --pid --fork --mount --mount-proc /usr/local/bin/lab >/tmp/pod.log 2>&1 &
for i in $(seq 200); do grep -q ready /tmp/pod.log && break; sleep 0.05; done
cat /tmp/pod.log
test -S /run/supervisorlab/agent.sock && echo socket
grep -c '^shiyanlou:' /etc/passwd
grep -c "^alias ll=" /home/shiyanlou/.bashrc
`
	out, code := run(t, s, Root, script)
	want := "sandbox pod agent: ready\nsocket\n1\n1\n"
	if out != want {
		t.Errorf("got %q (exit %d), want %q", out, code, want)
	}
}
