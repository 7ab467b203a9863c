package sim_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/oracle"
	"github.com/encephagen/encephagen/engine/sim"
)

// TestRestoreContinuesExactly: a fresh brain restored from another's
// step, state and recent spikes (mid-run, with input in flight) continues
// spike for spike and bit for bit as the original does.
func TestRestoreContinuesExactly(t *testing.T) {
	c := enginetest.Synthetic(3)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			net, err := network.Build(c, params(v, 40))
			if err != nil {
				t.Fatal(err)
			}
			if v.delays && net.MaxDelay < 5 {
				t.Fatalf("max delay %d: the test needs input in flight", net.MaxDelay)
			}
			pat, _ := sim.Patterns(42, 1, 12, net.NPR)
			ext, err := sim.Stimulus{{Regions: []int{0, 1}, Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			orig := sim.NewBrain(net, 7)
			if err := orig.Run(ctx, 1237, ext, nil); err != nil {
				t.Fatal(err)
			}
			copyB := sim.NewBrain(net, 99) // another noise seed: Restore must not depend on it
			copyB.NoiseSeed = 7
			if err := copyB.Restore(orig.Step(), orig.State(), orig.Emitted); err != nil {
				t.Fatal(err)
			}
			inFlight := 0
			for s := orig.Step() - int64(net.MaxDelay); s < orig.Step(); s++ {
				inFlight += len(orig.Emitted(s))
				if fmt.Sprint(orig.Emitted(s)) != fmt.Sprint(copyB.Emitted(s)) {
					t.Fatalf("step %d: emitted spikes differ after Restore", s)
				}
			}
			if v.delays && inFlight == 0 {
				t.Fatal("no spikes in the last MaxDelay steps: the test shows nothing")
			}
			all := make([]int, net.N)
			for i := range all {
				all[i] = i
			}
			ra, rb := &sim.Recorder{Raster: all}, &sim.Recorder{Raster: all}
			for _, phase := range []struct {
				steps int
				in    []float32
			}{{300, ext}, {700, nil}} {
				if err := orig.Run(ctx, phase.steps, phase.in, ra); err != nil {
					t.Fatal(err)
				}
				if err := copyB.Run(ctx, phase.steps, phase.in, rb); err != nil {
					t.Fatal(err)
				}
			}
			if len(ra.Spikes) < 100 || !slices.Equal(ra.Spikes, rb.Spikes) {
				t.Fatalf("spikes after Restore: %d vs %d, or they differ", len(ra.Spikes), len(rb.Spikes))
			}
			a, b := orig.State(), copyB.State()
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatal("state after Restore and 1,000 steps differs")
			}
			t.Logf("%d spikes in flight at the hand-over, %d after it, identical", inFlight, len(ra.Spikes))
		})
	}
}

func TestRestoreRefusesBadState(t *testing.T) {
	net, err := network.Build(enginetest.Synthetic(3), params(variant{delays: true}, 20))
	if err != nil {
		t.Fatal(err)
	}
	b := sim.NewBrain(net, 1)
	st := b.State()
	st.V = st.V[:5]
	if err := b.Restore(10, st, b.Emitted); err == nil {
		t.Error("Restore took a V of the wrong length")
	}
	bad := func(int64) []int32 { return []int32{int32(net.N)} }
	if err := b.Restore(10, b.State(), bad); err == nil {
		t.Error("Restore took a neuron index out of range")
	}
}

// TestWeightChangeReachesInputInFlight: after a weight change mid-run
// (a reward), spikes already in flight arrive with the new weights, as
// MODEL.md §3.8 and the oracle weigh them (the weight when the spike
// arrives), once the brain is told (WeightsChanged).
func TestWeightChangeReachesInputInFlight(t *testing.T) {
	net, err := network.Build(enginetest.Synthetic(3), params(variant{delays: true, nmda: true}, 40))
	if err != nil {
		t.Fatal(err)
	}
	fast := sim.NewBrain(net, 7)
	slow := oracle.New(net, 7)
	pat, _ := sim.Patterns(42, 1, 12, net.NPR)
	ext, err := sim.Stimulus{{Regions: []int{0, 1}, Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for step := 0; step < 1500; step++ {
		if step == 500 || step == 900 {
			for s := range net.W { // both read the same weights
				if s%2 == 0 {
					net.W[s] *= 3
				}
			}
			fast.WeightsChanged()
		}
		in := ext
		if step%400 >= 200 {
			in = nil
		}
		total += stepBoth(t, step, fast, slow, in)
	}
	if total < 300 {
		t.Fatalf("%d spikes: the comparison says little", total)
	}
	t.Logf("%d spikes identical to the oracle's across two weight changes", total)
}
