package script

import (
	"context"
	"sort"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/script/interp"
)

// overheadFixture is a TVB96 brain at the reference size (npr 200), warmed
// up, with a stimulus, and a Starlark function running one phase of it.
type overheadFixture struct {
	brain  *Brain
	stim   *Stimulus
	ext    []float32
	thread *starlark.Thread
	phase  starlark.Callable
}

func newOverheadFixture(t testing.TB) *overheadFixture {
	dataPath(t)
	s, err := interp.NewSession(context.Background(), Options{Script: "bench.star"}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	th := s.NewThread("bench")
	c, err := connectome.LoadNamed("tvb96", connectome.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := network.Defaults()
	p.NMDARegions, _ = c.Group("prefrontal")
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	b := &Brain{b: sim.NewBrain(net, 1), conn: &Connectome{c}, be: backend.CPU{}}
	b.b.Run(context.Background(), 1000, nil, nil)
	pats, _ := sim.Patterns(42, 1, 60, 200)
	st := &Stimulus{inputs: []stimInput{{regions: starlark.String("visual"), pattern: &Pattern{bits: pats[0], k: 60}, mv: 12}}}
	ext, err := denseInput("bench", []*Stimulus{st}, b.conn, net)
	if err != nil {
		t.Fatal(err)
	}
	globals, err := starlark.ExecFileOptions(interp.FileOptions, th, "bench.star",
		"def phase(b, s, n):\n    return run(b, steps = n, stimulus = s)\n", interp.Predeclared())
	if err != nil {
		t.Fatal(err)
	}
	return &overheadFixture{brain: b, stim: st, ext: ext, thread: th, phase: globals["phase"].(starlark.Callable)}
}

// direct runs a phase by calling the engine (input precomputed).
func (f *overheadFixture) direct(steps int) {
	rec := &sim.Recorder{}
	f.brain.b.Run(context.Background(), steps, f.ext, rec)
}

// script runs a phase through the interpreter: a Starlark function calling
// run(), which builds the input and a recording itself.
func (f *overheadFixture) script(t testing.TB, steps int) {
	if _, err := starlark.Call(f.thread, f.phase, starlark.Tuple{f.brain, f.stim, starlark.MakeInt(steps)}, nil); err != nil {
		t.Fatal(err)
	}
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// BenchmarkRunOverhead: the whole cost the script layer adds to a phase
// (the Starlark call, argument checks, building the stimulus vector and
// the recording: a run() of 0 steps), as a percentage of a 1,000-step
// phase on TVB96 at the reference size (target < 1 %; go test -bench
// RunOverhead ./script).
func BenchmarkRunOverhead(b *testing.B) {
	f := newOverheadFixture(b)
	var phases, overheads []time.Duration
	for b.Loop() {
		start := time.Now()
		f.direct(1000)
		phases = append(phases, time.Since(start))
		for i := 0; i < 17; i++ {
			start = time.Now()
			f.script(b, 0)
			overheads = append(overheads, time.Since(start))
		}
	}
	phase, over := median(phases), median(overheads)
	b.ReportMetric(float64(phase.Microseconds()), "µs/phase")
	b.ReportMetric(float64(over.Microseconds()), "µs/run()")
	b.ReportMetric(100*float64(over)/float64(phase), "%overhead")
}

// BenchmarkRunTVB96 compares a 1,000-step phase on TVB96 (npr 200, with a
// pattern stimulus on the visual regions) run through the interpreter with
// the same phase run by calling the engine directly. Two brains on one
// network with the same noise seed follow identical trajectories, one
// driven each way, alternately, so both do exactly the same work; the
// metrics are the time per phase of each and the difference in percent.
func BenchmarkRunTVB96(b *testing.B) {
	f := newOverheadFixture(b)
	twin := &Brain{b: sim.NewBrain(f.brain.b.Net, 1), conn: f.brain.conn, be: backend.CPU{}}
	twin.b.Run(context.Background(), 1000, nil, nil)
	viaScript := &overheadFixture{brain: twin, stim: f.stim, ext: f.ext, thread: f.thread, phase: f.phase}
	var direct, script time.Duration
	for b.Loop() {
		start := time.Now()
		f.direct(1000)
		direct += time.Since(start)
		start = time.Now()
		viaScript.script(b, 1000)
		script += time.Since(start)
	}
	if f.brain.b.Step() != twin.b.Step() {
		b.Fatal("the twins drifted apart")
	}
	n := float64(b.N)
	b.ReportMetric(float64(direct.Nanoseconds())/n, "direct-ns/phase")
	b.ReportMetric(float64(script.Nanoseconds())/n, "script-ns/phase")
	b.ReportMetric(100*(float64(script)-float64(direct))/float64(direct), "overhead-%")
}
