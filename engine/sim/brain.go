// Package sim advances brains in time (MODEL.md §3, §5) and measures them
// (§6). It is the CPU backend: float32 state in flat slices, spikes
// propagated through a ring buffer of future input, no allocation per step.
package sim

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/rng"
	"github.com/encephagen/encephagen/engine/simd"
)

// Stream tags: each brain draws its initial potentials and its background
// input from per-region streams derived from (noise seed, tag, region), so a
// region's randomness never depends on the order in which work is done.
const (
	StreamInit       = 1
	StreamBackground = 2
)

// Plasticity observes every step at point 5 of MODEL.md §3, after spikes
// are known and before the reset. preV is the pre-reset potential of every
// neuron; theta is the threshold of every neuron (nil when it is the
// constant v_th); spikes lists the neurons that fired, ascending.
type Plasticity interface {
	Observe(step int64, preV, theta []float32, spikes []int32)
}

// Brain is one simulated brain: a network and its dynamic state.
type Brain struct {
	Net       *network.Network
	NoiseSeed uint64

	V, ISyn, INMDA, Refrac []float32
	A                      []float32 // ALIF adaptation, nil without ALIF

	// Plastic, when set, is called every step (see Plasticity).
	Plastic Plasticity
	// Progress, when set, is told the number of steps done after every
	// chunk of a run (at most 1,000 steps), for progress reports. It is
	// called from the goroutine running the brain.
	Progress func(steps int)
	// Workers > 1 spreads each step of Run over that many cores, in
	// whole regions (at most one core per region); the results are bit
	// for bit those of one core. 0 or 1: one core.
	Workers int

	step    int64
	ring    []float32 // (MaxDelay+1) slots × N future synaptic input
	slots   int
	bg      []rng.Stream // per region
	poisson rng.Poisson
	spikes  []int32
	pending int // ring slot whose input point 9 has yet to take, or -1
	preV    []float32
	theta   []float32
	counts  []int32 // the background counts of one region (scratch of the one-core loop)
	// emitted holds the spikes of the last MaxDelay steps, one bit per
	// neuron, row (step mod MaxDelay): the spikes whose input may still be
	// in flight, for Emitted and another backend taking the brain over.
	// nil without delays.
	emitted []uint64
	words   int // words per emitted row

	weightGen uint64 // WeightsChanged calls (WeightGen)

	split     *split           // the synapses by worker (runParallel)
	nmdaOf    *network.Network // the network nmdaKinds describes
	nmdaKinds []uint8          // per region: nmdaNone, nmdaAll or nmdaMixed
	// stimulated[r]: the external input of this run has a value other
	// than ±0 in region r (stimulus); regions without are stepped as if
	// there were no input (adding ±0 changes nothing: see region).
	stimulated []bool

	k Constants
}

// Constants are a step's parameters in the precision of the state. Every
// backend takes exactly these float32 values, so that backends agree spike
// for spike.
type Constants struct {
	JEff, DtOverTau, VTh, VReset, TRef, Dt float32
	DecaySyn, DecayNMDA, NMDARatio         float32
	Beta, Rho                              float32 // ALIF
}

// StepConstants converts the parameters the step uses.
func StepConstants(p *network.Params) Constants {
	return Constants{
		JEff:      float32(p.JEff()),
		DtOverTau: float32(p.DtMs / p.TauMMs),
		VTh:       float32(p.VThMV),
		VReset:    float32(p.VResetMV),
		TRef:      float32(p.TRefMs),
		Dt:        float32(p.DtMs),
		DecaySyn:  float32(math.Exp(-p.DtMs / p.TauSynMs)),
		DecayNMDA: float32(math.Exp(-p.DtMs / p.TauNMDAMs)),
		NMDARatio: float32(p.NMDARatio),
		Beta:      float32(p.BetaALIF),
		Rho:       float32(math.Exp(-p.DtMs / p.TauAMs)),
	}
}

// NewBrain sets up the state of a brain on a built network: v ~ U(0, v_th),
// everything else 0 (MODEL.md §3).
func NewBrain(net *network.Network, noiseSeed uint64) *Brain {
	p := &net.Params
	b := &Brain{
		Net: net, NoiseSeed: noiseSeed,
		V: make([]float32, net.N), ISyn: make([]float32, net.N),
		INMDA: make([]float32, net.N), Refrac: make([]float32, net.N),
		slots:   net.MaxDelay + 1,
		bg:      make([]rng.Stream, net.Regions),
		poisson: rng.NewPoisson(p.Lambda()),
		spikes:  make([]int32, 0, net.N),
		pending: -1,

		k: StepConstants(p),
	}
	b.ring = make([]float32, b.slots*net.N)
	if net.MaxDelay > 0 {
		b.words = (net.N + 63) / 64
		b.emitted = make([]uint64, net.MaxDelay*b.words)
	}
	if p.ALIF {
		b.A = make([]float32, net.N)
	}
	for r := 0; r < net.Regions; r++ {
		init := rng.New(noiseSeed, StreamInit, uint64(r))
		for k := 0; k < net.NPR; k++ {
			b.V[r*net.NPR+k] = init.Float32() * b.k.VTh
		}
		b.bg[r] = rng.New(noiseSeed, StreamBackground, uint64(r))
	}
	return b
}

// Step is the number of steps simulated so far.
func (b *Brain) Step() int64 { return b.step }

// Bytes is the memory held by the brain's own state (not the network).
func (b *Brain) Bytes() int64 {
	n := int64(b.Net.N)
	per := int64(4 * 4)
	if b.A != nil {
		per += 4
	}
	by := n*per + int64(len(b.ring))*4 + int64(cap(b.spikes))*4 + int64(cap(b.preV)+cap(b.theta)+cap(b.counts))*4 + int64(len(b.emitted))*8
	if sp := b.split; sp != nil {
		by += int64(cap(sp.runs)+len(sp.first)) * 4
	}
	return by
}

// Run advances the brain by steps steps. ext, when not nil, is the external
// input in mV per neuron applied every step (MODEL.md §3 point 2). rec, when
// not nil, records spikes. Run checks ctx every 1,000 steps and returns
// ctx.Err() with the brain left at a consistent step boundary.
func (b *Brain) Run(ctx context.Context, steps int, ext []float32, rec *Recorder) error {
	if ext != nil && len(ext) != b.Net.N {
		return fmt.Errorf("external input has %d values for %d neurons", len(ext), b.Net.N)
	}
	if rec != nil {
		if err := rec.Begin(b.Net); err != nil {
			return err
		}
	}
	b.markStimulus(ext)
	if b.Workers > 1 && b.Net.Regions > 1 && steps > 1 {
		return b.runParallel(ctx, steps, b.Workers, ext, rec)
	}
	return b.runSerial(ctx, steps, ext, rec)
}

// markStimulus works out stimulated for the external input of a run.
func (b *Brain) markStimulus(ext []float32) {
	if ext == nil {
		return
	}
	net := b.Net
	b.stimulated = slices.Grow(b.stimulated[:0], net.Regions)[:net.Regions]
	for r := range net.Regions {
		on := false
		for _, x := range ext[r*net.NPR : (r+1)*net.NPR] {
			on = on || math.Float32bits(x)<<1 != 0
		}
		b.stimulated[r] = on
	}
}

// runSerial is Run's loop on one core.
func (b *Brain) runSerial(ctx context.Context, steps int, ext []float32, rec *Recorder) error {
	const chunk = 1000
	for done := 0; done < steps; {
		if err := ctx.Err(); err != nil {
			b.flush()
			return err
		}
		n := min(chunk, steps-done)
		for i := 0; i < n; i++ {
			b.advance(ext, rec)
		}
		done += n
		if b.Progress != nil {
			b.Progress(n)
		}
	}
	b.flush()
	return nil
}

// advance performs one step in the order of MODEL.md §3. Point 9 of a
// step (currents decay and take the step's input) is carried out at the
// start of the next step's neuron loop, which saves a pass over memory;
// flush applies it when a run ends, so between runs the state is exactly
// that of the specification.
func (b *Brain) advance(ext []float32, rec *Recorder) {
	net := b.Net
	b.prepare()
	pending := b.pendingSlot()
	spikes := b.spikes[:0]
	for r := 0; r < net.Regions; r++ {
		spikes = b.region(r, ext, pending, spikes, b.counts)
	}
	b.spikes = spikes
	if b.Plastic != nil {
		b.Plastic.Observe(b.step, b.preV, b.theta, spikes)
	}
	// 8. spikes into the ring of future input, slot (t + d) mod slots.
	slot := int(b.step % int64(b.slots))
	b.scatter(slot, spikes)
	b.finish(slot, rec)
}

// prepare sizes the buffers the plasticity hook reads and works out
// what the regions' loops read of the network.
func (b *Brain) prepare() {
	b.kinds()
	N := b.Net.N
	if len(b.counts) != b.Net.NPR {
		b.counts = make([]int32, b.Net.NPR)
	}
	if b.Plastic != nil {
		if len(b.preV) != N {
			b.preV = make([]float32, N)
		}
		if b.A != nil && len(b.theta) != N {
			b.theta = make([]float32, N)
		}
	}
}

// pendingSlot is the ring slot holding the previous step's input that
// point 9 has yet to take, or nil.
func (b *Brain) pendingSlot() []float32 {
	if b.pending < 0 {
		return nil
	}
	N := b.Net.N
	return b.ring[b.pending*N : b.pending*N+N]
}

// finish records the step's spikes (emitted rows, recorder) and moves on.
func (b *Brain) finish(slot int, rec *Recorder) {
	spikes := b.spikes
	b.pending = slot
	if b.emitted != nil {
		row := b.emitted[int(b.step%int64(b.Net.MaxDelay))*b.words:][:b.words]
		clear(row)
		for _, i := range spikes {
			row[i>>6] |= 1 << (i & 63)
		}
	}
	if rec != nil {
		rec.observe(spikes)
	}
	b.step++
}

// region carries out points 9 (of the previous step, when pending is not
// nil) and 1–7 for the neurons of region r, appending its spikes. Each
// region draws from its own stream, so regions may run on different
// cores. counts is scratch for the region's background counts, NPR long,
// not shared with a concurrent call.
func (b *Brain) region(r int, ext, pending []float32, spikes, counts []int32) []int32 {
	net := b.Net
	npr := net.NPR
	lo, hi := r*npr, r*npr+npr
	V, ISyn, INMDA, Refrac := b.V[lo:hi], b.ISyn[lo:hi], b.INMDA[lo:hi], b.Refrac[lo:hi]
	nmda := net.NMDA[lo:hi]
	if pending != nil {
		pending = pending[lo:hi]
	}
	if ext != nil {
		ext = ext[lo:hi]
		// A region the stimulus leaves at ±0 is stepped without it: after
		// point 1 i_syn is never −0 (its last operation adds c·j_eff, +0
		// or more, when j_eff ≥ +0), and adding ±0 to anything but −0
		// leaves it as it was, bit for bit.
		if !b.stimulated[r] && math.Float32bits(b.k.JEff)>>31 == 0 {
			ext = nil
		}
	}
	var A, preV, thetas []float32
	alif := b.A != nil
	plastic := b.Plastic != nil
	if alif {
		A = b.A[lo:hi]
	}
	if plastic {
		preV = b.preV[lo:hi]
		if alif {
			thetas = b.theta[lo:hi]
		}
	}
	// Every slice has the region's length (lets the compiler drop the
	// bounds checks in the loop).
	ISyn, INMDA, Refrac, nmda = ISyn[:len(V)], INMDA[:len(V)], Refrac[:len(V)], nmda[:len(V)]
	if pending != nil {
		pending = pending[:len(V)]
	}
	if ext != nil {
		ext = ext[:len(V)]
	}
	if alif {
		A = A[:len(V)]
	}
	if plastic {
		preV = preV[:len(V)]
		if alif {
			thetas = thetas[:len(V)]
		}
	}
	k := b.k
	jeff, dtOverTau, vth, vreset, tref, dt := k.JEff, k.DtOverTau, k.VTh, k.VReset, k.TRef, k.Dt
	decaySyn, decayNMDA, nmdaRatio, beta, rho := k.DecaySyn, k.DecayNMDA, k.NMDARatio, k.Beta, k.Rho
	// Pass A, points 9 (of the previous step), 1 and 2: the currents. The
	// region's background counts come first (two neurons per draw of its
	// stream, engine/simd), then the currents, which stay in the
	// first-level cache for pass B.
	counts = counts[:len(V)]
	b.bg[r].PoissonCounts(counts, b.poisson)
	if kind := b.nmdaKind(r); pending != nil && kind != nmdaMixed {
		// The usual step: input pending, the region wholly with or
		// without NMDA, the currents in vector form; a stimulus is added
		// in a pass of its own, after the background (the order of
		// points 1 and 2).
		simd.Currents(ISyn, INMDA, pending, counts, kind == nmdaAll, decaySyn, decayNMDA, nmdaRatio, jeff)
		for i, x := range ext {
			ISyn[i] += x // 2.
		}
	} else {
		for i, c := range counts {
			currents(i, c, pending, ISyn, INMDA, nmda, ext, decaySyn, decayNMDA, nmdaRatio, jeff)
		}
	}
	// Pass B, points 3–7: the membrane (engine/simd: plain Go or vector
	// instructions, the same bits either way).
	if !alif && dt > 0 {
		return simd.MembraneLIF(V, ISyn, INMDA, Refrac, preV, int32(lo), spikes, dtOverTau, vth, vreset, tref, dt)
	}
	if alif && dt > 0 {
		return simd.MembraneALIF(V, ISyn, INMDA, Refrac, A, preV, thetas, int32(lo), spikes, dtOverTau, vth, beta, rho, tref, dt)
	}
	for i := range V {
		isyn, inmda := ISyn[i], INMDA[i]
		v, ref := V[i], Refrac[i]
		active := ref <= 0 // 3. integrate where not refractory
		if active {
			v = v + dtOverTau*((isyn-v)+inmda)
		}
		theta := vth // 4. threshold
		if alif {
			theta = vth + beta*A[i]
		}
		z := active && v >= theta
		if plastic { // 5. learning sees the pre-reset v
			preV[i] = v
			if alif {
				thetas[i] = theta
			}
		}
		if z { // 6. reset, 7. refractory
			spikes = append(spikes, int32(lo+i))
			if alif {
				v -= theta
			} else {
				v = vreset
			}
			ref = tref
		}
		if alif {
			a := rho * A[i]
			if z {
				a += 1
			}
			A[i] = a
		}
		V[i] = v
		Refrac[i] = max(ref-dt, 0)
	}
	return spikes
}

// NMDA kinds of a region.
const (
	nmdaNone = iota
	nmdaAll
	nmdaMixed
)

// nmdaKind says whether region r's neurons all carry NMDA, none do, or
// some do (worked out by prepare, before the step's regions run, maybe
// on several cores).
func (b *Brain) nmdaKind(r int) uint8 { return b.nmdaKinds[r] }

// kinds works out nmdaKinds, once per network.
func (b *Brain) kinds() {
	net := b.Net
	if b.nmdaOf != net || len(b.nmdaKinds) != net.Regions {
		b.nmdaKinds = b.nmdaKinds[:0]
		for q := 0; q < net.Regions; q++ {
			k := uint8(nmdaNone)
			some, all := false, true
			for _, x := range net.NMDA[q*net.NPR : (q+1)*net.NPR] {
				some = some || x
				all = all && x
			}
			switch {
			case all:
				k = nmdaAll
			case some:
				k = nmdaMixed
			}
			b.nmdaKinds = append(b.nmdaKinds, k)
		}
		b.nmdaOf = net
	}
}

// currents carries out points 9 (of the previous step, when pending is
// not nil), 1 (c background events) and 2 for neuron i of a region.
func currents(i int, c int32, pending, ISyn, INMDA []float32, nmda []bool, ext []float32, decaySyn, decayNMDA, nmdaRatio, jeff float32) {
	isyn := ISyn[i]
	if pending != nil { // 9. of the previous step
		I := pending[i]
		pending[i] = 0
		isyn = isyn*decaySyn + I
		if nmda[i] {
			INMDA[i] = INMDA[i]*decayNMDA + nmdaRatio*I
		}
	}
	isyn = isyn + float32(c)*jeff
	if ext != nil {
		isyn += ext[i] // 2. external input
	}
	ISyn[i] = isyn
}

// scatter is point 8: the input of spikes, emitted at the step whose
// ring slot is slot, added to the slots of the steps it arrives at, pre
// by pre in the order of spikes and synapse by synapse in the network's
// order.
func (b *Brain) scatter(slot int, spikes []int32) {
	net := b.Net
	for _, pre := range spikes {
		b.addInput(slot, net.Start[pre], net.Start[pre+1])
	}
}

// addInput adds the input of synapses [s, e) of the network, of a spike
// emitted at the step whose ring slot is slot, in the network's order.
func (b *Brain) addInput(slot int, s, e uint32) {
	net := b.Net
	N := net.N
	posts, ws := net.Post[s:e], net.W[s:e]
	ws = ws[:len(posts)]
	if net.Delay == nil {
		in := b.ring[slot*N : slot*N+N]
		for j, post := range posts {
			in[post] += ws[j]
		}
		return
	}
	ring, slots := b.ring, b.slots
	ds := net.Delay[s:e]
	ds = ds[:len(posts)]
	for j, post := range posts {
		at := slot + int(ds[j])
		if at >= slots {
			at -= slots
		}
		ring[at*N+int(post)] += ws[j]
	}
}

// flush carries out point 9 of the last step, which advance leaves for
// the next step's neuron loop.
func (b *Brain) flush() {
	if b.pending < 0 {
		return
	}
	N := b.Net.N
	in := b.ring[b.pending*N : b.pending*N+N]
	for i, I := range in {
		b.ISyn[i] = b.ISyn[i]*b.k.DecaySyn + I
		if b.Net.NMDA[i] {
			b.INMDA[i] = b.INMDA[i]*b.k.DecayNMDA + b.k.NMDARatio*I
		}
		in[i] = 0
	}
	b.pending = -1
}
