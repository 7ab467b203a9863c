package script

import (
	"errors"
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/script/interp"
)

// Recording is what run() measured (MODEL.md §6): spike counts per neuron
// and region, optional time bins and raster. Passing it as record= to
// further run() calls accumulates into it.
type Recording struct {
	rec    *sim.Recorder
	net    *network.Network
	conn   *Connectome
	frozen bool
}

func (r *Recording) String() string {
	return fmt.Sprintf("recording(%s ms, %d spikes)", interp.FormatFloat(r.ms()), r.rec.Total())
}
func (r *Recording) Type() string          { return "recording" }
func (r *Recording) Freeze()               { r.frozen = true }
func (r *Recording) Truth() starlark.Bool  { return true }
func (r *Recording) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: recording") }
func (r *Recording) Attr(name string) (starlark.Value, error) {
	return recordingType.Attr(r, name)
}
func (r *Recording) AttrNames() []string { return recordingType.AttrNames() }

func (r *Recording) ms() float64 { return float64(r.rec.Steps) * r.net.Params.DtMs }

// Recorder returns the engine recorder.
func (r *Recording) Recorder() *sim.Recorder { return r.rec }

func (r *Recording) selectRegions(fn string, v starlark.Value) ([]int, error) {
	if v == nil || v == starlark.None {
		out := make([]int, r.net.Regions)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	// A tuple or list keeps its order (and repeats); a name is a group.
	if seq, ok := v.(starlark.Sequence); ok {
		if _, isStr := v.(starlark.String); !isStr {
			idx, err := toInts(fn, "regions", seq)
			if err == nil {
				for k, i := range idx {
					if i < 0 || i >= r.net.Regions {
						return nil, fmt.Errorf("%s: regions[%d] must be in [0, %d), got %d", fn, k, r.net.Regions, i)
					}
				}
				return idx, nil
			}
		}
	}
	return r.conn.regions(fn, "regions", v)
}

// perRegion selects the regions the call names (all by default) from
// the per-region values all() gives (nil or empty before anything was
// recorded: zeros then).
func (r *Recording) perRegion(fn string, args starlark.Tuple, kw []starlark.Tuple, all func() []float64) ([]float64, error) {
	v, err := regionsArg(fn, args, kw)
	if err != nil {
		return nil, err
	}
	idx, err := r.selectRegions(fn, v)
	if err != nil {
		return nil, err
	}
	vals := all()
	out := make([]float64, len(idx))
	for k, i := range idx {
		if len(vals) > 0 {
			out[k] = vals[i]
		}
	}
	return out, nil
}

func regionsArg(fn string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value = starlark.None
	if err := interp.Bind(fn, args, kw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

var recordingType = interp.NewType("recording",
	"Spikes measured by run() (MODEL.md §6). Rates are in Hz: count / (neurons · steps · dt). "+
		"regions= arguments take indices (kept in the given order), a group name, a label, or \"all\"; None means every region in order.",
	interp.Member[*Recording]{Name: "steps", Doc: "Steps recorded.",
		Get: func(r *Recording) (starlark.Value, error) { return starlark.MakeInt(r.rec.Steps), nil }},
	interp.Member[*Recording]{Name: "ms", Doc: "Time recorded, ms.",
		Get: func(r *Recording) (starlark.Value, error) { return starlark.Float(r.ms()), nil }},
	interp.Member[*Recording]{Name: "total", Doc: "The number of spikes recorded.",
		Get: func(r *Recording) (starlark.Value, error) { return starlark.MakeUint64(r.rec.Total()), nil }},
	interp.Member[*Recording]{Name: "counts", Doc: "Spikes per neuron, an int array of length neurons.",
		Get: func(r *Recording) (starlark.Value, error) {
			out := make([]float64, len(r.rec.Counts))
			for i, c := range r.rec.Counts {
				out[i] = float64(c)
			}
			return newIntArray(out), nil
		}},
	interp.Member[*Recording]{Name: "region_counts", Sig: "region_counts(regions=None)", Doc: "Spikes per region, an int array.",
		Call: func(_ *starlark.Thread, fn string, r *Recording, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			out, err := r.perRegion(fn, args, kw, func() []float64 {
				counts := r.rec.RegionCounts()
				f := make([]float64, len(counts))
				for i, c := range counts {
					f[i] = float64(c)
				}
				return f
			})
			if err != nil {
				return nil, err
			}
			return newIntArray(out), nil
		}},
	interp.Member[*Recording]{Name: "region_rates", Sig: "region_rates(regions=None)", Doc: "The rate of each region in Hz, an array.",
		Call: func(_ *starlark.Thread, fn string, r *Recording, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			out, err := r.perRegion(fn, args, kw, func() []float64 { return r.rec.RegionRates(r.net.Params.DtMs) })
			if err != nil {
				return nil, err
			}
			return NewArray(out), nil
		}},
	interp.Member[*Recording]{Name: "group_rate", Sig: "group_rate(regions)",
		Doc: "The mean rate in Hz over a set of regions (a group name such as \"prefrontal\", or indices): their spikes / (regions · neurons_per_region · time). An empty set or an empty recording is an error.",
		Call: func(_ *starlark.Thread, fn string, r *Recording, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var v starlark.Value
			if err := interp.Bind(fn, args, kw, &v); err != nil {
				return nil, err
			}
			idx, err := r.selectRegions(fn, v)
			if err != nil {
				return nil, err
			}
			if r.rec.Steps == 0 {
				return nil, fmt.Errorf("%s: nothing recorded yet", fn)
			}
			g, err := r.rec.GroupRate(idx, r.net.Params.DtMs)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", fn, err)
			}
			return starlark.Float(g), nil
		}},
	interp.Member[*Recording]{Name: "bin_ms", Doc: "The width of the time bins in ms, or None when run() had no bin_ms.",
		Get: func(r *Recording) (starlark.Value, error) {
			if r.rec.BinSteps == 0 {
				return starlark.None, nil
			}
			return starlark.Float(float64(r.rec.BinSteps) * r.net.Params.DtMs), nil
		}},
	interp.Member[*Recording]{Name: "bins", Doc: "Spikes per region in each time bin, an int array of shape (bins, regions); needs bin_ms.",
		Get: func(r *Recording) (starlark.Value, error) {
			if r.rec.BinSteps == 0 {
				return nil, fmt.Errorf("recording.bins: no time bins were recorded; pass bin_ms= to run()")
			}
			var d []float64
			for _, bin := range r.rec.Bins {
				for _, c := range bin {
					d = append(d, float64(c))
				}
			}
			m := newMatrix(d, len(r.rec.Bins), r.net.Regions)
			m.ints = true
			return m, nil
		}},
	interp.Member[*Recording]{Name: "bin_rates", Doc: "The rate in Hz of each region in each time bin, an array of shape (bins, regions); the last bin may be partial and is scaled by its length.",
		Get: func(r *Recording) (starlark.Value, error) {
			if r.rec.BinSteps == 0 {
				return nil, fmt.Errorf("recording.bin_rates: no time bins were recorded; pass bin_ms= to run()")
			}
			var d []float64
			br := r.rec.BinRates(r.net.Params.DtMs)
			for _, bin := range br {
				d = append(d, bin...)
			}
			return newMatrix(d, len(br), r.net.Regions), nil
		}},
	interp.Member[*Recording]{Name: "raster", Doc: "The spikes of the raster neurons: struct(step=int array, neuron=int array), steps counted from the start of the recording.",
		Get: func(r *Recording) (starlark.Value, error) {
			st, nr := make([]float64, len(r.rec.Spikes)), make([]float64, len(r.rec.Spikes))
			for i, s := range r.rec.Spikes {
				st[i], nr[i] = float64(s.Step), float64(s.Neuron)
			}
			return starlarkstruct.FromStringDict(starlark.String("raster"), starlark.StringDict{
				"step": newIntArray(st), "neuron": newIntArray(nr),
			}), nil
		}},
)

// targets collects the brains of a run() target.
func targets(fn string, v starlark.Value) (brains []*Brain, single bool, err error) {
	switch t := v.(type) {
	case *Brain:
		return []*Brain{t}, true, nil
	case *Batch:
		return t.brains, false, nil
	case starlark.Iterable:
		iter := t.Iterate()
		defer iter.Done()
		var x starlark.Value
		for i := 0; iter.Next(&x); i++ {
			b, ok := x.(*Brain)
			if !ok {
				return nil, false, fmt.Errorf("%s: target[%d]: got %s, want brain", fn, i, x.Type())
			}
			for _, o := range brains {
				if o == b {
					return nil, false, fmt.Errorf("%s: target[%d] appears twice", fn, i)
				}
			}
			brains = append(brains, b)
		}
		if len(brains) == 0 {
			return nil, false, fmt.Errorf("%s: target is empty", fn)
		}
		return brains, false, nil
	}
	return nil, false, fmt.Errorf("%s: for parameter target: got %s, want brain, batch or a list of brains", fn, v.Type())
}

func stimuliArg(fn string, v starlark.Value) ([]*Stimulus, error) {
	switch s := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case *Stimulus:
		return []*Stimulus{s}, nil
	case starlark.Iterable:
		var out []*Stimulus
		iter := s.Iterate()
		defer iter.Done()
		var x starlark.Value
		for i := 0; iter.Next(&x); i++ {
			st, ok := x.(*Stimulus)
			if !ok {
				return nil, fmt.Errorf("%s: stimulus[%d]: got %s, want stimulus", fn, i, x.Type())
			}
			out = append(out, st)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: for parameter stimulus: got %s, want stimulus, a list of stimuli, or None", fn, v.Type())
}

// maxRunSteps bounds one run() call, given as ms= or steps=.
const maxRunSteps = sim.MaxRunSteps

// stepsFor converts ms to steps with the engine's one rule (sim.Steps).
func stepsFor(fn string, ms, dt float64) (int, error) {
	n, err := sim.Steps(ms, dt)
	switch {
	case errors.Is(err, sim.ErrStepsNegative):
		return 0, interp.RangeError(fn, "ms", "≥ 0 and finite", ms)
	case errors.Is(err, sim.ErrStepsNotMultiple):
		return 0, fmt.Errorf("%s: ms must be a multiple of dt_ms (%s), got %s", fn, interp.FormatFloat(dt), interp.FormatFloat(ms))
	case errors.Is(err, sim.ErrStepsTooMany):
		return 0, interp.RangeError(fn, "ms", fmt.Sprintf("at most %.10g (%d steps of dt_ms %s)", maxRunSteps*dt, maxRunSteps, interp.FormatFloat(dt)), ms)
	}
	return n, err
}

func runBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	s, err := interp.SessionOf(thread, fn)
	if err != nil {
		return nil, err
	}
	if len(args) > 1 {
		return nil, fmt.Errorf("%s: got %d positional arguments, want 1 (the brain or batch); give the duration as ms=", fn, len(args))
	}
	var target starlark.Value
	var ms interp.OptNumber
	var stepsV starlark.Value = starlark.None
	var stimV, recV, rasterV starlark.Value = starlark.None, starlark.None, starlark.None
	var binMs interp.OptNumber
	if err := interp.Bind(fn, args, kwargs, &target, &ms, &stepsV, &stimV, &recV, &binMs, &rasterV); err != nil {
		return nil, err
	}
	brains, single, err := targets(fn, target)
	if err != nil {
		return nil, err
	}
	for i, br := range brains {
		if br.frozen {
			what := "brain"
			if !single {
				what = fmt.Sprintf("brain %d", i)
			}
			return nil, fmt.Errorf("%s: %s is frozen (a global of a loaded module, or captured by a pmap function); build brains inside the function that runs them", fn, what)
		}
	}
	// Duration.
	steps := -1
	switch {
	case ms.Set && stepsV != starlark.None:
		return nil, fmt.Errorf("%s: give ms or steps, not both", fn)
	case ms.Set:
		for i, br := range brains {
			n, err := stepsFor(fn, ms.V, br.b.Net.Params.DtMs)
			if err != nil {
				return nil, err
			}
			if i > 0 && n != steps {
				return nil, fmt.Errorf("%s: the brains have different dt_ms, so ms=%s is a different number of steps for each; give steps=", fn, interp.FormatFloat(ms.V))
			}
			steps = n
		}
	case stepsV != starlark.None:
		if err := starlark.AsInt(stepsV, &steps); err != nil || steps < 0 || steps > maxRunSteps {
			return nil, interp.RangeError(fn, "steps", fmt.Sprintf("an integer in [0, %d]", maxRunSteps), stepsV)
		}
	default:
		return nil, fmt.Errorf("%s: missing duration: give ms= (e.g. ms=50) or steps=", fn)
	}
	stims, err := stimuliArg(fn, stimV)
	if err != nil {
		return nil, err
	}
	// Recorders.
	recs := make([]*Recording, len(brains))
	fresh := true
	switch r := recV.(type) {
	case starlark.NoneType:
	case starlark.Bool:
		if r {
			break
		}
		if binMs.Set || rasterV != starlark.None {
			return nil, fmt.Errorf("%s: bin_ms and raster need a recording; drop record=False", fn)
		}
		recs = nil
	case *Recording:
		if !single {
			return nil, fmt.Errorf("%s: record: a batch needs one recording per brain (a list), got one recording", fn)
		}
		recs[0], fresh = r, false
	case starlark.String:
		return nil, fmt.Errorf("%s: for parameter record: got string %s, want None (a new recording), False (none) or the recording(s) of an earlier run() to add to", fn, r)
	case starlark.Indexable:
		if single {
			return nil, fmt.Errorf("%s: for parameter record: got %s for one brain, want None (a new recording), False (none) or one recording to add to", fn, r.Type())
		}
		if r.Len() != len(brains) {
			return nil, fmt.Errorf("%s: record: got %d recordings for %d brains", fn, r.Len(), len(brains))
		}
		for i := range recs {
			rr, ok := r.Index(i).(*Recording)
			if !ok {
				return nil, fmt.Errorf("%s: record[%d]: got %s, want recording", fn, i, r.Index(i).Type())
			}
			recs[i] = rr
		}
		fresh = false
	default:
		return nil, fmt.Errorf("%s: for parameter record: got %s, want None (a new recording), False (none) or recording(s) to add to", fn, recV.Type())
	}
	if !fresh {
		if binMs.Set || rasterV != starlark.None {
			return nil, fmt.Errorf("%s: bin_ms and raster apply to new recordings only; the recording passed as record= keeps its own", fn)
		}
		for i, r := range recs {
			if r.frozen {
				return nil, fmt.Errorf("%s: record[%d] is frozen", fn, i)
			}
			if r.net.N != brains[i].b.Net.N || r.net.NPR != brains[i].b.Net.NPR {
				return nil, fmt.Errorf("%s: record[%d] was made for a brain of another shape", fn, i)
			}
		}
	}
	if fresh && recs != nil {
		binSteps := 0
		if binMs.Set {
			if !(binMs.V > 0) {
				return nil, interp.RangeError(fn, "bin_ms", "> 0", binMs.V)
			}
			n, err := stepsFor(fn, binMs.V, brains[0].b.Net.Params.DtMs)
			if err != nil {
				return nil, fmt.Errorf("%s: bin_ms must be a multiple of dt_ms (%s), got %s", fn, interp.FormatFloat(brains[0].b.Net.Params.DtMs), interp.FormatFloat(binMs.V))
			}
			binSteps = n
		}
		var raster []int
		if rasterV != starlark.None {
			if raster, err = toInts(fn, "raster", rasterV); err != nil {
				return nil, err
			}
			for k, i := range raster {
				if i < 0 || i >= brains[0].b.Net.N {
					return nil, fmt.Errorf("%s: raster[%d] must be a neuron index in [0, %d), got %d", fn, k, brains[0].b.Net.N, i)
				}
			}
		}
		for i, br := range brains {
			recs[i] = &Recording{rec: &sim.Recorder{BinSteps: binSteps, Raster: raster}, net: br.b.Net, conn: br.conn}
		}
	}
	// Inputs: one dense vector per distinct network.
	ext := make([][]float32, len(brains))
	if len(stims) > 0 {
		dense := map[*network.Network][]float32{}
		for i, br := range brains {
			d, ok := dense[br.b.Net]
			if !ok {
				if d, err = denseInput(fn, stims, br.conn, br.b.Net); err != nil {
					return nil, err
				}
				dense[br.b.Net] = d
			}
			ext[i] = d
		}
	}
	for i, br := range brains {
		if !br.mu.TryLock() {
			for _, o := range brains[:i] {
				o.mu.Unlock()
			}
			return nil, fmt.Errorf("%s: brain %d is being run by another thread", fn, i)
		}
	}
	defer func() {
		for _, br := range brains {
			br.mu.Unlock()
		}
	}()
	var engineRecs []*sim.Recorder
	if recs != nil {
		engineRecs = make([]*sim.Recorder, len(recs))
		for i, r := range recs {
			engineRecs[i] = r.rec
		}
	}
	ctx := interp.ThreadCtx(thread, s)
	// One brain spreads its step over the workers; a batch runs one
	// brain per worker. Inside a pmap item, one core: its siblings keep
	// the others busy.
	workers := s.Workers
	if thread.Local(interp.WorkerKey) != nil {
		workers = 1
	}
	job := backend.Job{Brains: make([]*sim.Brain, len(brains)), Steps: steps, Ext: ext, Recs: engineRecs, Workers: workers}
	for i, br := range brains {
		job.Brains[i] = br.b
	}
	err = s.Backend.Advance(ctx, job)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: interrupted: %w", fn, ctx.Err())
		}
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	switch {
	case recs == nil:
		return starlark.None, nil
	case single:
		return recs[0], nil
	}
	out := make(starlark.Tuple, len(recs))
	for i, r := range recs {
		out[i] = r
	}
	return out, nil
}

func init() {
	interp.Decl("run", "running", "run(target, *, ms=None, steps=None, stimulus=None, record=None, bin_ms=None, raster=None)",
		`Advances a brain, a batch, or a list of brains by ms milliseconds (or steps steps) in one call, in Go,
with the stimulus on throughout (a stimulus, a list of stimuli applied together, or None), and returns
what it recorded: a recording for a brain, a tuple of recordings (one per brain, in order) otherwise.
record=None starts new recordings (bin_ms= adds time-binned region counts, raster= keeps the individual
spikes of the listed neurons); record=R (or a list for a batch) adds to existing recordings;
record=False records nothing and returns None. Brains of a batch run in lockstep over --workers cores;
a single brain spreads each step over --workers cores (by regions); results are independent of the
worker count. One call runs at most 2,147,483,647 steps (ms= or steps=). Ctrl-C stops a run within
1,000 steps.`, runBuiltin)
}
