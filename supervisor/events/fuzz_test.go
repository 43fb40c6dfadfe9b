package events

import (
	"bytes"
	"testing"
)

// FuzzListenerOutput feeds arbitrary listener output, split at arbitrary
// points, to a BUSY listener. The parser must not panic, must end in the
// same state however the bytes are split, must keep the event (delivered
// or buffered) and must hold a bounded amount of output.
func FuzzListenerOutput(f *testing.F) {
	seeds := []string{"RESULT 2\nOK", "RESULT 4\nFAIL", "RESULT 2\nOKREADY\n", "READY\n", "RESULT x\n",
		"RESULT -5\n", "RESULT 0\n", "RESULT 1_0\n0123456789READY\n", "\xff\xfe\n", "RESULT 99999999999999999999\n"}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		whole := feedBusy(t, [][]byte{data})
		var chunks [][]byte
		n := int(step%16) + 1
		for i := 0; i < len(data); i += n {
			chunks = append(chunks, data[i:min(i+n, len(data))])
		}
		split := feedBusy(t, chunks)
		if whole != split {
			t.Fatalf("state depends on splitting: whole %v, split %v", whole, split)
		}
	})
}

type busyResult struct {
	state    ListenerState
	buffered int
}

func feedBusy(t *testing.T, chunks [][]byte) busyResult {
	t.Helper()
	bus := NewBus()
	p := NewPool(bus, PoolConfig{Name: "f", Events: []Type{TypeEvent}, BufferSize: 3})
	defer p.Close()
	l := p.AddListener("l")
	l.Spawned(1, WriteFunc(func([]byte) error { return nil }))
	l.SetRunning(true)
	l.Feed(1, []byte("READY\n"))
	bus.Publish(ProcessGroup{Group: "g"})
	deadline := 0
	for l.State() != Busy {
		deadline++
		if deadline > 1e7 {
			t.Fatal("event never dispatched")
		}
	}
	l.SetRunning(false) // no redelivery while we look
	for _, c := range chunks {
		l.Feed(1, c)
		p.mu.Lock()
		held := len(l.buf) + len(l.result)
		p.mu.Unlock()
		if held > maxResultLine+maxResultLen+len(c)+16 {
			t.Fatalf("listener holds %d bytes", held)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	inflight := 0
	if l.inflight != nil {
		inflight = 1
	}
	if l.state != Busy && inflight != 0 {
		t.Fatalf("state %v with an event in flight", l.state)
	}
	switch l.state {
	case Ready, Busy, Acknowledged, Unknown:
	default:
		t.Fatalf("state %v", l.state)
	}
	return busyResult{l.state, len(p.buf) + inflight}
}

// FuzzCapture checks that capture mode loses and adds nothing: the log
// bytes and the blocks (put back between their tokens) rebuild the input
// exactly, whatever the read sizes.
func FuzzCapture(f *testing.F) {
	for _, s := range []string{"plain", begin + "x" + end, "a<!--XSUPERVISOR:BEG", begin + begin + end + end,
		"<!--<!--XSUPERVISOR:BEGIN--><!--XSUPERVISOR:END-->", "tail" + begin} {
		f.Add([]byte(s), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		var out bytes.Buffer
		c := &Capture{Max: 1 << 20,
			Log:  func(b []byte) { out.Write(b) },
			Comm: func(b []byte) { out.WriteString(begin); out.Write(b); out.WriteString(end) }}
		n := int(step%32) + 1
		for i := 0; i < len(data); i += n {
			c.Write(data[i:min(i+n, len(data))])
		}
		c.Close()
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("rebuilt %q from %q", out.Bytes(), data)
		}
	})
}
