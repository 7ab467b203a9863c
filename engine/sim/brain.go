// Package sim advances brains in time (MODEL.md §3, §5) and measures them
// (§6). It is the CPU backend: float32 state in flat slices, spikes
// propagated through a ring buffer of future input, no allocation per step.
package sim

import (
	"context"
	"fmt"
	"math"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/rng"
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

	step    int64
	ring    []float32 // (MaxDelay+1) slots × N future synaptic input
	slots   int
	bg      []rng.Stream // per region
	poisson rng.Poisson
	spikes  []int32
	pending int // ring slot whose input point 9 has yet to take, or -1
	preV    []float32
	theta   []float32
	// emitted holds the spikes of the last MaxDelay steps, one bit per
	// neuron, row (step mod MaxDelay): the spikes whose input may still be
	// in flight, for Emitted and another backend taking the brain over.
	// nil without delays.
	emitted []uint64
	words   int // words per emitted row

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
	return n*per + int64(len(b.ring))*4 + int64(cap(b.spikes))*4 + int64(cap(b.preV)+cap(b.theta))*4 + int64(len(b.emitted))*8
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
	N, npr := net.N, net.NPR
	plastic := b.Plastic != nil
	alif := b.A != nil
	if plastic {
		if len(b.preV) != N {
			b.preV = make([]float32, N)
		}
		if alif && len(b.theta) != N {
			b.theta = make([]float32, N)
		}
	}
	b.spikes = b.spikes[:0]
	spikes := b.spikes
	table := b.poisson.T
	last := len(table) - 1
	V, ISyn, INMDA, Refrac, A := b.V[:N], b.ISyn[:N], b.INMDA[:N], b.Refrac[:N], b.A
	nmda := net.NMDA[:N]
	var pending []float32 // the previous step's input, not yet taken
	if b.pending >= 0 {
		pending = b.ring[b.pending*N : b.pending*N+N]
	}
	k := b.k
	jeff, dtOverTau, vth, vreset, tref, dt := k.JEff, k.DtOverTau, k.VTh, k.VReset, k.TRef, k.Dt
	decaySyn, decayNMDA, nmdaRatio, beta, rho := k.DecaySyn, k.DecayNMDA, k.NMDARatio, k.Beta, k.Rho
	for r := 0; r < net.Regions; r++ {
		st := &b.bg[r]
		base := r * npr
		var bits uint64
		for k := 0; k < npr; k++ {
			i := base + k
			isyn, inmda := ISyn[i], INMDA[i]
			if pending != nil { // 9. of the previous step
				I := pending[i]
				pending[i] = 0
				isyn = isyn*decaySyn + I
				if nmda[i] {
					inmda = inmda*decayNMDA + nmdaRatio*I
					INMDA[i] = inmda
				}
			}
			// 1. background: two neurons per 64-bit draw, high half first.
			var u uint32
			if k&1 == 0 {
				bits = st.Uint64()
				u = uint32(bits >> 32)
			} else {
				u = uint32(bits)
			}
			n := 0
			for n < last && u >= table[n] {
				n++
			}
			isyn = isyn + float32(n)*jeff
			if ext != nil {
				isyn += ext[i] // 2. external input
			}
			ISyn[i] = isyn
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
				b.preV[i] = v
				if alif {
					b.theta[i] = theta
				}
			}
			if z { // 6. reset, 7. refractory
				spikes = append(spikes, int32(i))
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
	}
	b.spikes = spikes
	if plastic {
		b.Plastic.Observe(b.step, b.preV, b.theta, spikes)
	}
	// 8. spikes into the ring of future input, slot (t + d) mod slots.
	slot := int(b.step % int64(b.slots))
	if net.Delay == nil {
		in := b.ring[slot*N : slot*N+N]
		for _, pre := range spikes {
			s, e := net.Start[pre], net.Start[pre+1]
			ws := net.W[s:e]
			for j, post := range net.Post[s:e] {
				in[post] += ws[j]
			}
		}
	} else {
		ring, slots := b.ring, b.slots
		for _, pre := range spikes {
			s, e := net.Start[pre], net.Start[pre+1]
			ws, ds := net.W[s:e], net.Delay[s:e]
			for j, post := range net.Post[s:e] {
				at := slot + int(ds[j])
				if at >= slots {
					at -= slots
				}
				ring[at*N+int(post)] += ws[j]
			}
		}
	}
	b.pending = slot
	if b.emitted != nil {
		row := b.emitted[int(b.step%int64(net.MaxDelay))*b.words:][:b.words]
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
