package events

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Handler receives a published event with its global serial. It runs on
// the publisher's goroutine with the bus's publish lock held, so it must
// be quick and must not publish.
type Handler func(ev Event, serial int64)

// Bus delivers published events to the subscribers of their type. It is
// synchronous and goroutine-free: Publish returns after every matching
// handler ran. Publish is safe for concurrent use; deliveries are
// serialised so serials reach every subscriber in increasing order.
type Bus struct {
	mu     sync.Mutex
	serial int64 // last serial handed out; -1 before the first (EVT-05)
	subs   []*subscription
	next   int
	// wanted is the union of all subscriptions' masks, read without the
	// lock so that an unwanted event costs one atomic load.
	wanted atomic.Uint64
}

type subscription struct {
	id   int
	mask typeMask
	fn   Handler
}

// NewBus returns a bus whose first event gets serial 0, as 4.2.5's does.
func NewBus() *Bus { return &Bus{serial: -1} }

// Subscribe registers fn for events of the given types and their subtypes
// (EVT-01). The returned function removes the subscription; calling it
// more than once is harmless.
func (b *Bus) Subscribe(types []Type, fn Handler) (unsubscribe func()) {
	var m typeMask
	for _, t := range types {
		m |= maskFor(t)
	}
	b.mu.Lock()
	b.next++
	s := &subscription{id: b.next, mask: m, fn: fn}
	b.subs = append(b.subs, s)
	b.recomputeLocked()
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.subs = slices.DeleteFunc(b.subs, func(x *subscription) bool { return x.id == s.id })
		b.recomputeLocked()
	}
}

func (b *Bus) recomputeLocked() {
	var m typeMask
	for _, s := range b.subs {
		m |= s.mask
	}
	b.wanted.Store(uint64(m))
}

// Wants reports whether anyone subscribes to events of type t. Callers on
// hot paths use it to avoid building (and copying data into) an event
// nobody receives.
func (b *Bus) Wants(t Type) bool {
	if b == nil {
		return false
	}
	return typeMask(b.wanted.Load()).has(t)
}

// Publish hands ev to every subscriber of its type, in subscription order.
// Like 4.2.5, an event nobody subscribes to does not use up a serial. It
// returns the serial given to the event, or -1 when nobody received it.
func (b *Bus) Publish(ev Event) int64 {
	if b == nil || ev == nil {
		return -1
	}
	t := ev.Type()
	if !b.Wants(t) {
		return -1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	serial := int64(-1)
	for _, s := range b.subs {
		if !s.mask.has(t) {
			continue
		}
		if serial < 0 {
			b.serial++
			serial = b.serial
		}
		s.fn(ev, serial)
	}
	return serial
}

// Serial returns the last serial handed out (-1 before the first event).
func (b *Bus) Serial() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.serial
}
