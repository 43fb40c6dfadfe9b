package events

import (
	"sync"
	"time"
)

// tickPeriods are the TICK_* periods in seconds, in 4.2.5's order.
var tickPeriods = [...]int{5, 60, 3600}

// Ticker publishes TICK_5, TICK_60 and TICK_3600 when the wall clock
// enters a new period (EVT-03). The first call only notes the current
// periods: 4.2.5 sends no tick at startup.
type Ticker struct {
	bus  *Bus
	mu   sync.Mutex
	last map[int]int64
}

// NewTicker returns a ticker publishing to bus.
func NewTicker(bus *Bus) *Ticker { return &Ticker{bus: bus, last: map[int]int64{}} }

// Tick publishes a tick for each period that rolled over since the last
// call, with `when` the start of the new period.
func (t *Ticker) Tick(now time.Time) {
	sec := now.Unix()
	var due []Tick
	t.mu.Lock()
	for _, p := range tickPeriods {
		this := sec - mod(sec, int64(p))
		last, seen := t.last[p]
		if !seen {
			t.last[p] = this
			continue
		}
		if this != last {
			t.last[p] = this
			due = append(due, Tick{Period: p, When: this})
		}
	}
	t.mu.Unlock()
	for _, e := range due {
		t.bus.Publish(e)
	}
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// Clock is what Run needs from time; tests inject a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the wall clock.
var RealClock Clock = realClock{}

// Run calls Tick at every 5-second boundary of clock until stop is closed.
func (t *Ticker) Run(clock Clock, stop <-chan struct{}) {
	t.Tick(clock.Now())
	for {
		now := clock.Now()
		next := now.Truncate(5 * time.Second).Add(5 * time.Second)
		select {
		case <-stop:
			return
		case <-clock.After(next.Sub(now)):
			t.Tick(clock.Now())
		}
	}
}
