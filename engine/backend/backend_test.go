package backend_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

func brains(t *testing.T, n int) []*sim.Brain {
	t.Helper()
	p := network.Defaults()
	p.NeuronsPerRegion = 20
	net, err := network.Build(enginetest.Synthetic(3), p)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*sim.Brain, n)
	for i := range out {
		out[i] = sim.NewBrain(net, uint64(i+1))
	}
	return out
}

func input(b *sim.Brain) []float32 {
	ext := make([]float32, b.Net.N)
	for i := range ext[:b.Net.NPR*2] {
		ext[i] = 9
	}
	return ext
}

// TestCPUIsTheEngine: the CPU backend advances a brain (step spread over
// workers) and a batch exactly as the engine does directly, and is
// registered as "cpu".
func TestCPUIsTheEngine(t *testing.T) {
	be, err := backend.Open("cpu", backend.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	ctx := context.Background()
	want, got := brains(t, 3), brains(t, 3)
	ext := [][]float32{input(want[0]), nil, input(want[0])}
	recW, recG := make([]*sim.Recorder, 3), make([]*sim.Recorder, 3)
	for i := range want {
		recW[i], recG[i] = &sim.Recorder{BinSteps: 10}, &sim.Recorder{BinSteps: 10}
		if err := want[i].Run(ctx, 300, ext[i], recW[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Brain 0 alone on 2 workers, then brains 1 and 2 as a batch.
	if err := be.Advance(ctx, backend.Job{Brains: got[:1], Steps: 300, Ext: ext[:1], Recs: recG[:1], Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if err := be.Advance(ctx, backend.Job{Brains: got[1:], Steps: 300, Ext: ext[1:], Recs: recG[1:], Workers: 2}); err != nil {
		t.Fatal(err)
	}
	total := 0
	for i := range want {
		if be.Step(got[i]) != 300 {
			t.Errorf("brain %d at step %d, want 300", i, be.Step(got[i]))
		}
		if !slices.Equal(recW[i].Counts, recG[i].Counts) || !slices.EqualFunc(recW[i].Bins, recG[i].Bins, slices.Equal[[]uint32]) {
			t.Errorf("brain %d: recordings differ from the engine's", i)
		}
		ws, gs := want[i].State(), got[i].State()
		for k := range ws.V {
			if math.Float32bits(ws.V[k]) != math.Float32bits(gs.V[k]) {
				t.Fatalf("brain %d: V[%d] differs", i, k)
			}
		}
		for _, c := range recG[i].Counts {
			total += int(c)
		}
	}
	if total == 0 {
		t.Fatal("no spikes: the comparison says nothing")
	}
}

func TestJobCheck(t *testing.T) {
	bs := brains(t, 2)
	for _, c := range []struct {
		job  backend.Job
		want string
	}{
		{backend.Job{Brains: bs, Ext: make([][]float32, 1)}, "1 inputs for 2 brains"},
		{backend.Job{Brains: bs, Recs: make([]*sim.Recorder, 3)}, "3 recorders for 2 brains"},
		{backend.Job{Brains: []*sim.Brain{bs[0], bs[0]}}, "brain 1 is in the job twice"},
		{backend.Job{Brains: bs, Steps: -1}, "-1 steps"},
	} {
		err := backend.CPU{}.Advance(context.Background(), c.job)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

func TestRegistry(t *testing.T) {
	if _, err := backend.Open("no-such", backend.Config{}); err == nil || !strings.Contains(err.Error(), `"no-such" is not in this build`) {
		t.Errorf("open of an unknown backend: %v", err)
	}
	if !slices.Contains(backend.Names(), "cpu") {
		t.Errorf("names %v lack cpu", backend.Names())
	}
	defer func() {
		if recover() == nil {
			t.Error("registering cpu twice did not panic")
		}
	}()
	backend.Register("cpu", backend.Factory{})
}
