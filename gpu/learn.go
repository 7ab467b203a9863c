package gpu

import (
	"fmt"
	"math"

	"github.com/encephagen/encephagen/engine/eprop"
)

// E-prop on the batch (MODEL.md §4): the batch observes a learning
// brain's steps in its learner's place, with the learner's own state
// (eprop.Handover, the learner's HandOut: the per-synapse offsets c, the
// per-neuron a and S of the event-driven algorithm) and the very float64
// operations of eprop's lif.observe and lif.flush, element by element —
// so the state a Store hands back (HandBack) is the one the CPU learner
// would have reached, bit for bit. Snapshots, rewards and statistics stay
// with the learner on the host, between runs.
//
// Per step t, after the neurons of step t: learn_spikes (each spike of t
// lowers its outgoing synapses' offsets by dA[k]·S_post, and raises a),
// learn_psi (S += the pseudo-derivative term of the pre-reset potential,
// which the neuron update leaves in prev); on the K-th step of an epoch
// also learn_flush (c = κ^K·(c + a·S)) and learn_end (a ·= α^K, S = 0).
// k, the step's place in its epoch, is ((t − base) mod K) + 1 with base
// fixed when the learner is loaded, so nothing on the device counts.
//
// ALIF learners (eprop's alif: blocks and a backward sweep) likewise:
// alif_observe per step (ψ into the block's history, the step's map into
// Φ, the step's spike words kept); at the end of a block, alif_pass (every
// synapse through Φ of its target), alif_identity, then for m = B … 1
// alif_sweep_spikes(m) and alif_sweep_neurons(m) (the backward sweep, one
// step at a time), and alif_zeta (z̄ to the block's end, Φ back to the
// identity).

// The learning records (learnRecord, alifRecord) are generated from the
// kernel interface table: abi_gen.go.

// learnBuf names a learning array on the device.
type learnBuf int

const (
	bufC    learnBuf = iota // LIF offsets c (float32 per synapse)
	bufA                    // LIF a (float64 per neuron)
	bufS                    // LIF S (float64 per neuron)
	bufEps                  // ALIF ε at the block start (float32 per synapse)
	bufE                    // ALIF e at the block start (float32 per synapse)
	bufZeta                 // ALIF z̄ at the block start (float64 per neuron)
	bufFEZ                  // ALIF Φ, then the sweep's Λ (float64 per neuron) …
	bufFEE
	bufFPZ
	bufFPE
	bufHist // ALIF ψ of the block's steps (float32; B×N per learning brain)
	bufSpk  // ALIF spike words of the block's steps (uint32; B×words per learning brain)
	numLearnBufs
)

// learnState is the host side of a batch's learning.
type learnState struct {
	// Static, for every brain: the networks' CSR starts (N+1 per brain)
	// and postsynaptic neurons (inside the brain).
	start, post      []uint32
	startOff, synOff []int
	synapses         int
	// Per brain, set by LoadLearners: the learner (LIF or ALIF), its
	// state, the base of its epoch or block count and the step it was
	// loaded at.
	learners []*eprop.Learner
	isALIF   []bool
	hand     []*eprop.Handover // the learners' state, handed out
	base     []int64
	loaded   []int64
	rec      []learnRecord // per brain (LIF)
	arec     []alifRecord  // per brain (ALIF)
	tab      []float64     // every learning brain's tables
	// ALIF: each learning brain's share of the history and spike words,
	// their totals, and the block length (one for the batch).
	histOff, spkOff []int
	histLen, spkLen int
	blockB          int
}

func newLearnState(p *plan) *learnState {
	n := len(p.nets)
	ls := &learnState{
		startOff: make([]int, n), synOff: make([]int, n),
		learners: make([]*eprop.Learner, n), isALIF: make([]bool, n),
		hand: make([]*eprop.Handover, n),
		base: make([]int64, n), loaded: make([]int64, n),
		rec: make([]learnRecord, n), arec: make([]alifRecord, n),
		histOff: make([]int, n), spkOff: make([]int, n),
	}
	for b, net := range p.nets {
		ls.startOff[b], ls.synOff[b] = len(ls.start), ls.synapses
		ls.start = append(ls.start, net.Start...)
		ls.post = append(ls.post, net.Post...)
		ls.synapses += len(net.Post)
	}
	return ls
}

// detach forgets every learner (their state stays where it is).
func (ls *learnState) detach() {
	clear(ls.learners)
	clear(ls.hand)
	clear(ls.rec)
	clear(ls.arec)
	ls.tab = ls.tab[:0]
	ls.histLen, ls.spkLen, ls.blockB = 0, 0, 0
}

// alifLearning says whether any brain learns with ALIF.
func (ls *learnState) alifLearning() bool {
	if ls == nil {
		return false
	}
	for i, l := range ls.learners {
		if l != nil && ls.isALIF[i] {
			return true
		}
	}
	return false
}

// blockEnds says whether step t is the last of a block for the ALIF
// learners (then the block's flush runs after it).
func (ls *learnState) blockEnds(t uint64) bool {
	for b, l := range ls.learners {
		if l != nil && ls.isALIF[b] && epochStep(t, ls.base[b], ls.blockB) == ls.blockB {
			return true
		}
	}
	return false
}

// learning says whether any brain learns with LIF.
func (ls *learnState) learning() bool {
	if ls == nil {
		return false
	}
	for i, l := range ls.learners {
		if l != nil && !ls.isALIF[i] {
			return true
		}
	}
	return false
}

// epochEnds says whether step t is the K-th of an epoch for any learning
// brain (then learn_flush and learn_end run after it).
func (ls *learnState) epochEnds(t uint64) bool {
	for b, l := range ls.learners {
		if l != nil && !ls.isALIF[b] && epochStep(t, ls.base[b], ls.hand[b].Len) == ls.hand[b].Len {
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
// brain i's (nil for a brain that does not learn), enabled, with no
// supervision (eprop's CanHandOut), made on the brain's
// current network (call after Load and SetNetwork); ALIF learners of one
// batch share their block length. From the next Run the batch observes
// their brains' steps; Store gives the learners back.
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
	L.detach()
	// Records and offsets first (they size the buffers), then the arrays.
	for i, l := range ls {
		if l == nil {
			continue
		}
		net, br := b.plan.nets[i], &b.plan.brains[i]
		st, err := l.HandOut()
		if err != nil {
			return fmt.Errorf("gpu: load learners: brain %d's learner cannot be observed on the batch: %w", i, err)
		}
		if !st.ALIF {
			if len(st.C) != len(net.Post) {
				return fmt.Errorf("gpu: load learners: brain %d's learner has %d synapses, its network %d", i, len(st.C), len(net.Post))
			}
			L.learners[i], L.isALIF[i], L.hand[i] = l, false, st
			L.base[i], L.loaded[i] = b.step-int64(st.Pos), b.step
			L.rec[i] = learnRecord{
				StartOff: uint64(L.startOff[i]), SynOff: uint64(L.synOff[i]), K: uint64(st.Len),
				TabOff: uint64(len(L.tab)), Base: uint64(L.base[i]), On: 1,
				VthBits: math.Float64bits(st.Vth), InvVthBits: math.Float64bits(st.InvVth),
			}
			L.tab = append(L.tab, st.DA...)
			L.tab = append(L.tab, st.WS...)
			L.tab = append(L.tab, st.Kap...)
			L.tab = append(L.tab, st.Alph...)
			continue
		}
		if len(st.E) != len(net.Post) {
			return fmt.Errorf("gpu: load learners: brain %d's learner has %d synapses, its network %d", i, len(st.E), len(net.Post))
		}
		if L.blockB != 0 && st.Len != L.blockB {
			return fmt.Errorf("gpu: load learners: ALIF learners with blocks of %d and %d steps in one batch", L.blockB, st.Len)
		}
		L.blockB = st.Len
		L.learners[i], L.isALIF[i], L.hand[i] = l, true, st
		L.base[i], L.loaded[i] = b.step-int64(st.Pos), b.step
		wb := net.Regions * int(br.Words)
		L.histOff[i], L.spkOff[i] = L.histLen, L.spkLen
		L.histLen += st.Len * net.N
		L.spkLen += st.Len * wb
		L.arec[i] = alifRecord{
			StartOff: uint64(L.startOff[i]), SynOff: uint64(L.synOff[i]), B: uint64(st.Len),
			TabOff: uint64(len(L.tab)), Base: uint64(L.base[i]), On: 1,
			HistOff: uint64(L.histOff[i]), SpkOff: uint64(L.spkOff[i]), WB: uint64(wb),
			Alpha: st.Alpha, Kappa: st.Kappa, Rho: st.Rho, Beta: st.Beta, Gamma: st.Gamma,
			InvVth: st.InvVth, C1: st.C1, CB: st.CB, OMA: 1 - st.Alpha,
			N: uint64(net.N),
		}
		L.tab = append(L.tab, st.Alph...)
		L.tab = append(L.tab, st.Kap...)
	}
	if err := b.exe.learnRecords(L); err != nil {
		return err
	}
	for i, l := range L.learners {
		if l == nil {
			continue
		}
		nOff, sOff := int(b.plan.brains[i].NeuronOff), L.synOff[i]
		st := L.hand[i]
		var moves []learnMove
		if !L.isALIF[i] {
			moves = []learnMove{{bufC, sOff, st.C}, {bufA, nOff, st.A}, {bufS, nOff, st.S}}
		} else {
			moves = []learnMove{{bufEps, sOff, st.Eps}, {bufE, sOff, st.E}, {bufZeta, nOff, st.Zeta},
				{bufFEZ, nOff, st.FEZ}, {bufFEE, nOff, st.FEE}, {bufFPZ, nOff, st.FPZ}, {bufFPE, nOff, st.FPE},
				{bufHist, L.histOff[i], st.Hist},
				{bufSpk, L.spkOff[i], b.spikeWords(i, st.Spikes, st.SpikeOff)}}
		}
		for _, m := range moves {
			if err := b.exe.learnMove(true, m.buf, m.off, m.host); err != nil {
				return err
			}
		}
	}
	return nil
}

// learnMove is one learning array's share of a brain.
type learnMove struct {
	buf  learnBuf
	off  int // first element
	host any // []float32, []float64 or []uint32
}

// spikeWords lays out a block's spikes (by step) as brain i's spike words.
func (b *Batch) spikeWords(i int, spikes, spikeOff []int32) []uint32 {
	net, br := b.plan.nets[i], &b.plan.brains[i]
	wb, npr := net.Regions*int(br.Words), int32(net.NPR)
	out := make([]uint32, (len(spikeOff)-1)*wb)
	for m := 0; m+1 < len(spikeOff); m++ {
		for _, n := range spikes[spikeOff[m]:spikeOff[m+1]] {
			r, k := n/npr, n%npr
			out[m*wb+int(r)*int(br.Words)+int(k>>5)] |= 1 << (k & 31)
		}
	}
	return out
}

// storeLearners gives the learners back (Store): their state takes the
// batch's (HandBack), and they count the steps the batch observed.
func (b *Batch) storeLearners() error {
	L := b.learn
	if L == nil {
		return nil
	}
	for i, l := range L.learners {
		if l == nil {
			continue
		}
		nOff, sOff := int(b.plan.brains[i].NeuronOff), L.synOff[i]
		steps := b.step - L.loaded[i]
		st := L.hand[i]
		// The step's place in its epoch or block: steps observed in it.
		st.Pos = epochStep(uint64(b.step), L.base[i], st.Len) - 1
		if !L.isALIF[i] {
			for _, m := range []learnMove{{bufC, sOff, st.C}, {bufA, nOff, st.A}, {bufS, nOff, st.S}} {
				if err := b.exe.learnMove(false, m.buf, m.off, m.host); err != nil {
					return err
				}
			}
			if err := l.HandBack(st, steps); err != nil {
				return fmt.Errorf("gpu: store: brain %d's learner: %w", i, err)
			}
			continue
		}
		net := b.plan.nets[i]
		n := st.Pos
		wb := net.Regions * int(b.plan.brains[i].Words)
		words := make([]uint32, n*wb)
		st.Hist = make([]float32, n*net.N)
		for _, m := range []learnMove{{bufEps, sOff, st.Eps}, {bufE, sOff, st.E}, {bufZeta, nOff, st.Zeta},
			{bufFEZ, nOff, st.FEZ}, {bufFEE, nOff, st.FEE}, {bufFPZ, nOff, st.FPZ}, {bufFPE, nOff, st.FPE},
			{bufHist, L.histOff[i], st.Hist}, {bufSpk, L.spkOff[i], words}} {
			if err := b.exe.learnMove(false, m.buf, m.off, m.host); err != nil {
				return err
			}
		}
		spikes, spikeOff := []int32{}, []int32{0}
		for m := 0; m < n; m++ {
			for r := 0; r < net.Regions; r++ {
				w := words[m*wb+r*int(b.plan.brains[i].Words):]
				for k := 0; k < net.NPR; k++ {
					if w[k>>5]>>(k&31)&1 != 0 {
						spikes = append(spikes, int32(r*net.NPR+k))
					}
				}
			}
			spikeOff = append(spikeOff, int32(len(spikes)))
		}
		st.Spikes, st.SpikeOff = spikes, spikeOff
		if err := l.HandBack(st, steps); err != nil {
			return fmt.Errorf("gpu: store: brain %d's learner: %w", i, err)
		}
	}
	L.detach()
	return b.exe.learnRecords(L)
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
