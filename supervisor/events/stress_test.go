package events

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeListener is an in-process listener process that answers at random:
// OK, FAIL, or dying while BUSY (and being spawned again with a new pid).
type fakeListener struct {
	l     *Listener
	mu    sync.Mutex
	pid   int
	calm  *atomic.Bool // when set, always OK
	rng   *rand.Rand
	inbox chan [2]int64 // pid, serial
	oks   map[int64]int
	stop  chan struct{}
	done  chan struct{}
}

func newFakeListener(l *Listener, seed uint64, firstPID int, calm *atomic.Bool) *fakeListener {
	f := &fakeListener{l: l, calm: calm, rng: rand.New(rand.NewPCG(seed, 1)), inbox: make(chan [2]int64, 4096),
		oks: map[int64]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	f.spawn(firstPID)
	go f.respond()
	return f
}

func (f *fakeListener) spawn(pid int) {
	f.mu.Lock()
	f.pid = pid
	f.mu.Unlock()
	f.l.Spawned(pid, WriteFunc(func(b []byte) error {
		s := string(b)
		i := strings.Index(s, "serial:") + len("serial:")
		serial, _ := strconv.ParseInt(s[i:i+strings.IndexByte(s[i:], ' ')], 10, 64)
		f.inbox <- [2]int64{int64(pid), serial}
		return nil
	}))
	f.l.SetRunning(true)
	f.l.Feed(pid, []byte("READY\n"))
}

func (f *fakeListener) respond() {
	defer close(f.done)
	for {
		var m [2]int64
		select {
		case <-f.stop:
			return
		case m = <-f.inbox:
		}
		f.mu.Lock()
		pid := f.pid
		f.mu.Unlock()
		if int(m[0]) != pid {
			continue // written to a run that is gone
		}
		r := f.rng.IntN(10)
		if f.calm.Load() {
			r = 9
		}
		switch {
		case r == 0: // die while BUSY
			f.l.Exited(pid)
			f.spawn(pid + 1)
		case r <= 2:
			f.l.Feed(pid, []byte("RESULT 4\nFAILREADY\n"))
		default:
			f.mu.Lock()
			f.oks[m[1]]++
			f.mu.Unlock()
			f.l.Feed(pid, []byte("RESULT 2\nOKREADY\n"))
		}
	}
}

// Concurrent publishers, listeners failing and dying at random: in every
// pool each event is either acknowledged or discarded with an ERRO line,
// never both, never neither; nothing is acknowledged twice.
func TestStressNothingLostSilently(t *testing.T) {
	bus := NewBus()
	log := &recLog{}
	calm := &atomic.Bool{}
	var pools []*Pool
	var fakes [][]*fakeListener
	for pi := range 2 {
		p := NewPool(bus, PoolConfig{Name: fmt.Sprintf("p%d", pi), Events: []Type{TypeEvent}, BufferSize: 8, Logger: log})
		pools = append(pools, p)
		var fs []*fakeListener
		for li := range 3 {
			fs = append(fs, newFakeListener(p.AddListener(fmt.Sprintf("p%d_%d", pi, li)), uint64(pi*10+li), 1000*(pi*10+li+1), calm))
		}
		fakes = append(fakes, fs)
	}
	const publishers, each = 4, 300
	var wg sync.WaitGroup
	for g := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				bus.Publish(RemoteCommunication{Kind: "t", Data: fmt.Sprint(g, i)})
			}
		}()
	}
	wg.Wait()
	calm.Store(true)
	for _, p := range pools {
		waitFor(t, "pool "+p.Name()+" to drain", func() bool {
			if p.Buffered() != 0 {
				return false
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, l := range p.listeners {
				if l.inflight != nil {
					return false
				}
			}
			return true
		})
	}
	for _, fs := range fakes {
		for _, f := range fs {
			close(f.stop)
			<-f.done
		}
	}
	for _, p := range pools {
		p.Close()
	}
	total := int64(publishers * each)
	for pi, p := range pools {
		discarded := map[int64]bool{}
		prefix := "ERRO pool " + p.Name() + " event buffer overflowed, discarding event "
		for _, line := range log.all() {
			if s, ok := strings.CutPrefix(line, prefix); ok {
				n, _ := strconv.ParseInt(s, 10, 64)
				discarded[n] = true
			}
		}
		acked := map[int64]int{}
		for _, f := range fakes[pi] {
			for s, n := range f.oks {
				acked[s] += n
			}
		}
		for s := range total {
			switch {
			case acked[s] > 1:
				t.Errorf("pool %s: event %d acknowledged %d times", p.Name(), s, acked[s])
			case acked[s] == 1 && discarded[s]:
				t.Errorf("pool %s: event %d acknowledged and discarded", p.Name(), s)
			case acked[s] == 0 && !discarded[s]:
				t.Errorf("pool %s: event %d lost without a log line", p.Name(), s)
			}
		}
		t.Logf("pool %s: %d acknowledged, %d discarded", p.Name(), len(acked), len(discarded))
	}
}
