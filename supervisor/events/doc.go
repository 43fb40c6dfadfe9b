// Package events owns Supervisor 4.2.5's event system (reference §6):
// the event types and their exact wire text, the bus that numbers and
// delivers them, event listener pools with their buffer and the
// READY / RESULT / OK / FAIL protocol, TICK generation, and capture mode.
// It knows nothing about how processes are spawned; the engine reports
// to it.
//
// # Model
//
// Event types form 4.2.5's hierarchy (EVENT > PROCESS_STATE >
// PROCESS_STATE_RUNNING, ...). A Bus delivers each published Event
// synchronously to the subscribers of its type or of an ancestor type.
// An event that at least one subscriber receives gets the next global
// serial (0, 1, 2, ... for the life of the Bus; keep one Bus across
// reloads, EVT-05). Publishing an event nobody wants is one atomic load;
// hot paths ask Bus.Wants before building an event.
//
// A Pool is one [eventlistener:x] section. It subscribes to its events=
// types, numbers what it receives with its own poolserial, and keeps at
// most buffer_size events, discarding the oldest with the main-log line
//
//	ERRO pool <pool> event buffer overflowed, discarding event <serial>
//
// Its dispatcher goroutine sends the oldest event to the first listener
// (in AddListener order) whose process is RUNNING and whose protocol
// state is READY, as
//
//	ver:3.0 server:<identifier> serial:<n> pool:<pool> poolserial:<n> eventname:<TYPE> len:<n>\n<payload>
//
// where len counts characters, as Python's len(str) (EVL-01). A
// listener's protocol state starts ACKNOWLEDGED at each spawn; READY\n
// makes it READY; an event makes it BUSY; `RESULT <n>\n` and n bytes of
// result are judged by the pool's ResultHandler: OK acknowledges, any
// other result rejects and the event goes back to the head of the
// buffer. Other output puts the listener in UNKNOWN for the rest of that
// run, with 4.2.5's WARN lines (EVL-02, EVL-03). If the process dies
// while BUSY the event is buffered again (EVL-04); if writing to its
// stdin fails (EPIPE) the next listener is tried (EVL-07).
//
// Writes to listeners happen on the pool's goroutine, never on the
// publisher's, so a hung or slow listener only fills its pool's buffer.
//
// # Wiring it into supervisord
//
//	bus := events.NewBus()                       // once, kept across reloads
//	ticker := events.NewTicker(bus)               // go ticker.Run(events.RealClock, stop)
//
//	// For each [eventlistener:x] group g:
//	cfg, err := events.PoolConfigFor(g, identifier, mainLog)
//	pool := events.NewPool(bus, cfg)
//	for _, prog := range g.Programs { listeners[prog.Name] = pool.AddListener(prog.Name) }
//	// when the group goes away: pool.Close()
//
//	// process.Options.Hook, for every process:
//	bus.Publish(events.ProcessState{Process: e.Name, Group: e.Group,
//		From: e.From.String(), To: e.To.String(), PID: e.PID, Tries: e.Tries, Expected: e.Expected})
//	if l := listeners[e.Name]; l != nil {
//		l.ProcessStateChanged(e.To.String(), e.PID, events.WriteFunc(e.Process.SendStdin))
//	}
//	// (or call Spawned, SetRunning and Exited yourself)
//
//	// process.Options.Output, for listeners' stdout:  l.Feed(pid, data)
//	// (pid 0 means the current run; a real pid guards against races)
//	// For every other channel, an events.Output per run and channel does
//	// capture mode and PROCESS_LOG_* (or publish ProcessLog yourself).
//
//	bus.Publish(events.ProcessGroup{Group: name})                // group added
//	bus.Publish(events.ProcessGroup{Group: name, Removed: true}) // group removed
//	bus.Publish(events.SupervisorState{})                        // main loop starts
//	bus.Publish(events.SupervisorState{Stopping: true})          // shutdown or restart begins
//	bus.Publish(events.RemoteCommunication{Kind: typ, Data: data}) // sendRemoteCommEvent
//
// Feed may be called before Spawned for the same pid (the pipe reader can
// win the race against the state hook); that output is kept and replayed.
// Report a listener's exit (EXITED, BACKOFF, ...) after its stdout was
// drained, so that a RESULT written just before dying is not lost and the
// event is not sent twice.
//
// # Deviations from 4.2.5, on purpose
//
//   - Capture mode loses no bytes (4.2.5's CAP-02 quirk is not kept): only
//     a tail that may begin a token is held back, and Close flushes it.
//     An unterminated block is logged as written at Close.
//   - Listener output that 4.2.5 would buffer without bound is cut off: a
//     RESULT line longer than 4096 bytes, or a result length that is
//     negative or above 1 MiB, is a "bad result line" (UNKNOWN, event
//     buffered again). 4.2.5 would grow memory or hang BUSY forever.
//   - `RESULT 0\n` is judged at once; 4.2.5 waits for one more byte.
//   - After a failed write (EPIPE) a listener is skipped until it is
//     spawned again instead of being retried on every loop.
//   - A rejected event (FAIL, bad result, death while BUSY) goes back to
//     its own pool only. 4.2.5 looks for the rejecting process in every
//     pool with ==, which compares priorities, so with the default
//     priority (-1 for all listeners) every pool buffers every other
//     pool's rejected events, even of types it never subscribed to
//     (seen with Debian's supervisord; see TestOracleProtocolLogLines).
//   - Not a deviation, but against reference EVT-04: with
//     *_events_enabled, the bytes inside a capture block also produce
//     PROCESS_LOG_* events, because Debian's 4.2.5 sends them (see
//     TestOracleEventTextMatchesPython).
//   - Only the default result_handler exists (Python entry points cannot
//     be loaded); ResultHandlerByName rejects others.
package events
