// Package oracle is a deliberately naive stepper written straight from
// MODEL.md §3 and §5: whole-population vector steps in the order of the
// specification, and synaptic input gathered by looping over every synapse
// every step against a full spike history. It is slow by design and exists
// only as the reference the fast engine (package sim) is tested against.
//
// It shares with sim only what defines the model's numbers rather than its
// algorithm: the network (synapse list), the random streams and the float32
// arithmetic of each update. Synaptic input to a neuron is summed in the
// order the specification fixes for both: by emission step (oldest first),
// then presynaptic neuron, ascending.
package oracle

import (
	"math"
	"sort"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/rng"
	"github.com/encephagen/encephagen/engine/sim"
)

// Brain is the oracle's state of one brain.
type Brain struct {
	Net                    *network.Network
	V, ISyn, INMDA, Refrac []float32
	A                      []float32
	Step                   int
	// History[t][i] is whether neuron i spiked at step t.
	History [][]bool
	// PreV and Theta are the pre-reset potential and threshold of the last
	// step (for the e-prop oracle).
	PreV, Theta []float32
	streams     []rng.Stream
}

// New initialises the state exactly as MODEL.md §3 says: v ~ U(0, v_th)
// from the per-region init streams, everything else zero.
func New(net *network.Network, noiseSeed uint64) *Brain {
	b := &Brain{
		Net: net, V: make([]float32, net.N), ISyn: make([]float32, net.N),
		INMDA: make([]float32, net.N), Refrac: make([]float32, net.N),
		PreV: make([]float32, net.N), Theta: make([]float32, net.N),
	}
	if net.Params.ALIF {
		b.A = make([]float32, net.N)
	}
	vth := float32(net.Params.VThMV)
	for r := 0; r < net.Regions; r++ {
		st := rng.New(noiseSeed, sim.StreamInit, uint64(r))
		for k := 0; k < net.NPR; k++ {
			b.V[r*net.NPR+k] = st.Float32() * vth
		}
		b.streams = append(b.streams, rng.New(noiseSeed, sim.StreamBackground, uint64(r)))
	}
	return b
}

// Advance performs one step with external input ext (nil for none) and
// returns the spike vector of that step.
func (b *Brain) Advance(ext []float32) []bool {
	net, p := b.Net, b.Net.Params
	N := net.N
	poisson := rng.NewPoisson(p.Lambda())
	jeff := float32(p.JEff())

	// 1. Background: n ~ Poisson(λ) per neuron, two neurons per 64-bit draw
	// of the region's stream, high half first.
	counts := make([]int, N)
	for r := 0; r < net.Regions; r++ {
		var bits uint64
		for k := 0; k < net.NPR; k++ {
			var u uint32
			if k%2 == 0 {
				bits = b.streams[r].Uint64()
				u = uint32(bits >> 32)
			} else {
				u = uint32(bits & 0xffffffff)
			}
			counts[r*net.NPR+k] = poisson.Count(u)
		}
	}
	for i := 0; i < N; i++ {
		b.ISyn[i] = b.ISyn[i] + float32(counts[i])*jeff
	}
	// 2. External input.
	if ext != nil {
		for i := 0; i < N; i++ {
			b.ISyn[i] = b.ISyn[i] + ext[i]
		}
	}
	// 3. Integrate where not refractory.
	active := make([]bool, N)
	dtTau := float32(p.DtMs / p.TauMMs)
	for i := 0; i < N; i++ {
		active[i] = b.Refrac[i] <= 0
		if active[i] {
			b.V[i] = b.V[i] + dtTau*((b.ISyn[i]-b.V[i])+b.INMDA[i])
		}
	}
	// 4. Threshold and spikes.
	z := make([]bool, N)
	for i := 0; i < N; i++ {
		theta := float32(p.VThMV)
		if p.ALIF {
			theta = float32(p.VThMV) + float32(p.BetaALIF)*b.A[i]
		}
		b.Theta[i] = theta
		z[i] = active[i] && b.V[i] >= theta
	}
	// 5. Learning traces read the pre-reset potential.
	copy(b.PreV, b.V)
	// 6. Reset.
	for i := 0; i < N; i++ {
		if p.ALIF {
			if z[i] {
				b.V[i] = b.V[i] - b.Theta[i]
			}
			zf := float32(0)
			if z[i] {
				zf = 1
			}
			b.A[i] = float32(math.Exp(-p.DtMs/p.TauAMs))*b.A[i] + zf
		} else if z[i] {
			b.V[i] = float32(p.VResetMV)
		}
	}
	// 7. Refractory period.
	for i := 0; i < N; i++ {
		if z[i] {
			b.Refrac[i] = float32(p.TRefMs)
		}
		b.Refrac[i] = max(b.Refrac[i]-float32(p.DtMs), 0)
	}
	b.History = append(b.History, z)
	// 8. Synaptic input: every synapse, every step; a synapse with delay d
	// delivers the spike its presynaptic neuron emitted d steps ago. The
	// contributions to a neuron are summed oldest emission first, then by
	// presynaptic neuron (the synapse list is ordered by presynaptic neuron
	// and the sort is stable).
	type contribution struct {
		emitted int
		w       float32
	}
	byPost := make([][]contribution, N)
	for pre := 0; pre < N; pre++ {
		for s := net.Start[pre]; s < net.Start[pre+1]; s++ {
			d := 0
			if net.Delay != nil {
				d = int(net.Delay[s])
			}
			if t := b.Step - d; t >= 0 && b.History[t][pre] {
				byPost[net.Post[s]] = append(byPost[net.Post[s]], contribution{t, net.W[s]})
			}
		}
	}
	I := make([]float32, N)
	for j, cs := range byPost {
		sort.SliceStable(cs, func(a, b int) bool { return cs[a].emitted < cs[b].emitted })
		for _, c := range cs {
			I[j] += c.w
		}
	}
	// 9. Currents decay and take the input.
	dSyn := float32(math.Exp(-p.DtMs / p.TauSynMs))
	dNMDA := float32(math.Exp(-p.DtMs / p.TauNMDAMs))
	for i := 0; i < N; i++ {
		b.ISyn[i] = b.ISyn[i]*dSyn + I[i]
		if net.NMDA[i] {
			b.INMDA[i] = b.INMDA[i]*dNMDA + float32(p.NMDARatio)*I[i]
		}
	}
	b.Step++
	return z
}
