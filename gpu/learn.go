package gpu

import (
	"fmt"
	"math"

	"github.com/encephagen/encephagen/engine/eprop"
)

// E-prop on the batch (MODEL.md §4, LIF learners): the batch observes a
// learning brain's steps in its learner's place, with the learner's own
// state (eprop.LIFState: the per-synapse offsets c, the per-neuron a and S
// of the event-driven algorithm) and the very float64 operations of
// eprop's lif.observe and lif.flush, element by element — so the state a
// Store hands back is the one the CPU learner would have reached, bit for
// bit. Snapshots, rewards and statistics stay with the learner on the
// host, between runs.
//
// Per step t, after the neurons of step t: learn_spikes (each spike of t
// lowers its outgoing synapses' offsets by dA[k]·S_post, and raises a),
// learn_psi (S += the pseudo-derivative term of the pre-reset potential,
// which the neuron update leaves in prev); on the K-th step of an epoch
// also learn_flush (c = κ^K·(c + a·S)) and learn_end (a ·= α^K, S = 0).
// k, the step's place in its epoch, is ((t − base) mod K) + 1 with base
// fixed when the learner is loaded, so nothing on the device counts.

// learnWords is the size of one brain's learning record in 64-bit words:
// start offset, synapse offset, K, table offset, base, on, v_th and
// 1/v_th (as float64 bits).
const learnWords = 8

// learnState is the host side of a batch's learning.
type learnState struct {
	// Static, for every brain: the networks' CSR starts (N+1 per brain)
	// and postsynaptic neurons (inside the brain).
	start, post      []uint32
	startOff, synOff []int
	synapses         int
	// Per brain, set by LoadLearners: the learner, its state and the
	// step it was loaded at.
	learners []*eprop.Learner
	states   []eprop.LIFState
	base     []int64
	loaded   []int64
	rec      []uint64  // learnWords per brain
	tab      []float64 // every learning brain's tables
}

func newLearnState(p *plan) *learnState {
	ls := &learnState{
		startOff: make([]int, len(p.nets)), synOff: make([]int, len(p.nets)),
		learners: make([]*eprop.Learner, len(p.nets)), states: make([]eprop.LIFState, len(p.nets)),
		base: make([]int64, len(p.nets)), loaded: make([]int64, len(p.nets)),
		rec: make([]uint64, learnWords*len(p.nets)),
	}
	for b, net := range p.nets {
		ls.startOff[b], ls.synOff[b] = len(ls.start), ls.synapses
		ls.start = append(ls.start, net.Start...)
		ls.post = append(ls.post, net.Post...)
		ls.synapses += len(net.Post)
	}
	return ls
}

// learning says whether any brain learns.
func (ls *learnState) learning() bool {
	if ls == nil {
		return false
	}
	for _, l := range ls.learners {
		if l != nil {
			return true
		}
	}
	return false
}

// epochEnds says whether step t is the K-th of an epoch for any learning
// brain (then learn_flush and learn_end run after it).
func (ls *learnState) epochEnds(t uint64) bool {
	for b, l := range ls.learners {
		if l != nil && epochStep(t, ls.base[b], ls.states[b].K) == ls.states[b].K {
			return true
		}
	}
	return false
}

// epochStep is k of step t for a learner loaded with base.
func epochStep(t uint64, base int64, K int) int {
	return int((int64(t)-base)%int64(K)) + 1
}

// LoadLearners hands the learners of the batch's brains to it: ls[i] is
// brain i's (nil for a brain that does not learn), enabled, LIF, with no
// supervised presentation in progress, and made on the brain's current
// network (call after Load and SetNetwork). From the next Run the batch
// observes their brains' steps; Store gives the learners back.
func (b *Batch) LoadLearners(ls []*eprop.Learner) error {
	if b.closed {
		return ErrClosed
	}
	if len(ls) != b.Len() {
		return fmt.Errorf("gpu: load learners: %d learners for a batch of %d", len(ls), b.Len())
	}
	if b.learn == nil {
		b.learn = newLearnState(b.plan)
		if err := b.exe.learnSetup(b.learn); err != nil {
			return err
		}
	}
	L := b.learn
	L.tab = L.tab[:0]
	for i, l := range ls {
		L.learners[i] = nil
		clear(L.rec[i*learnWords : (i+1)*learnWords])
		if l == nil {
			continue
		}
		st, ok := l.ExternalLIF()
		if !ok {
			return fmt.Errorf("gpu: load learners: brain %d's learner cannot be observed on the batch (ALIF, disabled, or a supervised presentation in progress)", i)
		}
		if len(st.C) != len(b.plan.nets[i].Post) {
			return fmt.Errorf("gpu: load learners: brain %d's learner has %d synapses, its network %d", i, len(st.C), len(b.plan.nets[i].Post))
		}
		L.learners[i], L.states[i] = l, st
		L.base[i] = b.step - int64(st.Epoch)
		L.loaded[i] = b.step
		r := L.rec[i*learnWords:]
		r[0], r[1], r[2] = uint64(L.startOff[i]), uint64(L.synOff[i]), uint64(st.K)
		r[3], r[4], r[5] = uint64(len(L.tab)), uint64(L.base[i]), 1
		r[6], r[7] = math.Float64bits(st.Vth), math.Float64bits(st.InvVth)
		L.tab = append(L.tab, st.DA...)
		L.tab = append(L.tab, st.WS...)
		L.tab = append(L.tab, st.Kap...)
		L.tab = append(L.tab, st.Alph...)
		if err := b.exe.learnPut(b.plan.brains[i].NeuronOff, L.synOff[i], st); err != nil {
			return err
		}
	}
	return b.exe.learnRecords(L.rec, L.tab)
}

// storeLearners gives the learners back (Store): their arrays take the
// batch's, and they count the steps the batch observed.
func (b *Batch) storeLearners() error {
	L := b.learn
	if !L.learning() {
		return nil
	}
	for i, l := range L.learners {
		if l == nil {
			continue
		}
		st := L.states[i]
		if err := b.exe.learnGet(b.plan.brains[i].NeuronOff, L.synOff[i], st); err != nil {
			return err
		}
		l.ObservedExternally(b.step-L.loaded[i], epochStep(uint64(b.step), L.base[i], st.K)-1)
		L.learners[i] = nil
		clear(L.rec[i*learnWords : (i+1)*learnWords])
	}
	return b.exe.learnRecords(L.rec, L.tab)
}

// runFlags adds runLearn for the brains that learn.
func (ls *learnState) runFlags(flags []uint32) {
	if ls == nil {
		return
	}
	for i, l := range ls.learners {
		if l != nil {
			flags[i] |= runLearn
		}
	}
}
