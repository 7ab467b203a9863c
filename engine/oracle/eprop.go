package oracle

import (
	"math"

	"github.com/encephagen/encephagen/engine/network"
)

// EPropParams are the e-prop parameters of MODEL.md §4, in the units of the
// specification.
type EPropParams struct {
	LR          float64 // learning rate
	TauEMs      float64 // τ_e of the eligibility filter
	Gamma       float64 // γ of the pseudo-derivative
	WMin, WMax  float64 // weight bounds in mV
	RewardDecay float64 // baseline decay
}

// EProp is the naive e-prop reference: every tracked synapse's eligibility
// (and, with ALIF, its recursive term ε) is updated every step by the
// recurrence of MODEL.md §4, in float64, with no algebra applied to it.
// It tracks a chosen subset of the synapses (all of them when the subset is
// nil) so that it stays affordable on large networks; the per-neuron traces
// are always complete.
//
// Within a step, in the order of the specification's listing: the
// presynaptic trace takes this step's spikes first, then ψ is computed from
// the pre-reset potential, then e_new = ψ_post·z̄_pre (with ALIF: ε = e_new
// + (ρ − ψ_post·β)·ε, e_new = e_new − β·ε), then e = κ·e + (1−κ)·e_new.
type EProp struct {
	Net *network.Network
	P   EPropParams

	Alpha, Kappa, Rho, Beta, VTh float64
	ALIF                         bool

	ZBar []float64 // per neuron
	Psi  []float64 // per neuron, of the last step

	Syn  []int // tracked synapse indices (into the network's arrays)
	Pre  []int // presynaptic neuron of each tracked synapse
	E    []float64
	Eps  []float64 // ALIF recursive term (nil without ALIF)
	W    []float64 // weights of the tracked synapses
	Snap []float64
	// G accumulates Σ_t L_post(t)·e(t) of the supervised variant.
	G []float64

	HasSnap  bool
	Baseline float64

	// Supervised variant: feedback matrix B (N × len(Outputs), row-major)
	// and the output neurons.
	B       []float64
	Outputs []int
	L       []float64 // learning signal of the last step
}

// NewEProp starts the reference with zero traces and baseline, and the
// weights of the tracked synapses copied from the network. syn lists the
// synapses to track (nil: all).
func NewEProp(net *network.Network, p EPropParams, syn []int) *EProp {
	np := net.Params
	o := &EProp{
		Net: net, P: p,
		Alpha: math.Exp(-np.DtMs / np.TauMMs),
		Kappa: math.Exp(-np.DtMs / p.TauEMs),
		Rho:   math.Exp(-np.DtMs / np.TauAMs),
		Beta:  np.BetaALIF,
		VTh:   np.VThMV,
		ALIF:  np.ALIF,
		ZBar:  make([]float64, net.N),
		Psi:   make([]float64, net.N),
	}
	if syn == nil {
		syn = make([]int, net.Synapses())
		for i := range syn {
			syn[i] = i
		}
	}
	o.Syn = syn
	pre := make([]int, net.Synapses())
	for i := 0; i < net.N; i++ {
		for s := net.Start[i]; s < net.Start[i+1]; s++ {
			pre[s] = i
		}
	}
	o.Pre = make([]int, len(syn))
	o.W = make([]float64, len(syn))
	for n, s := range syn {
		o.Pre[n] = pre[s]
		o.W[n] = float64(net.W[s])
	}
	o.E = make([]float64, len(syn))
	o.G = make([]float64, len(syn))
	if o.ALIF {
		o.Eps = make([]float64, len(syn))
	}
	return o
}

// Supervise sets the feedback matrix (N × len(outputs), row-major) and the
// output neurons of the supervised variant.
func (o *EProp) Supervise(b []float64, outputs []int) {
	o.B, o.Outputs = b, outputs
	o.L = make([]float64, o.Net.N)
}

// Observe performs the learning part (MODEL.md §3 point 5) of one step:
// preV and theta are the pre-reset potentials and thresholds (theta nil:
// v_th), z the spikes of the step. target, when the supervised variant is
// set up, is the target spike of every output neuron this step (nil: no
// supervised accumulation this step).
func (o *EProp) Observe(preV, theta []float32, z []bool, target []bool) {
	for i := range o.ZBar {
		zi := 0.0
		if z[i] {
			zi = 1
		}
		o.ZBar[i] = o.Alpha*o.ZBar[i] + (1-o.Alpha)*zi
	}
	for j := range o.Psi {
		th := o.VTh
		if theta != nil {
			th = float64(theta[j])
		}
		o.Psi[j] = o.P.Gamma * math.Max(0, 1-math.Abs(float64(preV[j])-th)/o.VTh)
	}
	supervised := target != nil && o.B != nil
	if supervised {
		n := len(o.Outputs)
		for j := range o.L {
			sum := 0.0
			for k, out := range o.Outputs {
				zo, tg := 0.0, 0.0
				if z[out] {
					zo = 1
				}
				if target[k] {
					tg = 1
				}
				sum += o.B[j*n+k] * (zo - tg)
			}
			o.L[j] = sum
		}
	}
	for n, s := range o.Syn {
		j := int(o.Net.Post[s])
		eNew := o.Psi[j] * o.ZBar[o.Pre[n]]
		if o.ALIF {
			o.Eps[n] = eNew + (o.Rho-o.Psi[j]*o.Beta)*o.Eps[n]
			eNew = eNew - o.Beta*o.Eps[n]
		}
		o.E[n] = o.Kappa*o.E[n] + (1-o.Kappa)*eNew
		if supervised {
			o.G[n] += o.L[j] * o.E[n]
		}
	}
}

// Snapshot copies the eligibility.
func (o *EProp) Snapshot() {
	o.Snap = append(o.Snap[:0], o.E...)
	o.HasSnap = true
}

// Reward updates the baseline first, then every tracked weight by
// lr·(r − b)·E, E the snapshot (useSnapshot) or the current eligibility,
// clamped to [WMin, WMax]. The snapshot is consumed.
func (o *EProp) Reward(r float64, useSnapshot bool) {
	o.Baseline = o.P.RewardDecay*o.Baseline + (1-o.P.RewardDecay)*r
	e := o.E
	if useSnapshot {
		e = o.Snap
		o.HasSnap = false
	}
	for n := range o.W {
		o.W[n] = min(max(o.W[n]+o.P.LR*(r-o.Baseline)*e[n], o.P.WMin), o.P.WMax)
	}
}

// ApplySupervised applies W −= lr·G (clamped) and clears G.
func (o *EProp) ApplySupervised() {
	for n := range o.W {
		o.W[n] = min(max(o.W[n]-o.P.LR*o.G[n], o.P.WMin), o.P.WMax)
		o.G[n] = 0
	}
}
