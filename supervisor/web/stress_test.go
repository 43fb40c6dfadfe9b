package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestConcurrentClients: many clients starting, stopping and querying at
// once over the unix socket get only the faults the states explain, and
// once everything is closed no goroutine or file descriptor is left over.
func TestConcurrentClients(t *testing.T) {
	const clients, progs = 20, 5
	baseG, baseFD := runtime.NumGoroutine(), openFDs(t)

	dir := sockDir(t)
	var ps []rpctest.Program
	for i := 0; i < progs; i++ {
		ps = append(ps, rpctest.Program{Group: "g", Name: fmt.Sprintf("p%d", i), Argv: []string{"sleep", "1000"},
			StdoutLog: filepath.Join(dir, fmt.Sprintf("p%d.out", i))})
	}
	fake := rpctest.New(ps...)
	sock := filepath.Join(dir, "s.sock")
	s := New(&config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o700}}, fake, nil)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()

	deadline := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := rpc.NewClient("unix://"+sock, "", "")
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			ctx := context.Background()
			for i := 0; time.Now().Before(deadline); i++ {
				name := fmt.Sprintf("g:p%d", (c+i)%progs)
				var err error
				switch i % 4 {
				case 0:
					err = cl.StartProcess(ctx, name, true)
				case 1:
					err = cl.StopProcess(ctx, name, true)
				case 2:
					_, err = cl.GetAllProcessInfo(ctx)
				case 3:
					_, err = cl.StopProcessGroup(ctx, "g", false)
				}
				var f *rpc.Fault
				if errors.As(err, &f) {
					switch f.Code {
					case rpc.FaultAlreadyStarted, rpc.FaultNotRunning, rpc.FaultAbnormalTermination, rpc.FaultSpawnError:
						continue // another client got there first
					}
				}
				if err != nil {
					errs <- fmt.Errorf("client %d call %d on %s: %w", c, i, name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s.Close()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	fake.Close()

	// Goroutines and fds wind down asynchronously; poll with a deadline.
	end := time.Now().Add(10 * time.Second)
	for (runtime.NumGoroutine() > baseG || openFDs(t) > baseFD) && time.Now().Before(end) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > baseG {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after\n%s", baseG, g, buf[:runtime.Stack(buf, true)])
	}
	if fd := openFDs(t); fd > baseFD {
		t.Errorf("fds: %d before, %d after", baseFD, fd)
	}
}
