package events

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// EVT-03: ticks on period rollover only, `when` the period's start.
func TestTickerEVT03(t *testing.T) {
	bus := NewBus()
	var got []string
	bus.Subscribe([]Type{TypeTick}, func(ev Event, _ int64) { got = append(got, ev.Type().String()+" "+ev.Payload()) })
	tk := NewTicker(bus)
	at := func(sec int64) { tk.Tick(time.Unix(sec, 500e6)) }
	at(3599)          // startup: nothing
	at(3599)          // same periods: nothing
	at(3600)          // all three roll over
	at(3604)          // nothing
	at(3605)          // TICK_5
	at(3600 + 3*3600) // jumps: one tick per period, not one per missed period
	want := []string{"TICK_5 when:3600", "TICK_60 when:3600", "TICK_3600 when:3600", "TICK_5 when:3605",
		"TICK_5 when:14400", "TICK_60 when:14400", "TICK_3600 when:14400"}
	if !slices.Equal(got, want) {
		t.Errorf("ticks\n got %q\nwant %q", got, want)
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
	ch  chan time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d) // the wait is over as soon as the test reads the channel
	return c.ch
}

func TestTickerRunWithFakeClock(t *testing.T) {
	bus := NewBus()
	ticks := make(chan string, 10)
	bus.Subscribe([]Type{TypeTick5}, func(ev Event, _ int64) { ticks <- ev.Payload() })
	clk := &fakeClock{now: time.Unix(1001, 0), ch: make(chan time.Time)}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { NewTicker(bus).Run(clk, stop); close(done) }()
	for _, want := range []string{"when:1005", "when:1010"} {
		clk.ch <- time.Time{}
		if got := <-ticks; got != want {
			t.Errorf("tick %q, want %q", got, want)
		}
	}
	close(stop)
	<-done
}
