package gpu

import (
	"errors"
	"fmt"
	"math/bits"
	"reflect"
	"slices"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/parallel"
	"github.com/encephagen/encephagen/engine/sim"
)

// Handing brains between the CPU engine and a batch, at step boundaries:
// Load takes over sim.Brains (their step, state and the spikes of their
// last MaxDelay steps, whose input is still in flight), Store gives them
// back through sim.Brain.Restore. Both move the whole batch at once: its
// brains share one step counter. A brain that goes through Load, Run and
// Store ends exactly where the CPU engine would have brought it.

// checkBrains says whether brains are the batch's brains, in order.
func (b *Batch) checkBrains(op string, brains []*sim.Brain) error {
	if b.closed {
		return ErrClosed
	}
	if len(brains) != b.Len() {
		return fmt.Errorf("gpu: %s: %d brains for a batch of %d", op, len(brains), b.Len())
	}
	for i, br := range brains {
		if br.Net != b.plan.nets[i] {
			return fmt.Errorf("gpu: %s: brain %d has another network than the batch's", op, i)
		}
		if br.NoiseSeed != b.seeds[i] {
			return fmt.Errorf("gpu: %s: brain %d has noise seed %d, the batch %d", op, i, br.NoiseSeed, b.seeds[i])
		}
	}
	return nil
}

// Load sets every brain of the batch to the state of brains[i] (which
// must be built on the batch's networks, with its noise seeds, and all be
// at the same step). The batch continues from that step.
func (b *Batch) Load(brains []*sim.Brain) error {
	if err := b.checkBrains("load", brains); err != nil {
		return err
	}
	step := brains[0].Step()
	for i, br := range brains {
		if br.Step() != step {
			return fmt.Errorf("gpu: load: brain %d is at step %d, brain 0 at %d; a batch shares one step", i, br.Step(), step)
		}
	}
	p := b.plan
	H := int64(p.H)
	hist := make([]uint32, p.H*p.TW)
	stamps := make([]uint64, p.H*p.TR)
	for i, br := range brains {
		B := &p.brains[i]
		npr := int32(B.NPR)
		for s := max(0, step-int64(br.Net.MaxDelay)); s < step; s++ {
			slot := int(s % H)
			for _, n := range br.Emitted(s) {
				r, k := n/npr, n%npr
				hist[slot*p.TW+int(B.WordOff)+int(r)*int(B.Words)+int(k>>5)] |= 1 << (k & 31)
				stamps[slot*p.TR+int(B.RegionOff)+int(r)] = uint64(s) + 1
			}
		}
		if err := b.exe.setState(int(B.NeuronOff), br.State()); err != nil {
			return err
		}
	}
	if err := b.exe.setHistory(hist, stamps); err != nil {
		return err
	}
	b.step = step
	if b.learn != nil { // the learners (if any) stay with the host: LoadLearners again
		b.learn.detach()
		if err := b.exe.learnRecords(b.learn); err != nil {
			return err
		}
	}
	return nil
}

// Store sets every brains[i] to the state of the batch's brain i (built on
// the batch's networks, with its noise seeds), at the batch's step, and
// gives back the learners LoadLearners handed over, with their state.
func (b *Batch) Store(brains []*sim.Brain) error {
	if err := b.checkBrains("store", brains); err != nil {
		return err
	}
	if err := b.storeLearners(); err != nil {
		return err
	}
	p := b.plan
	hist, _, err := b.exe.history()
	if err != nil {
		return err
	}
	states := make([]State, len(brains))
	for i := range brains {
		if states[i], err = b.State(i); err != nil {
			return err
		}
	}
	// The brains rebuild their input in flight from the history on the
	// host's cores, side by side (with delays it is most of the cost).
	H := int64(p.H)
	errs := make([]error, len(brains))
	parallel.For(len(brains), 0, func(i int) {
		br, B := brains[i], &p.brains[i]
		npr := int32(B.NPR)
		emitted := func(s int64) []int32 {
			var out []int32
			row := hist[int(s%H)*p.TW+int(B.WordOff):]
			for r := int32(0); r < int32(br.Net.Regions); r++ {
				words := row[int(r)*int(B.Words):][:B.Words]
				for w, x := range words {
					for x != 0 {
						out = append(out, r*npr+int32(w*32+bits.TrailingZeros32(x)))
						x &= x - 1
					}
				}
			}
			return out
		}
		if err := br.Restore(b.step, states[i], emitted); err != nil {
			errs[i] = fmt.Errorf("gpu: store brain %d: %w", i, err)
		}
	})
	return errors.Join(errs...)
}

// SetNetwork makes net brain i's network: a network with the same synapses
// (the very arrays of the current one: Start, Post, Delay, NMDA) and
// parameters, whose weights may differ — as e-prop leaves them, in place
// or in a private copy (eprop.PrivateWeights). Only the weights travel to
// the device.
func (b *Batch) SetNetwork(i int, net *network.Network) error {
	return b.SetNetworks(map[int]*network.Network{i: net})
}

// SetNetworks is SetNetwork for several brains (brain index → network),
// their weights laid out on the host's cores side by side.
func (b *Batch) SetNetworks(nets map[int]*network.Network) error {
	if b.closed {
		return ErrClosed
	}
	p := b.plan
	idx := make([]int, 0, len(nets))
	for i, net := range nets {
		if i < 0 || i >= b.Len() {
			return fmt.Errorf("gpu: brain %d out of range [0, %d)", i, b.Len())
		}
		if !sameSynapses(p.nets[i], net) {
			return fmt.Errorf("gpu: brain %d: the new network's synapses or parameters differ from the batch's (only weights may change)", i)
		}
		idx = append(idx, i)
	}
	slices.Sort(idx)
	span := func(i int) (lo, hi int) {
		lo, hi = p.entryOff[i], p.entries
		if i+1 < b.Len() {
			hi = p.entryOff[i+1]
		}
		return lo, hi
	}
	parallel.For(len(idx), 0, func(k int) {
		i := idx[k]
		lo, hi := span(i)
		eW, W := p.eW[lo:hi], nets[i].W
		for s, e := range p.entryOf[i] {
			eW[e] = W[s]
		}
	})
	for _, i := range idx {
		lo, hi := span(i)
		if err := b.exe.setWeights(lo, hi); err != nil {
			return err
		}
		p.nets[i] = nets[i]
	}
	return nil
}

// sameSynapses says whether b has a's synapses and parameters (the same
// arrays), whatever its weights.
func sameSynapses(a, b *network.Network) bool {
	return a.N == b.N && a.NPR == b.NPR && a.MaxDelay == b.MaxDelay && len(a.W) == len(b.W) &&
		sameArray(a.Start, b.Start) && sameArray(a.Post, b.Post) && sameArray(a.Delay, b.Delay) &&
		sameArray(a.NMDA, b.NMDA) && reflect.DeepEqual(a.Params, b.Params)
}

// sameArray says whether x and y are the same array (not equal contents).
func sameArray[T any](x, y []T) bool {
	return len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
}
