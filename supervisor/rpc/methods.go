package rpc

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// method is one published XML-RPC method.
type method struct {
	name   string
	ret    string
	params []param // in order; the last len(params)-min are optional
	min    int
	doc    string // first part of methodHelp, before the @ lines
	fn     func(c *call, args []any) (any, error)
}

type param struct{ typ, name, doc string }

// call carries one request's context to the method implementations.
type call struct {
	s   *Server
	ctx context.Context
}

func (c *call) b() Backend { return c.s.backend }

// guard is 4.2.5's _update: supervisor.* refuses work while shutting down.
func (c *call) guard() error {
	if c.s.backend.State() < SupervisorRunning {
		return Code(FaultShutdownState)
	}
	return nil
}

// named fills in the process or group name for detail-less faults, the
// way 4.2.5 reports them ("NOT_RUNNING: g:p").
func named(err error, name string) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	f := AsFault(err)
	if f.HasDetail {
		return f
	}
	switch f.Code {
	case FaultAlreadyStarted, FaultSpawnError, FaultAbnormalTermination, FaultNotRunning,
		FaultBadName, FaultNoFile, FaultFailed, FaultAlreadyAdded, FaultStillRunning:
		return NewFault(f.Code, name)
	}
	return f
}

// target is a resolved namespec.
type target struct {
	group GroupInfo
	proc  string // "" for the whole group
}

// splitNamespec is options.py split_namespec.
func splitNamespec(ns string) (group, proc string, whole bool) {
	if g, p, ok := strings.Cut(ns, ":"); ok {
		if p == "" || p == "*" {
			return g, "", true
		}
		return g, p, false
	}
	return ns, ns, false
}

// makeNamespec is options.py make_namespec.
func makeNamespec(group, proc string) string {
	if group == proc {
		return group
	}
	return group + ":" + proc
}

func (c *call) findGroup(name string) (GroupInfo, bool) {
	for _, g := range c.b().Groups() {
		if g.Name == name {
			return g, true
		}
	}
	return GroupInfo{}, false
}

// resolve is rpcinterface.py _getGroupAndProcess.
func (c *call) resolve(ns string) (target, error) {
	gname, pname, whole := splitNamespec(ns)
	g, ok := c.findGroup(gname)
	if !ok {
		return target{}, NewFault(FaultBadName, ns)
	}
	if whole {
		return target{group: g}, nil
	}
	for _, p := range g.Processes {
		if p == pname {
			return target{group: g, proc: p}, nil
		}
	}
	return target{}, NewFault(FaultBadName, ns)
}

// resolveProcess is resolve for methods that need one process.
func (c *call) resolveProcess(ns string) (target, error) {
	t, err := c.resolve(ns)
	if err == nil && t.proc == "" {
		err = NewFault(FaultBadName, ns)
	}
	return t, err
}

// argument helpers: 4.2.5 passes whatever arrived to Python code; where
// that code would crash (HTTP 500) we answer INCORRECT_PARAMETERS instead.

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", Code(FaultIncorrectParameters)
	}
	return s, nil
}

func integer(v any) (int64, error) {
	n, ok := toInt(v)
	if !ok {
		return 0, Code(FaultIncorrectParameters)
	}
	return n, nil
}

// optWait returns the optional boolean "wait" argument at i (default true).
func optWait(args []any, i int) bool {
	if len(args) > i {
		return truthy(args[i])
	}
	return true
}

// result is one entry of the arrays startProcessGroup & co. return.
func result(group, proc string, err error) Struct {
	code, desc := int64(FaultSuccess), "OK"
	if err != nil {
		f := AsFault(err)
		code, desc = int64(f.Code), f.String()
	}
	return Struct{{"name", proc}, {"group", group}, {"status", code}, {"description", desc}}
}

type procRef struct{ group, proc string }

// allProcesses lists every process in start order (priority).
func (c *call) allProcesses() []procRef {
	var out []procRef
	for _, g := range c.b().Groups() {
		for _, p := range g.Processes {
			out = append(out, procRef{g.Name, p})
		}
	}
	return out
}

func groupProcesses(g GroupInfo) []procRef {
	out := make([]procRef, 0, len(g.Processes))
	for _, p := range g.Processes {
		out = append(out, procRef{g.Name, p})
	}
	return out
}

func (c *call) state(r procRef) (ProcessState, bool) {
	info, err := c.b().ProcessInfo(r.group, r.proc)
	if err != nil {
		return 0, false
	}
	return info.State, true
}

// fanOut is rpcinterface.py make_allfunc: act on every process matching
// pred, in order. An outcome known at once (a fault, no wait asked, or the
// target state already reached) is reported in that order, as 4.2.5 does;
// the ones that have to wait are awaited concurrently and reported after
// them, in process order.
func (c *call) fanOut(procs []procRef, pred func(ProcessState) bool,
	act func(ns string, r procRef) (wait waitFunc, err error)) []any {
	results := []any{}
	type pending struct {
		r    procRef
		wait waitFunc
	}
	var waits []pending
	for _, r := range procs {
		st, ok := c.state(r)
		if !ok || !pred(st) {
			continue
		}
		ns := makeNamespec(r.group, r.proc)
		wait, err := act(ns, r)
		if err == nil && wait != nil {
			if err = wait(doneCtx); errors.Is(err, context.Canceled) {
				waits = append(waits, pending{r, wait})
				continue
			}
		}
		results = append(results, result(r.group, r.proc, err))
	}
	if len(waits) == 0 {
		return results
	}
	errs := make([]error, len(waits))
	var wg sync.WaitGroup
	for i, p := range waits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.wait(c.ctx)
		}()
	}
	wg.Wait()
	for i, p := range waits {
		results = append(results, result(p.r.group, p.r.proc, errs[i]))
	}
	return results
}

// waitFunc waits for a started or stopped process to settle. Called with
// doneCtx it only reports an outcome already reached, else ctx's error.
type waitFunc func(ctx context.Context) error

// doneCtx is an already-cancelled context for non-blocking polls.
var doneCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func (c *call) startOne(ns string, r procRef, wait bool) (waitFunc, error) {
	if err := c.guard(); err != nil {
		return nil, err
	}
	if err := named(c.b().StartProcess(c.ctx, r.group, r.proc), ns); err != nil {
		return nil, err
	}
	if !wait {
		return nil, nil
	}
	return func(ctx context.Context) error { return named(c.b().WaitStarted(ctx, r.group, r.proc), ns) }, nil
}

func (c *call) stopOne(ns string, r procRef, wait bool) (waitFunc, error) {
	if err := c.guard(); err != nil {
		return nil, err
	}
	if err := named(c.b().StopProcess(c.ctx, r.group, r.proc), ns); err != nil {
		return nil, err
	}
	if !wait {
		return nil, nil
	}
	return func(ctx context.Context) error { return named(c.b().WaitStopped(ctx, r.group, r.proc), ns) }, nil
}

func (c *call) startGroup(name string, wait bool) (any, error) {
	if err := c.guard(); err != nil {
		return nil, err
	}
	g, ok := c.findGroup(name)
	if !ok {
		return nil, NewFault(FaultBadName, name)
	}
	return c.checkCtx(c.fanOut(groupProcesses(g), func(s ProcessState) bool { return !s.Running() },
		func(ns string, r procRef) (waitFunc, error) { return c.startOne(ns, r, wait) }))
}

func (c *call) stopGroup(name string, wait bool) (any, error) {
	if err := c.guard(); err != nil {
		return nil, err
	}
	g, ok := c.findGroup(name)
	if !ok {
		return nil, NewFault(FaultBadName, name)
	}
	return c.checkCtx(c.fanOut(groupProcesses(g), ProcessState.Running,
		func(ns string, r procRef) (waitFunc, error) { return c.stopOne(ns, r, wait) }))
}

// signalOne is signalProcess for a resolved process.
func (c *call) signalOne(ns string, r procRef, sigArg any) error {
	if err := c.guard(); err != nil {
		return err
	}
	sig, ok := ParseSignal(sigArg)
	if !ok {
		return NewFault(FaultBadSignal, pyStr(sigArg))
	}
	return named(c.b().SignalProcess(r.group, r.proc, sig), ns)
}

func (c *call) signalMany(procs []procRef, sigArg any) []any {
	return c.fanOut(procs, ProcessState.Signallable, func(ns string, r procRef) (waitFunc, error) {
		return nil, c.signalOne(ns, r, sigArg)
	})
}

func (c *call) checkCtx(v any) (any, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	return v, nil
}

// pyStr renders a value as Python's str() would, for fault details.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	case float64:
		return pyFloatRepr(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func pyRepr(v any) string {
	if s, ok := v.(string); ok {
		if !strings.Contains(s, "'") {
			return "'" + strings.ReplaceAll(s, `\`, `\\`) + "'"
		}
		return fmt.Sprintf("%q", s)
	}
	return pyStr(v)
}
