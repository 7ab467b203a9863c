package sim

import (
	"fmt"
	"math/bits"

	"github.com/encephagen/encephagen/engine/rng"
)

// State is a brain's state variables at a step boundary (MODEL.md §3).
type State struct {
	V, ISyn, INMDA, Refrac []float32
	A                      []float32 // nil without ALIF
}

// Handing a brain between backends. At a step boundary a brain is wholly
// described by its step, its state variables and the spikes of its last
// MaxDelay steps (whose input may still be in flight); the background
// noise is a function of the step. Another backend (gpu/) takes a brain
// over from these and gives it back through Restore.

// State returns a copy of the brain's state variables.
func (b *Brain) State() State {
	c := func(x []float32) []float32 { return append([]float32(nil), x...) }
	st := State{V: c(b.V), ISyn: c(b.ISyn), INMDA: c(b.INMDA), Refrac: c(b.Refrac)}
	if b.A != nil {
		st.A = c(b.A)
	}
	return st
}

// Emitted returns the neurons that spiked at step s, ascending. It knows
// the last MaxDelay steps, [Step()−MaxDelay, Step()), and returns nil for
// any other step (and always without delays, when no input is in flight
// between steps).
func (b *Brain) Emitted(s int64) []int32 {
	D := int64(b.Net.MaxDelay)
	if b.emitted == nil || s < b.step-D || s >= b.step || s < 0 {
		return nil
	}
	row := b.emitted[int(s%D)*b.words:][:b.words]
	var out []int32
	for w, x := range row {
		for x != 0 {
			bit := x & -x
			out = append(out, int32(w*64+bits.TrailingZeros64(bit)))
			x ^= bit
		}
	}
	return out
}

// Restore puts the brain at step step with state st (copied) and the
// spikes emitted(s) of steps s in [step−MaxDelay, step), each ascending.
// The input still in flight is rebuilt from those spikes by the same
// additions, in the same order, as the steps that emitted them made, so a
// brain restored from another backend's exact state continues exactly as
// if it had never left. Learning state (Plastic) is not part of it.
func (b *Brain) Restore(step int64, st State, emitted func(s int64) []int32) error {
	net := b.Net
	N := net.N
	if step < 0 {
		return fmt.Errorf("restore: step %d < 0", step)
	}
	for _, x := range []struct {
		name string
		v    []float32
	}{{"V", st.V}, {"ISyn", st.ISyn}, {"INMDA", st.INMDA}, {"Refrac", st.Refrac}} {
		if len(x.v) != N {
			return fmt.Errorf("restore: %s has %d values for %d neurons", x.name, len(x.v), N)
		}
	}
	if (b.A != nil) != (st.A != nil) || (b.A != nil && len(st.A) != N) {
		return fmt.Errorf("restore: A has %d values; the brain (ALIF %v) needs %d", len(st.A), b.A != nil, len(b.A))
	}
	copy(b.V, st.V)
	copy(b.ISyn, st.ISyn)
	copy(b.INMDA, st.INMDA)
	copy(b.Refrac, st.Refrac)
	copy(b.A, st.A)
	b.step = step
	b.pending = -1
	draws := uint64((net.NPR + 1) / 2)
	for r := range b.bg {
		b.bg[r] = rng.New(b.NoiseSeed, StreamBackground, uint64(r))
		b.bg[r].Skip(uint64(step) * draws)
	}
	clear(b.emitted)
	D := int64(net.MaxDelay)
	for s := max(0, step-D); s < step; s++ {
		row := b.emitted[int(s%D)*b.words:][:b.words]
		for _, i := range emitted(s) {
			if i < 0 || int(i) >= N {
				return fmt.Errorf("restore: step %d: neuron %d out of range [0, %d)", s, i, N)
			}
			row[i>>6] |= 1 << (i & 63)
		}
	}
	b.rebuildInFlight()
	return nil
}

// WeightsChanged tells the brain that its network's weights changed (a
// reward): input already in flight — spikes emitted up to MaxDelay steps
// ago, not yet delivered — is recomputed with the new weights, since
// MODEL.md §3.8 weighs a spike when it arrives (I_j = Σ W·z from d steps
// ago, W as it is then), as the oracle and the GPU backend do. Without
// delays nothing is in flight between steps and this does nothing.
func (b *Brain) WeightsChanged() {
	b.weightGen++
	if b.emitted != nil {
		b.flush()
		b.rebuildInFlight()
	}
}

// WeightGen counts the WeightsChanged calls: a backend holding a copy of
// the weights compares it with the count when it took them.
func (b *Brain) WeightGen() uint64 { return b.weightGen }

// rebuildInFlight recomputes the ring of future input from the spikes of
// the last MaxDelay steps (b.emitted) with the current weights: point 8 of
// each of those steps, in order, keeping only input due from b.step on —
// the same additions in the same order as the steps made.
func (b *Brain) rebuildInFlight() {
	clear(b.ring)
	b.pending = -1
	if b.emitted == nil {
		return
	}
	net, N, step := b.Net, b.Net.N, b.step
	D := int64(net.MaxDelay)
	for s := max(0, step-D); s < step; s++ {
		slot := int(s % int64(b.slots))
		row := b.emitted[int(s%D)*b.words:][:b.words]
		for w, x := range row {
			for x != 0 {
				bit := x & -x
				x ^= bit
				pre := w*64 + bits.TrailingZeros64(bit)
				lo, hi := net.Start[pre], net.Start[pre+1]
				ws, ds := net.W[lo:hi], net.Delay[lo:hi]
				for j, post := range net.Post[lo:hi] {
					d := int64(ds[j])
					if s+d < step {
						continue
					}
					at := slot + int(d)
					if at >= b.slots {
						at -= b.slots
					}
					b.ring[at*N+int(post)] += ws[j]
				}
			}
		}
	}
}
