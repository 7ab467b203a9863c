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

	step    int64
	ring    []float32 // (MaxDelay+1) slots × N future synaptic input
	slots   int
	bg      []rng.Stream // per region
	poisson rng.Poisson
	spikes  []int32
	preV    []float32
	theta   []float32

	// constants in the precision of the state
	jeff, dtOverTau, vth, vreset, tref, dt float32
	decaySyn, decayNMDA, nmdaRatio         float32
	beta, rho                              float32
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

		jeff:      float32(p.JEff()),
		dtOverTau: float32(p.DtMs / p.TauMMs),
		vth:       float32(p.VThMV),
		vreset:    float32(p.VResetMV),
		tref:      float32(p.TRefMs),
		dt:        float32(p.DtMs),
		decaySyn:  float32(math.Exp(-p.DtMs / p.TauSynMs)),
		decayNMDA: float32(math.Exp(-p.DtMs / p.TauNMDAMs)),
		nmdaRatio: float32(p.NMDARatio),
		beta:      float32(p.BetaALIF),
		rho:       float32(math.Exp(-p.DtMs / p.TauAMs)),
	}
	b.ring = make([]float32, b.slots*net.N)
	if p.ALIF {
		b.A = make([]float32, net.N)
	}
	for r := 0; r < net.Regions; r++ {
		init := rng.New(noiseSeed, StreamInit, uint64(r))
		for k := 0; k < net.NPR; k++ {
			b.V[r*net.NPR+k] = init.Float32() * b.vth
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
	return n*per + int64(len(b.ring))*4 + int64(cap(b.spikes))*4 + int64(cap(b.preV)+cap(b.theta))*4
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
		if err := rec.begin(b, steps); err != nil {
			return err
		}
	}
	const chunk = 1000
	for done := 0; done < steps; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(chunk, steps-done)
		for i := 0; i < n; i++ {
			b.advance(ext, rec)
		}
		done += n
	}
	return nil
}

// advance performs one step in the order of MODEL.md §3.
func (b *Brain) advance(ext []float32, rec *Recorder) {
	net := b.Net
	npr := net.NPR
	if b.Plastic != nil {
		if len(b.preV) != net.N {
			b.preV = make([]float32, net.N)
		}
		if b.A != nil && len(b.theta) != net.N {
			b.theta = make([]float32, net.N)
		}
	}
	b.spikes = b.spikes[:0]
	table := b.poisson.T
	last := len(table) - 1
	for r := 0; r < net.Regions; r++ {
		st := &b.bg[r]
		base := r * npr
		var bits uint64
		for k := 0; k < npr; k++ {
			// Two neurons per 64-bit draw: the high half first.
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
			i := base + k
			isyn := b.ISyn[i] + float32(n)*b.jeff // 1. background
			if ext != nil {
				isyn += ext[i] // 2. external input
			}
			b.ISyn[i] = isyn
			v, ref := b.V[i], b.Refrac[i]
			active := ref <= 0 // 3. integrate where not refractory
			if active {
				v = v + b.dtOverTau*((isyn-v)+b.INMDA[i])
			}
			theta := b.vth // 4. threshold
			if b.A != nil {
				theta = b.vth + b.beta*b.A[i]
			}
			z := active && v >= theta
			if b.Plastic != nil { // 5. learning sees the pre-reset v
				b.preV[i] = v
				if b.A != nil {
					b.theta[i] = theta
				}
			}
			if z { // 6. reset, 7. refractory
				b.spikes = append(b.spikes, int32(i))
				if b.A != nil {
					v -= theta
				} else {
					v = b.vreset
				}
				ref = b.tref
			}
			if b.A != nil {
				a := b.rho * b.A[i]
				if z {
					a += 1
				}
				b.A[i] = a
			}
			b.V[i] = v
			b.Refrac[i] = max(ref-b.dt, 0)
		}
	}
	if b.Plastic != nil {
		b.Plastic.Observe(b.step, b.preV, b.theta, b.spikes)
	}
	// 8. spikes into the ring of future input, slot (t + d) mod slots.
	slot := int(b.step % int64(b.slots))
	N := net.N
	if net.Delay == nil {
		in := b.ring[slot*N : slot*N+N]
		for _, pre := range b.spikes {
			s, e := net.Start[pre], net.Start[pre+1]
			posts, ws := net.Post[s:e], net.W[s:e]
			for j, post := range posts {
				in[post] += ws[j]
			}
		}
	} else {
		for _, pre := range b.spikes {
			s, e := net.Start[pre], net.Start[pre+1]
			posts, ws, ds := net.Post[s:e], net.W[s:e], net.Delay[s:e]
			for j, post := range posts {
				at := slot + int(ds[j])
				if at >= b.slots {
					at -= b.slots
				}
				b.ring[at*N+int(post)] += ws[j]
			}
		}
	}
	// 9. synaptic currents take this step's input; the slot is cleared for
	// reuse slots steps from now.
	in := b.ring[slot*N : slot*N+N]
	for i, I := range in {
		b.ISyn[i] = b.ISyn[i]*b.decaySyn + I
		if net.NMDA[i] {
			b.INMDA[i] = b.INMDA[i]*b.decayNMDA + b.nmdaRatio*I
		}
		in[i] = 0
	}
	if rec != nil {
		rec.observe(b.spikes)
	}
	b.step++
}
