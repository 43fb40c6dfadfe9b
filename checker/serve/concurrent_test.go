package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestConcurrentSessions: 20 students at once, each with its own sandbox, shell and checks,
// without an error and without seeing each other's files.
func TestConcurrentSessions(t *testing.T) {
	needRoot(t)
	if testing.Short() {
		t.Skip("20 sandboxes: not in -short")
	}
	hs, _ := startServer(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const students = 20
	var wg sync.WaitGroup
	for i := range students {
		b := open(t, hs.URL)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := b.dial(ctx, "")
			if err != nil {
				t.Errorf("student %d: %v", i, err)
				return
			}
			defer c.CloseNow()
			// Only even students do step 1; odd ones must stay red in their own sandbox.
			cmd := fmt.Sprintf("echo student-%d-$(whoami)\r", i)
			if i%2 == 0 {
				cmd = "touch ~/hello; " + cmd
			}
			c.Write(ctx, websocket.MessageBinary, []byte(cmd))
			readUntil(t, ctx, c, fmt.Sprintf("student-%d-shiyanlou", i))
			code, body := b.post("/check/1", b.csrf)
			if code != 200 {
				t.Errorf("student %d check: %d %s", i, code, body)
				return
			}
			var res struct{ Passed bool }
			if err := json.Unmarshal([]byte(body), &res); err != nil || res.Passed != (i%2 == 0) {
				t.Errorf("student %d: step 1 passed=%v, want %v (%v)", i, res.Passed, i%2 == 0, err)
			}
		}()
	}
	wg.Wait()
}
