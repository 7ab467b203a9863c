package interp

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/encephagen/encephagen/engine/parallel"
	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"
)

const ctxKey = "encephagen.ctx"

// workerKey marks a thread running a pmap item: its batches run on one
// goroutine, as the items already occupy the cores.
const WorkerKey = "encephagen.worker"

// threadCtxOf is threadCtx for a thread that may have no session (nil
// then).
func threadCtxOf(thread *starlark.Thread) context.Context {
	if c, ok := thread.Local(ctxKey).(context.Context); ok {
		return c
	}
	if s, ok := thread.Local(sessionKey).(*Session); ok && s != nil {
		return s.ctx
	}
	return nil
}

// threadCtx is the context a builtin on this thread obeys: the session's,
// or a pmap's (cancelled when a sibling item fails).
func ThreadCtx(thread *starlark.Thread, s *Session) context.Context {
	if c, ok := thread.Local(ctxKey).(context.Context); ok {
		return c
	}
	return s.ctx
}

func unitBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	s, err := SessionOf(thread, fn)
	if err != nil {
		return nil, err
	}
	var key string
	var fv starlark.Value
	var rest starlark.Tuple
	var kw []starlark.Tuple
	if err := Bind(fn, args, kwargs, &key, &fv, &rest, &kw); err != nil {
		return nil, err
	}
	if err := rundir.CheckUnitKey(fn, key); err != nil {
		return nil, err
	}
	f, ok := fv.(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("%s: for parameter fn: got %s, want a function", fn, fv.Type())
	}
	if s.mode != modeRun {
		return nil, fmt.Errorf("%s: unit(%q) outside run_units: a planned, sharded or merged run (encephagen plan, exec --shard, merge) splits only the units of its run_units call; compute this inside run_units's fn without unit(), or run the script with plain exec", fn, key)
	}
	return s.unit(thread, fn, key, f, rest, kw)
}

// unit runs fn as the unit key, or reuses its stored result: with
// --resume, in a shard (a re-run shard skips finished units) and in a
// merge (which only loads).
func (s *Session) unit(thread *starlark.Thread, fn, key string, f starlark.Callable, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if !s.units.Claim(key) {
		return nil, fmt.Errorf("%s: key %q is used twice in this run; every unit needs its own key", fn, key)
	}
	file := rundir.UnitFile(key)
	if s.units.Stored(key) {
		val, err := s.units.Load(key)
		if err == nil {
			var v starlark.Value
			if v, err = DecodeOrdered(val); err == nil {
				return v, nil
			}
		}
		return nil, fmt.Errorf("%s: cannot reuse %s from the earlier run: %v; delete it to recompute the unit", fn, file, err)
	}
	if s.mode == modeMerge {
		return nil, fmt.Errorf("%s: unit %q has no result (%s) and merge never computes one: run its shard again", fn, key, file)
	}
	began := time.Now()
	v, err := starlark.Call(thread, f, args, kwargs)
	if err != nil {
		return nil, err
	}
	wall := time.Since(began).Seconds()
	enc, err := EncodeJSON(ThreadCtx(thread, s), v, "")
	if err != nil {
		return nil, fmt.Errorf("%s: the result of unit %q: %w", fn, key, err)
	}
	if err := s.units.Store(key, enc, wall); err != nil {
		return nil, fmt.Errorf("%s: %s: %v", fn, file, err)
	}
	// Return what a resumed run would read, so both runs go on alike.
	return DecodeOrdered(enc)
}

func pmapBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	s, err := SessionOf(thread, fn)
	if err != nil {
		return nil, err
	}
	var f starlark.Callable
	var itemsV starlark.Iterable
	workers := 0
	if err := Bind(fn, args, kwargs, &f, &itemsV, &workers); err != nil {
		return nil, err
	}
	if workers < 0 {
		return nil, RangeError(fn, "workers", "≥ 0 (0 = --workers)", workers)
	}
	var items []starlark.Value
	iter := itemsV.Iterate()
	var x starlark.Value
	for iter.Next(&x) {
		items = append(items, x)
	}
	iter.Done()
	// Whatever the items share must not change under them.
	f.Freeze()
	if sf, ok := f.(*starlark.Function); ok {
		sf.Globals().Freeze()
	}
	for _, it := range items {
		it.Freeze()
	}
	results := make([]starlark.Value, len(items))
	if thread.Local(WorkerKey) != nil {
		// Nested pmap: the cores are already busy; run in order here.
		for i, it := range items {
			v, err := starlark.Call(thread, f, starlark.Tuple{it}, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: item %d: %w", fn, i, err)
			}
			results[i] = v
		}
		return starlark.NewList(results), nil
	}
	if workers == 0 {
		workers = s.Workers
		if s.gather != nil && s.Opts.Workers == 0 {
			// On a batch backend every item runs at once, so that their
			// run() calls go to the device together.
			workers = len(items)
		}
	}
	workers = max(1, min(workers, len(items)))
	ctx, cancel := context.WithCancel(ThreadCtx(thread, s))
	defer cancel()

	var (
		mu       sync.Mutex
		firstErr error
		errItem  = -1
		bufs     = make([]*strings.Builder, len(items))
		done     = make([]bool, len(items))
		flushed  = 0
		threads  = map[*starlark.Thread]bool{}
	)
	flush := func() { // mu held
		for flushed < len(items) && done[flushed] {
			s.emit(bufs[flushed].String())
			bufs[flushed] = nil
			flushed++
		}
	}
	if s.gather != nil {
		// This thread waits for the items: they alone may call run() now.
		s.gather.Leave()
		defer s.gather.Enter()
	}
	// Errors are the items' own business (the first stops the others and
	// is reported with its index), so the pool is told none.
	parallel.ForEach(ctx, len(items), workers, func(_ context.Context, i int) error {
		if s.gather != nil {
			s.gather.Enter()
		}
		buf := &strings.Builder{}
		th := s.NewThread(fmt.Sprintf("pmap item %d", i))
		th.SetLocal(WorkerKey, true)
		th.SetLocal(printBufKey, buf)
		th.SetLocal(ctxKey, ctx)
		mu.Lock()
		threads[th] = true
		stopped := firstErr != nil
		mu.Unlock()
		var v starlark.Value
		var err error
		if stopped {
			err = context.Canceled
		} else {
			v, err = starlark.Call(th, f, starlark.Tuple{items[i]}, nil)
		}
		s.dropThread(th)
		mu.Lock()
		delete(threads, th)
		bufs[i], done[i] = buf, true
		if err != nil && firstErr == nil && !stopped {
			firstErr, errItem = err, i
			cancel()
			for t := range threads {
				t.Cancel("another pmap item failed")
			}
		}
		results[i] = v
		flush()
		mu.Unlock()
		if s.gather != nil {
			s.gather.Leave()
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	for i := flushed; i < len(items); i++ {
		if bufs[i] != nil {
			s.emit(bufs[i].String())
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("%s: item %d: %w", fn, errItem, firstErr)
	}
	if err := ThreadCtx(thread, s).Err(); err != nil {
		return nil, fmt.Errorf("%s: interrupted: %w", fn, err)
	}
	return starlark.NewList(results), nil
}

func init() {
	Decl("unit", "script", "unit(key, fn, /, *args, **kwargs)",
		`Runs fn(*args, **kwargs) as a resumable unit of work and returns its result. The result (JSON-able:
numbers, strings, lists, dicts, structs, arrays) is written to units/<key>.json in the run directory as soon
as it is finished; with `+"`exec --resume`"+` a unit whose file exists is not run again and its stored result is
returned instead. The result is always returned as read back from JSON (tuples become lists, structs
dicts), so fresh and resumed runs continue identically. Keys are unique per run, e.g. "connectome/3".
A planned, sharded or merged run (`+"`encephagen plan`, `exec --shard`, `merge`"+`) allows only the units of
run_units.`,
		unitBuiltin)
	Decl("pmap", "script", "pmap(fn, items, workers=0)",
		`Calls fn(item) for every item concurrently (on --workers threads, or workers) and returns the results
as a list in the order of items. fn, the items and the globals of fn's module are frozen first, so nothing
shared can change under the threads: build brains inside fn. What fn prints is shown item by item in
order. The first failure stops the other items and is reported with the item's index and backtrace.
Inside fn, batches run on one core and nested pmap calls run in order. Results do not depend on the
number of workers.`, pmapBuiltin)
	Decl("expect", "script", "expect(what, have, want, rtol=0.0, atol=0.0)",
		`Fails the script unless |have − want| ≤ atol + rtol·|want|: a check written in the script
("expect(\"background rate\", rec.group_rate(\"all\"), 8, rtol=0.5)").`,
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var what string
			var have, want, rtol, atol Number
			if err := Bind(b.Name(), args, kw, &what, &have, &want, &rtol, &atol); err != nil {
				return nil, err
			}
			if rtol < 0 || atol < 0 {
				return nil, fmt.Errorf("%s: rtol and atol must be ≥ 0, got %s and %s", b.Name(), FormatFloat(float64(rtol)), FormatFloat(float64(atol)))
			}
			tol := float64(atol) + float64(rtol)*math.Abs(float64(want))
			if !(math.Abs(float64(have)-float64(want)) <= tol) {
				return nil, fmt.Errorf("%s: %s: have %s, want %s ± %s", b.Name(), what, FormatFloat(float64(have)), FormatFloat(float64(want)), FormatFloat(tol))
			}
			return starlark.None, nil
		})
}
