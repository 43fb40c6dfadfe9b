package events

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// Logger is the part of the main log a pool writes to; *logfile.Logger
// satisfies it.
type Logger interface {
	Logf(level config.LogLevel, format string, args ...any)
}

// ListenerState is an event listener's protocol state, with 4.2.5's codes
// (states.py EventListenerStates).
type ListenerState int

// Listener states.
const (
	Ready        ListenerState = 10
	Busy         ListenerState = 20
	Acknowledged ListenerState = 30
	Unknown      ListenerState = 40
)

// String returns the state's name as the main log prints it.
func (s ListenerState) String() string {
	switch s {
	case Ready:
		return "READY"
	case Busy:
		return "BUSY"
	case Acknowledged:
		return "ACKNOWLEDGED"
	case Unknown:
		return "UNKNOWN"
	}
	return fmt.Sprintf("ListenerState(%d)", int(s))
}

// ResultHandler judges a listener's result for an event: nil means
// processed; ErrRejected (or an error wrapping it) means rejected, so the
// event is buffered again; any other error puts the listener in UNKNOWN
// and buffers the event again (4.2.5's "event caused an error").
type ResultHandler func(ev Event, result []byte) error

// ErrRejected is what a ResultHandler returns to reject an event.
var ErrRejected = errors.New("event rejected")

// DefaultHandlerName is 4.2.5's default result_handler entry point.
const DefaultHandlerName = "supervisor.dispatchers:default_handler"

// DefaultResultHandler accepts exactly "OK" and rejects anything else
// (4.2.5's default_handler).
func DefaultResultHandler(_ Event, result []byte) error {
	if string(result) != "OK" {
		return ErrRejected
	}
	return nil
}

// ResultHandlerByName resolves a result_handler entry point. Only the
// default exists: Python callables cannot be imported into Go.
func ResultHandlerByName(name string) (ResultHandler, error) {
	switch strings.TrimSpace(name) {
	case "", DefaultHandlerName:
		return DefaultResultHandler, nil
	}
	return nil, fmt.Errorf("result_handler %s cannot be resolved", name)
}

// Limits for listener output that 4.2.5 would buffer without bound.
const (
	maxResultLine = 4096    // bytes of a RESULT line without its newline
	maxResultLen  = 1 << 20 // bytes of a result body
	maxEarly      = 64 << 10
)

// PoolConfig describes one [eventlistener:x] pool.
type PoolConfig struct {
	Name          string
	Events        []Type
	BufferSize    int           // <= 0 means 4.2.5's default, 10
	ResultHandler ResultHandler // nil means DefaultResultHandler
	Server        string        // [supervisord] identifier, the header's server:
	Logger        Logger        // nil discards
}

// PoolConfigFor builds a PoolConfig from a parsed [eventlistener:x] group.
func PoolConfigFor(g *config.Group, identifier string, log Logger) (PoolConfig, error) {
	if g.Kind != config.KindEventListener {
		return PoolConfig{}, fmt.Errorf("events: group %s is not an event listener pool", g.Name)
	}
	types, err := ParseTypes(g.Events)
	if err != nil {
		return PoolConfig{}, fmt.Errorf("%w in [eventlistener:%s] events", err, g.Name)
	}
	h, err := ResultHandlerByName(g.ResultHandler)
	if err != nil {
		return PoolConfig{}, fmt.Errorf("%w within [eventlistener:%s]", err, g.Name)
	}
	return PoolConfig{Name: g.Name, Events: types, BufferSize: g.BufferSize, ResultHandler: h,
		Server: identifier, Logger: log}, nil
}

// queued is an event waiting in (or taken from) a pool's buffer.
type queued struct {
	ev         Event
	serial     int64
	poolSerial int64
	payload    string // rendered on first dispatch
	rendered   bool
}

type logLine struct {
	level config.LogLevel
	msg   string
}

// Pool is an event listener pool: it buffers the events it subscribes to
// and hands each to one READY listener of a RUNNING process. Its own
// goroutine writes to listeners, so a slow or hung listener never blocks
// the publisher; Close stops it.
type Pool struct {
	cfg   PoolConfig
	unsub func()

	mu        sync.Mutex
	buf       []*queued
	serial    int64 // last poolserial; -1 before the first
	listeners []*Listener
	closed    bool
	writing   bool
	logs      []logLine // written after mu is released
	stats     PoolStats

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// NewPool creates a pool, subscribes it to bus and starts its dispatcher.
func NewPool(bus *Bus, cfg PoolConfig) *Pool {
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = 10
	}
	if cfg.ResultHandler == nil {
		cfg.ResultHandler = DefaultResultHandler
	}
	p := &Pool{cfg: cfg, serial: -1, kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	if bus != nil && len(cfg.Events) > 0 {
		p.unsub = bus.Subscribe(cfg.Events, p.accept)
	}
	go p.run()
	return p
}

// Name returns the pool's name.
func (p *Pool) Name() string { return p.cfg.Name }

// Close unsubscribes the pool and stops its dispatcher; buffered events
// are dropped, as when 4.2.5 removes a group. If a write to a listener is
// in progress, Close does not wait for it: the dispatcher ends when the
// write returns (the engine closing the listener's stdin ends it).
func (p *Pool) Close() {
	if p.unsub != nil {
		p.unsub()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	writing := p.writing
	p.buf = nil
	p.mu.Unlock()
	close(p.stop)
	if !writing {
		<-p.done
	}
}

// PoolStats counts what a pool did with its events, for metrics.
type PoolStats struct {
	Accepted  uint64 // events received from the bus
	Sent      uint64 // events handed to a listener (write attempts), redeliveries included
	Processed uint64 // results the handler accepted
	Rejected  uint64 // events buffered again: rejected, bad result, listener died or stdin broken
	Discarded uint64 // events dropped because the buffer was full
	Buffered  int    // events waiting now
}

// Stats returns the pool's counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Buffered = len(p.buf)
	return s
}

// Buffered returns the number of events waiting in the buffer.
func (p *Pool) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf)
}

// AddListener registers the listener process called name. Dispatch tries
// listeners in the order they were added (4.2.5: config order).
func (p *Pool) AddListener(name string) *Listener {
	l := &Listener{pool: p, name: name, state: Acknowledged, resultLen: -1}
	p.mu.Lock()
	p.listeners = append(p.listeners, l)
	p.mu.Unlock()
	return l
}

// Listener returns the listener called name, or nil.
func (p *Pool) Listener(name string) *Listener {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.listeners {
		if l.name == name {
			return l
		}
	}
	return nil
}

func (p *Pool) logf(level config.LogLevel, format string, args ...any) {
	if p.cfg.Logger != nil {
		p.logs = append(p.logs, logLine{level, fmt.Sprintf(format, args...)})
	}
}

// unlock releases mu and then writes the log lines gathered under it.
func (p *Pool) unlock() {
	logs := p.logs
	p.logs = nil
	p.mu.Unlock()
	for _, l := range logs {
		p.cfg.Logger.Logf(l.level, "%s", l.msg)
	}
}

func (p *Pool) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// accept is the bus handler (4.2.5's _acceptEvent for a new event).
func (p *Pool) accept(ev Event, serial int64) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.serial++
	p.stats.Accepted++
	p.bufferLocked(&queued{ev: ev, serial: serial, poolSerial: p.serial}, false)
	p.unlock()
	p.wake()
}

// bufferLocked adds q at the tail (or the head, when redelivering),
// discarding the oldest event when the buffer is full (EVL-05).
func (p *Pool) bufferLocked(q *queued, head bool) {
	if p.closed {
		return
	}
	if head {
		p.stats.Rejected++
		p.logf(config.LevelDebug, "rebuffering event %d for pool %s (buf size=%d, max=%d)",
			q.serial, p.cfg.Name, len(p.buf), p.cfg.BufferSize)
	}
	if len(p.buf) >= p.cfg.BufferSize && len(p.buf) > 0 {
		old := p.buf[0]
		p.buf[0] = nil
		p.buf = p.buf[1:]
		p.stats.Discarded++
		p.logf(config.LevelError, "pool %s event buffer overflowed, discarding event %d", p.cfg.Name, old.serial)
	}
	if head {
		p.buf = append(p.buf, nil)
		copy(p.buf[1:], p.buf)
		p.buf[0] = q
	} else {
		p.buf = append(p.buf, q)
	}
}

// run is the dispatcher: whenever woken it sends buffered events, oldest
// first, while some listener can take one (EVL-03).
func (p *Pool) run() {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
		}
		for p.dispatchOne() {
		}
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return
		}
	}
}

// dispatchOne sends the head of the buffer to the first READY listener of
// a RUNNING process; it reports whether it should be called again.
func (p *Pool) dispatchOne() bool {
	p.mu.Lock()
	if p.closed || len(p.buf) == 0 {
		p.mu.Unlock()
		return false
	}
	var l *Listener
	for _, c := range p.listeners {
		if c.running && c.state == Ready && c.stdin != nil && !c.broken {
			l = c
			break
		}
	}
	if l == nil {
		p.mu.Unlock()
		return false
	}
	q := p.buf[0]
	p.buf[0] = nil
	p.buf = p.buf[1:]
	if !q.rendered {
		q.payload, q.rendered = q.ev.Payload(), true
	}
	l.state = Busy
	l.inflight = q
	p.stats.Sent++
	w := l.stdin
	p.writing = true
	p.mu.Unlock()

	envelope := Header(p.cfg.Server, q.serial, p.cfg.Name, q.poolSerial, q.ev.Type(), q.payload) + q.payload
	_, err := io.WriteString(w, envelope)

	p.mu.Lock()
	p.writing = false
	if err != nil {
		// 4.2.5 (EVL-07): on EPIPE the listener keeps its state and the
		// next one is tried. We also stop writing to this stdin until the
		// process is spawned again, instead of failing on it every loop.
		p.logf(config.LevelDebug, "epipe occurred while sending event %d to listener %s, listener state unchanged",
			q.serial, l.name)
		if l.inflight == q { // else Exited or Spawned already took it back
			l.inflight = nil
			l.state = Ready
			l.broken = true
			p.bufferLocked(q, true)
		}
	} else {
		p.logf(config.LevelDebug, "event %d sent to listener %s", q.serial, l.name)
	}
	closed := p.closed
	p.unlock()
	return !closed
}

// Listener is one process of a pool, as the protocol sees it. The engine
// tells it about the process (Spawned, SetRunning, Exited) and feeds it
// what the process writes to stdout (Feed). All methods are safe for
// concurrent use.
type Listener struct {
	pool *Pool
	name string

	// Guarded by pool.mu.
	pid       int
	spawned   bool // between Spawned and Exited
	stdin     io.Writer
	running   bool
	broken    bool
	state     ListenerState
	buf       []byte // 4.2.5's state_buffer
	resultLen int    // -1 until the RESULT line is read
	result    []byte
	inflight  *queued
	earlyPID  int
	early     []byte // output of a pid not announced by Spawned yet
}

// Name returns the listener's process name.
func (l *Listener) Name() string { return l.name }

// State returns the protocol state.
func (l *Listener) State() ListenerState {
	l.pool.mu.Lock()
	defer l.pool.mu.Unlock()
	return l.state
}

// Spawned tells the listener its process was started with pid, writing
// events to stdin. The protocol starts over in ACKNOWLEDGED (EVL-02).
// Output fed for pid before this call is replayed now.
func (l *Listener) Spawned(pid int, stdin io.Writer) {
	p := l.pool
	p.mu.Lock()
	if l.inflight != nil {
		p.bufferLocked(l.inflight, true)
		l.inflight = nil
	}
	l.pid, l.stdin, l.spawned = pid, stdin, true
	l.running, l.broken = false, false
	l.state = Acknowledged
	l.buf, l.result, l.resultLen = nil, nil, -1
	early := l.early
	if l.earlyPID != pid && l.earlyPID != 0 {
		early = nil // another run's output
	}
	l.early, l.earlyPID = nil, 0
	if len(early) > 0 {
		l.feedLocked(early)
	}
	p.unlock()
	p.wake()
}

// SetRunning tells whether the process is in the RUNNING state; only
// RUNNING processes get events.
func (l *Listener) SetRunning(running bool) {
	p := l.pool
	p.mu.Lock()
	l.running = running
	p.unlock()
	if running {
		p.wake()
	}
}

// Exited tells the listener its process pid (0: the current run) is gone.
// An event it was processing is buffered again, at the head (EVL-04).
// Call it after the process's stdout reached EOF and was fed, so that an
// answer written just before exiting still counts.
func (l *Listener) Exited(pid int) {
	p := l.pool
	p.mu.Lock()
	if pid != 0 && l.pid != 0 && pid != l.pid {
		p.unlock()
		return
	}
	l.running, l.spawned = false, false
	l.stdin = nil
	if l.inflight != nil {
		p.bufferLocked(l.inflight, true)
		l.inflight = nil
	}
	p.unlock()
	p.wake()
}

// ProcessStateChanged maps a 4.2.5 state change of the listener's process
// onto Spawned, SetRunning and Exited, for an engine hook that reports
// state names. pid may be 0 when unknown (4.2.5 has none at STARTING);
// stdin is used on STARTING and may resolve the process lazily, as
// WriteFunc((*process.Process).SendStdin) does.
func (l *Listener) ProcessStateChanged(to string, pid int, stdin io.Writer) {
	switch to {
	case "STARTING":
		l.Spawned(pid, stdin)
	case "RUNNING":
		p := l.pool
		p.mu.Lock()
		if l.pid == 0 && pid != 0 {
			// Learn the pid the STARTING report did not carry, and take
			// the output already fed under it.
			l.pid = pid
			if l.earlyPID == pid && len(l.early) > 0 {
				early := l.early
				l.early, l.earlyPID = nil, 0
				l.feedLocked(early)
			}
		}
		p.unlock()
		l.SetRunning(true)
	case "STOPPING":
		l.SetRunning(false)
	case "BACKOFF", "EXITED", "STOPPED", "FATAL", "UNKNOWN":
		l.Exited(pid)
	}
}

// Feed hands the listener bytes its process pid wrote to stdout; pid 0
// means the current run, or the coming one when fed between Exited and
// Spawned (a pipe reader can win the race against the state hook). With
// a real pid, output that races ahead of Spawned waits for that pid, and
// a dead run's last bytes stay away from the next run. The slice is not
// retained.
func (l *Listener) Feed(pid int, data []byte) {
	p := l.pool
	p.mu.Lock()
	if pid != 0 && pid != l.pid || pid == 0 && !l.spawned {
		// Output can reach us before the engine reports the spawn.
		if l.earlyPID != pid {
			l.early, l.earlyPID = nil, pid
		}
		if len(l.early)+len(data) <= maxEarly {
			l.early = append(l.early, data...)
		}
		p.unlock()
		return
	}
	wasReady := l.state == Ready
	l.feedLocked(data)
	nowReady := l.state == Ready
	p.unlock()
	if nowReady && !wasReady {
		p.wake()
	}
}

func (l *Listener) change(to ListenerState) {
	p := l.pool
	p.logf(config.LevelDebug, "%s: %s -> %s", l.name, l.state, to)
	l.state = to
	if to == Unknown {
		p.logf(config.LevelWarn, "%s: has entered the UNKNOWN state and will no longer receive events, "+
			"this usually indicates the process violated the eventlistener protocol", l.name)
	}
}

var readyToken = []byte("READY\n")

// feedLocked runs 4.2.5's handle_listener_state_change over the buffered
// output (EVL-02, EVL-03).
func (l *Listener) feedLocked(data []byte) {
	if l.state == Unknown {
		return // permanent until the next spawn
	}
	l.buf = append(l.buf, data...)
	for len(l.buf) > 0 {
		switch l.state {
		case Unknown:
			l.buf = nil
			return
		case Acknowledged:
			if len(l.buf) < len(readyToken) {
				return
			}
			if bytes.HasPrefix(l.buf, readyToken) {
				l.change(Ready)
				l.buf = l.buf[len(readyToken):]
			} else {
				l.change(Unknown)
				l.buf = nil
			}
		case Ready:
			// Output while READY is a protocol violation.
			l.change(Unknown)
			l.buf = nil
		case Busy:
			if l.resultLen < 0 {
				pos := bytes.IndexByte(l.buf, '\n')
				if pos < 0 {
					if len(l.buf) > maxResultLine {
						l.badResultLine(l.buf[:maxResultLine])
					}
					return
				}
				line := l.buf[:pos]
				n, ok := -1, false
				// As 4.2.5, the first 7 bytes ("RESULT ") are skipped unread.
				if len(line) >= 7 && pos <= maxResultLine {
					n, ok = pyInt(line[7:])
				}
				if !ok || n < 0 || n > maxResultLen {
					l.badResultLine(line)
					return
				}
				l.buf = l.buf[pos+1:]
				l.resultLen = n
				l.result = make([]byte, 0, n)
			}
			take := min(l.resultLen-len(l.result), len(l.buf))
			l.result = append(l.result, l.buf[:take]...)
			l.buf = l.buf[take:]
			if len(l.result) == l.resultLen {
				l.handleResult()
			}
		}
	}
	if len(l.buf) == 0 {
		l.buf = nil // let a big buffer go
	}
}

func (l *Listener) badResultLine(line []byte) {
	p := l.pool
	p.logf(config.LevelWarn, "%s: bad result line: '%s'", l.name, pyDecode(line))
	l.change(Unknown)
	l.buf = nil
	l.reject()
}

// reject buffers the in-flight event again, at the head.
func (l *Listener) reject() {
	if l.inflight != nil {
		l.pool.bufferLocked(l.inflight, true)
		l.inflight = nil
		l.pool.wake()
	}
}

func (l *Listener) handleResult() {
	p := l.pool
	result := l.result
	l.result, l.resultLen = nil, -1
	var ev Event
	if l.inflight != nil {
		ev = l.inflight.ev
	}
	err := callHandler(p.cfg.ResultHandler, ev, result)
	switch {
	case err == nil:
		p.stats.Processed++
		p.logf(config.LevelDebug, "%s: event was processed", l.name)
		l.change(Acknowledged)
		l.inflight = nil
	case errors.Is(err, ErrRejected):
		p.logf(config.LevelWarn, "%s: event was rejected", l.name)
		l.change(Acknowledged)
		l.reject()
	default:
		p.logf(config.LevelWarn, "%s: event caused an error", l.name)
		l.change(Unknown)
		l.reject()
	}
}

// callHandler runs a result handler, turning a panic into an error as
// 4.2.5 turns any exception into "event caused an error".
func callHandler(h ResultHandler, ev Event, result []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("result handler panicked: %v", r)
		}
	}()
	return h(ev, result)
}

// pyInt parses b as Python's int(bytes) does: optional ASCII whitespace
// around, an optional sign, decimal digits with single underscores
// between them.
func pyInt(b []byte) (int, bool) {
	s := strings.Trim(string(b), " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	n := 0
	prevUnderscore := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if prevUnderscore {
				return 0, false
			}
			prevUnderscore = true
			continue
		}
		prevUnderscore = false
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<31)/10 {
			n = 1 << 31 // beyond any result we accept; keep parsing for validity
			continue
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// WriteFunc adapts a function such as (*process.Process).SendStdin to the
// io.Writer a Listener writes events to.
type WriteFunc func([]byte) error

// Write calls f with p.
func (f WriteFunc) Write(p []byte) (int, error) {
	if err := f(p); err != nil {
		return 0, err
	}
	return len(p), nil
}
