package interp

import (
	"fmt"
	"time"

	"github.com/encephagen/encephagen/script/rundir"
	"go.starlark.net/starlark"
)

// run_units is how an experiment declares its independent pieces of work
// (condition × run × sweep point): a list of units, each with a "key", and
// the function that computes one. Every unit's result is stored as it
// finishes (so --resume recomputes only what is missing) and the results
// come back in the order of the units. Progress reports count units.
func runUnitsBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	s, err := SessionOf(thread, fn)
	if err != nil {
		return nil, err
	}
	var unitsV starlark.Iterable
	var f starlark.Callable
	workers := 0
	if err := Bind(fn, args, kwargs, &unitsV, &f, &workers); err != nil {
		return nil, err
	}
	if workers < 0 {
		return nil, RangeError(fn, "workers", "≥ 0 (0 = --workers)", workers)
	}
	var items []starlark.Value
	keys := map[string]int{}
	iter := unitsV.Iterate()
	var x starlark.Value
	for iter.Next(&x) {
		key, err := unitKey(fn, len(items), x)
		if err != nil {
			iter.Done()
			return nil, err
		}
		if j, dup := keys[key]; dup {
			iter.Done()
			return nil, fmt.Errorf("%s: units %d and %d have the same key %q", fn, j, len(items), key)
		}
		keys[key] = len(items)
		items = append(items, x)
	}
	iter.Done()

	s.planMu.Lock()
	again := s.unitsCalled
	s.unitsCalled = true
	s.planMu.Unlock()
	if again && s.mode != modeRun {
		return nil, fmt.Errorf("%s: called a second time; a planned, sharded or merged run needs all its units in one run_units call", fn)
	}
	if s.mode != modeRun {
		keyList := make([]string, len(items))
		for k, i := range keys {
			keyList[i] = k
		}
		if err := s.checkPlan(fn, items, keyList); err != nil {
			return nil, err
		}
		if s.mode == modePlan {
			s.stop()
			return nil, errStopAfterUnits
		}
	}
	run := items
	if s.mode == modeShard {
		run = nil
		for i, it := range items {
			if s.shard.Owns(i) {
				run = append(run, it)
			}
		}
	}
	s.Progress.AddUnits(len(run))
	w := workers
	if w == 0 {
		w = s.Workers
		if s.gather != nil && s.Opts.Workers == 0 {
			w = len(run) // a batch backend runs every unit at once (see pmap)
		}
	}
	s.Progress.UnitsBegin(w)

	// One unit per pmap item: unit(key, fn, item).
	unitFn := starlark.NewBuiltin("run_units.unit", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		key, _ := unitKey(fn, 0, a[0])
		reused := s.units.Stored(key)
		id := s.Progress.UnitStart(time.Now())
		v, err := s.unit(th, "unit", key, f, starlark.Tuple{a[0]}, nil)
		s.Progress.UnitEnd(id, time.Now(), err == nil && !reused, err == nil && reused)
		if err != nil {
			return nil, fmt.Errorf("unit %q: %w", key, err)
		}
		return v, nil
	})
	res, err := pmapBuiltin(thread, starlark.NewBuiltin(fn, pmapBuiltin), starlark.Tuple{unitFn, starlark.NewList(run)}, []starlark.Tuple{{starlark.String("workers"), starlark.MakeInt(workers)}})
	if err != nil || s.mode != modeShard {
		return res, err
	}
	s.stop()
	return nil, errStopAfterUnits
}

// unitKey reads the "key" of a unit: a dict entry or a struct field.
func unitKey(fn string, i int, u starlark.Value) (string, error) {
	var kv starlark.Value
	switch u := u.(type) {
	case *starlark.Dict:
		kv, _, _ = u.Get(starlark.String("key"))
	case starlark.HasAttrs:
		kv, _ = u.Attr("key")
	}
	key, ok := starlark.AsString(kv)
	if kv == nil || !ok {
		return "", fmt.Errorf("%s: unit %d needs a string \"key\" (a dict entry or a struct field), got %s", fn, i, u.Type())
	}
	if err := rundir.CheckUnitKey(fn, key); err != nil {
		return "", err
	}
	return key, nil
}

func phaseBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := SessionOf(thread, b.Name())
	if err != nil {
		return nil, err
	}
	var name string
	if err := Bind(b.Name(), args, kwargs, &name); err != nil {
		return nil, err
	}
	s.Progress.SetPhase(name)
	return starlark.None, nil
}

func init() {
	Decl("run_units", "script", "run_units(units, fn, workers=0)",
		`Runs an experiment's independent units of work and returns their results in the order of units.
Each unit is a dict or struct with a string "key" (letters, digits, . _ - = + , and / separators),
unique within the run, and whatever else fn needs (condition, run index, seeds); fn(unit) computes it.
Units run concurrently on --workers threads (or workers); each result is stored in the run directory
as it finishes, so --resume recomputes only unfinished units, and the progress line counts units.
The units are the experiment's plan: `+"`encephagen plan`"+` lists them, `+"`exec --shard I/N`"+` computes
those with index % N == I and stops after run_units, and `+"`encephagen merge`"+` loads them all
(computing none) for the rest of the script. Such runs need all units in one run_units call.`, runUnitsBuiltin)
	Decl("phase", "script", "phase(name)",
		`Names what the run is doing now ("conditioning"), for the progress line.`, phaseBuiltin)
}
