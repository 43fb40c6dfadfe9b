package rpc

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// stub is a side-effect-free Backend for fuzzing the method layer.
type stub struct{ mood SupervisorState }

func (s stub) Identification() string { return "supervisor" }
func (s stub) PID() int               { return 1 }
func (s stub) State() SupervisorState { return s.mood }
func (s stub) MainLogfile() string    { return "/nonexistent/main.log" }
func (s stub) ClearMainLog() error    { return Code(FaultNoFile) }
func (s stub) Shutdown() error        { return nil }
func (s stub) Restart() error         { return nil }
func (s stub) AllConfigInfo() []ConfigInfo {
	return []ConfigInfo{{Name: "a", Group: "g", Exitcodes: []int{0}}}
}
func (s stub) Groups() []GroupInfo {
	return []GroupInfo{{Name: "g", Processes: []string{"a", "b"}}, {Name: "c", Processes: []string{"c"}}}
}
func (s stub) ProcessInfo(g, n string) (ProcessInfo, error) {
	st := StateRunning
	if n == "b" {
		st = StateStopped
	}
	return ProcessInfo{Name: n, Group: g, State: st, PID: 7, Start: time.Unix(1, 0),
		StdoutLogfile: "/nonexistent/" + n + ".log"}, nil
}
func (s stub) StartProcess(ctx context.Context, g, n string) error {
	if n == "a" {
		return Code(FaultAlreadyStarted)
	}
	return nil
}
func (s stub) WaitStarted(ctx context.Context, g, n string) error  { return nil }
func (s stub) StopProcess(ctx context.Context, g, n string) error  { return nil }
func (s stub) WaitStopped(ctx context.Context, g, n string) error  { return nil }
func (s stub) SignalProcess(g, n string, sig syscall.Signal) error { return nil }
func (s stub) SendProcessStdin(g, n string, data []byte) error     { return Code(FaultNotRunning) }
func (s stub) ClearProcessLogs(g, n string) error                  { return nil }
func (s stub) ReloadConfig() ([]string, []string, []string, error) {
	return []string{"x"}, nil, nil, nil
}
func (s stub) AddProcessGroup(name string) error          { return Code(FaultAlreadyAdded) }
func (s stub) RemoveProcessGroup(name string) error       { return Code(FaultStillRunning) }
func (s stub) SendRemoteCommEvent(typ, data string) error { return nil }

// FuzzCall feeds decoded requests of any shape to every method: no
// method may panic (a panic would be a 500 in production), and every
// answer must encode to a response our decoder reads back.
func FuzzCall(f *testing.F) {
	for _, m := range methodNames {
		f.Add([]byte(EncodeRequest(m)))
		f.Add([]byte(EncodeRequest(m, "g:a", int64(-5), int64(3))))
		f.Add([]byte(EncodeRequest(m, "g:*", "HUP")))
		f.Add([]byte(EncodeRequest(m, []any{map[string]any{"methodName": "supervisor.getState"}}, true)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRequest(body)
		if err != nil {
			return
		}
		for _, mood := range []SupervisorState{SupervisorRunning, SupervisorShutdown} {
			srv := NewServer(stub{mood}, nil)
			v, err := srv.Call(context.Background(), req.Method, req.Params)
			var pe *panicError
			if errors.As(err, &pe) {
				t.Fatalf("%s%v panicked: %v", req.Method, req.Params, pe.value)
			}
			var out []byte
			if err != nil {
				out = EncodeFault(AsFault(err))
			} else {
				out = EncodeResponse(v)
			}
			if _, _, err := DecodeResponse(out); err != nil {
				t.Fatalf("%s: answer does not decode: %v\n%s", req.Method, err, out)
			}
		}
	})
}
