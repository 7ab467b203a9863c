// Package network turns a connectome and model parameters into one brain's
// wiring (MODEL.md §2 and §5): neurons per region, local and long-range
// synapses in CSR form by presynaptic neuron, and conduction delays.
//
// Two draws of the same random family are offered (Params.WiringRNG): the
// reference's own, NumPy's default_rng(seed) consumed in the reference's
// loop order, which reproduces the reference implementation's synapses
// exactly (the default); and the engine's counter-based streams. Two sets
// of long-range rules are offered (Params.LongRange): MODEL.md §2's, and
// the report's v1 model.
//
// # Attractor assemblies (an option, not in MODEL.md; issue 16)
//
// MODEL.md's prefrontal working memory is only the NMDA current's slow
// decay. The attractor option adds structure that can hold activity:
// with Params.AttractorRegions non-empty, the excitatory neurons
// k = 0 … A·m − 1 of each listed region (A = AttractorAssemblies,
// m = ⌊n_exc/A⌋; the remaining n_exc − A·m excitatory neurons belong to
// none) form A assemblies of consecutive neurons, assembly a holding
// k = a·m … (a+1)·m − 1. Every local excitatory synapse k → k' of such a
// region with k and k' in the same assembly has its weight
// w = float32(float64(j_eff)·f), f = AttractorWeightFactor, instead of
// j_eff (units: mV, as every weight), and one with k and k' in different
// assemblies w = float32(float64(j_eff)·f−), f− = max(0, (A − f)/(A − 1)):
// while every assembly fires at the same rate a neuron's mean input is
// then as without the option (when the assemblies cover the excitatory
// neurons), so the option makes states with one assembly active stable
// without raising the spontaneous state (as in Amit & Brunel 1997's
// "w+ / w−" networks); without f− every assembly ignites by itself at
// f ≳ 3 (README, Exp 29). Nothing else changes — the synapses are
// those drawn without the option (the reference's draw included), the
// dynamics, NMDA (the attractor regions usually are the NMDA regions,
// the prefrontal group) and learning are MODEL.md's. It is applied once
// when the network is built, so it costs nothing per step, and off
// (no regions, or factor 1) the network is bit for bit the plain one
// (tests). A cue to an assembly is a stimulus whose pattern is its
// neurons; a distractor is a cue to another assembly of the region,
// which competes with it through the region's shared inhibition.
package network

import (
	"fmt"
	"strconv"
)

// Params is the complete model specification of one brain: wiring (§2),
// dynamics (§3) and delays (§5). Defaults returns the values of the
// reference experiments 22/23; field comments give the MODEL.md names.
type Params struct {
	NeuronsPerRegion int     // npr
	ExcFraction      float64 // n_exc = int(npr·ExcFraction)
	PInt             float64 // p_int, local connection probability
	PBet             float64 // p_bet, long-range base probability
	GlobalCoupling   float64 // global_coupling (0.15 in Exp 22/23; 0.05 is the class default)
	ExtRateFactor    float64 // ext_rate_factor
	JExc             float64 // j_exc, mV
	GInh             float64 // g_inh
	TauMMs           float64 // tau_m
	VThMV            float64 // v_th
	VResetMV         float64 // v_reset
	TRefMs           float64 // t_ref
	TauSynMs         float64 // tau_syn
	TauNMDAMs        float64 // tau_nmda
	NMDARatio        float64 // nmda_ratio (0.4 in Exp 22/23; 0.3 is the class default)
	// NMDARegions are the region indices whose neurons carry an NMDA
	// current (the prefrontal group in the reference experiments).
	NMDARegions []int
	// AttractorRegions turns on the prefrontal attractor option (not in
	// MODEL.md; see the package doc, "Attractor assemblies"): in each of
	// these regions the first AttractorAssemblies·⌊n_exc/AttractorAssemblies⌋
	// excitatory neurons form AttractorAssemblies disjoint assemblies of
	// consecutive neurons; local excitatory synapses within an assembly
	// have their weight multiplied by AttractorWeightFactor, those between
	// two assemblies by max(0, (A − f)/(A − 1)). Empty (the default): off.
	AttractorRegions      []int
	AttractorAssemblies   int     // assemblies per attractor region, in [1, n_exc]
	AttractorWeightFactor float64 // multiplier of within-assembly weights (1: no change)
	// ALIF turns on the adaptive threshold θ = v_th + β·a with soft reset.
	ALIF     bool
	TauAMs   float64 // τ_a
	BetaALIF float64 // β
	// VelocityMMPerMs > 0 turns on conduction delays for long-range
	// synapses: d = round(L/(v·dt)). 0 means no delays.
	VelocityMMPerMs float64
	DtMs            float64
	// WiringSeed drives synapse sampling; the noise seed lives with the
	// brain's state (sim.NewBrain) so runs can vary noise on fixed wiring.
	WiringSeed uint64
	// WiringRNG says how synapses are drawn from WiringSeed: WiringNumPy
	// (the reference's own draw, the default) or WiringEncephagen.
	WiringRNG string
	// LongRange names the long-range rules: LongRangeNormalised (MODEL.md
	// §2, the default) or LongRangeV1 (the report's model).
	LongRange string
}

// The ways of drawing a brain's synapses (Params.WiringRNG).
const (
	// WiringNumPy is the reference's draw (MODEL.md §2): NumPy's
	// default_rng(WiringSeed) consumed in the reference's loop order, so
	// seed 42 gives exactly the reference's synapses. One sequential
	// stream, drawn in parallel by jumping ahead.
	WiringNumPy = "numpy"
	// WiringEncephagen draws every block of synapses (local excitatory,
	// local inhibitory, each pathway) from its own counter-based stream
	// with geometric skips: faster, and a block does not move when another
	// changes, but seed 42 is not the reference's brain.
	WiringEncephagen = "encephagen"
)

// The long-range rules (Params.LongRange).
const (
	// LongRangeNormalised is MODEL.md §2: p = min(1, p_bet·w_norm), weight
	// ±j·global_coupling·w_norm, 3× onto inhibitory targets, inhibitory
	// basal-ganglia pathways.
	LongRangeNormalised = "normalised"
	// LongRangeV1 is the model the research report's tables came from
	// (reference commit 525cccb): p = min(1, p_bet·w·g), weight
	// +j_eff·w·g onto every target, no inhibitory pathways.
	LongRangeV1 = "v1"
)

// Defaults returns the parameters of the reference experiments 22/23
// (MODEL.md §2): npr 200, coupling 0.15, nmda_ratio 0.4, no delays. The NMDA
// regions are left empty: callers set them (usually to the prefrontal group).
func Defaults() Params {
	return Params{
		NeuronsPerRegion:      200,
		ExcFraction:           0.8,
		PInt:                  0.1,
		PBet:                  0.02,
		GlobalCoupling:        0.15,
		ExtRateFactor:         3.5,
		JExc:                  2.0,
		GInh:                  5,
		TauMMs:                20,
		VThMV:                 20,
		VResetMV:              0,
		TRefMs:                2,
		TauSynMs:              5,
		TauNMDAMs:             150,
		NMDARatio:             0.4,
		TauAMs:                200,
		AttractorWeightFactor: 1,
		BetaALIF:              1.6,
		DtMs:                  0.1,
		WiringSeed:            42,
		WiringRNG:             WiringNumPy,
		LongRange:             LongRangeNormalised,
	}
}

// NExc is the number of excitatory neurons per region (the first ones).
func (p *Params) NExc() int { return int(float64(p.NeuronsPerRegion) * p.ExcFraction) }

// CE is the number of excitatory inputs a neuron expects locally,
// max(1, int(npr·0.8·p_int)).
func (p *Params) CE() int {
	return max(1, int(float64(p.NeuronsPerRegion)*0.8*p.PInt))
}

// JEff is the excitatory synaptic weight j_exc·(16/C_E) in mV, in the
// reference's order of operations.
func (p *Params) JEff() float64 { return p.JExc * (16 / float64(p.CE())) }

// JInh is the inhibitory weight magnitude j_eff·g_inh.
func (p *Params) JInh() float64 { return p.JEff() * p.GInh }

// Lambda is the mean number of background Poisson events per neuron per
// step, C_E·ν_thr·ext_rate_factor·dt with ν_thr = v_th/(j_eff·C_E·tau_m).
func (p *Params) Lambda() float64 {
	ce := float64(p.CE())
	nuThr := p.VThMV / (p.JEff() * ce * p.TauMMs)
	return ce * nuThr * p.ExtRateFactor * p.DtMs
}

// Range is the allowed interval of one float parameter, [Min, Max], or
// (Min, Max] when MinOpen. Every float parameter has one: finite, and
// narrow enough that the engine's float32 state stays finite for any run
// (see FloatRanges and the script package's walk over them).
type Range struct {
	Name     string // the keyword of brain()
	Min, Max float64
	MinOpen  bool
	Field    func(p *Params) *float64
}

// Contains reports whether x lies in the range (never for NaN).
func (r Range) Contains(x float64) bool {
	if r.MinOpen {
		return x > r.Min && x <= r.Max
	}
	return x >= r.Min && x <= r.Max
}

// String is the range as a message gives it: "in (0, 1000]".
func (r Range) String() string {
	open := "["
	if r.MinOpen {
		open = "("
	}
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return "in " + open + num(r.Min) + ", " + num(r.Max) + "]"
}

// FloatRanges are the ranges of the float parameters. Besides these,
// v_reset_mv < v_th_mv and tau_m_ms ≥ dt_ms (the membrane's Euler step
// is stable only for dt ≤ τ_m), and the background rate λ is at most 50
// events per neuron per step.
var FloatRanges = []Range{
	{"exc_fraction", 0, 1, false, func(p *Params) *float64 { return &p.ExcFraction }},
	{"p_int", 0, 1, false, func(p *Params) *float64 { return &p.PInt }},
	{"p_bet", 0, 1, false, func(p *Params) *float64 { return &p.PBet }},
	{"global_coupling", 0, 1000, false, func(p *Params) *float64 { return &p.GlobalCoupling }},
	{"ext_rate_factor", 0, 1000, false, func(p *Params) *float64 { return &p.ExtRateFactor }},
	{"j_exc_mv", 0, 1000, true, func(p *Params) *float64 { return &p.JExc }},
	{"g_inh", 0, 1000, false, func(p *Params) *float64 { return &p.GInh }},
	{"tau_m_ms", 0.001, 1e6, false, func(p *Params) *float64 { return &p.TauMMs }},
	{"v_th_mv", 0, 1000, true, func(p *Params) *float64 { return &p.VThMV }},
	{"v_reset_mv", -1000, 1000, false, func(p *Params) *float64 { return &p.VResetMV }},
	{"t_ref_ms", 0, 1e6, false, func(p *Params) *float64 { return &p.TRefMs }},
	{"tau_syn_ms", 0.001, 1e6, false, func(p *Params) *float64 { return &p.TauSynMs }},
	{"tau_nmda_ms", 0.001, 1e6, false, func(p *Params) *float64 { return &p.TauNMDAMs }},
	{"nmda_ratio", 0, 100, false, func(p *Params) *float64 { return &p.NMDARatio }},
	{"tau_a_ms", 0.001, 1e6, false, func(p *Params) *float64 { return &p.TauAMs }},
	{"beta", 0, 1000, false, func(p *Params) *float64 { return &p.BetaALIF }},
	{"velocity_mm_per_ms", 0, 1e6, false, func(p *Params) *float64 { return &p.VelocityMMPerMs }},
	{"dt_ms", 0.001, 10, false, func(p *Params) *float64 { return &p.DtMs }},
	{"attractor_weight_factor", 0, 100, false, func(p *Params) *float64 { return &p.AttractorWeightFactor }},
}

// FloatRange returns the range of the float parameter with this keyword.
func FloatRange(name string) (Range, bool) {
	for _, r := range FloatRanges {
		if r.Name == name {
			return r, true
		}
	}
	return Range{}, false
}

// ParamError is a parameter outside its allowed values. Name is the
// keyword of brain() (the CLI spells it as a flag), Want the allowed
// values in words.
type ParamError struct {
	Name, Want string
	Got        any
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s must be %s, got %v", e.Name, e.Want, e.Got)
}

// Validate refuses parameters that cannot work, naming the parameter, the
// allowed range and the value given. regions is the connectome's size.
func (p *Params) Validate(regions int) error {
	bad := func(name, want string, got any) error {
		return &ParamError{Name: name, Want: want, Got: got}
	}
	switch {
	case p.NeuronsPerRegion < 1:
		return bad("neurons_per_region", "≥ 1", p.NeuronsPerRegion)
	case p.NeuronsPerRegion > 1<<20:
		return bad("neurons_per_region", "≤ 1048576", p.NeuronsPerRegion)
	}
	for _, r := range FloatRanges {
		if x := *r.Field(p); !r.Contains(x) {
			return bad(r.Name, r.String(), x)
		}
	}
	switch {
	case !(p.VResetMV < p.VThMV):
		return bad("v_reset_mv", fmt.Sprintf("< v_th_mv (%v)", p.VThMV), p.VResetMV)
	case !(p.TauMMs >= p.DtMs):
		return bad("tau_m_ms", fmt.Sprintf("≥ dt_ms (%v)", p.DtMs), p.TauMMs)
	}
	if p.WiringRNG != WiringNumPy && p.WiringRNG != WiringEncephagen {
		return bad("wiring_rng", fmt.Sprintf("%q or %q", WiringNumPy, WiringEncephagen), fmt.Sprintf("%q", p.WiringRNG))
	}
	if p.LongRange != LongRangeNormalised && p.LongRange != LongRangeV1 {
		return bad("long_range", fmt.Sprintf("%q or %q", LongRangeNormalised, LongRangeV1), fmt.Sprintf("%q", p.LongRange))
	}
	if l := p.Lambda(); l > 50 {
		return fmt.Errorf("background rate λ = %.3g events per neuron per step is too large (max 50): lower ext_rate_factor or dt_ms", l)
	}
	for _, r := range p.NMDARegions {
		if r < 0 || r >= regions {
			return fmt.Errorf("nmda region index %d out of range [0, %d)", r, regions)
		}
	}
	if len(p.AttractorRegions) > 0 {
		for _, r := range p.AttractorRegions {
			if r < 0 || r >= regions {
				return fmt.Errorf("attractor region index %d out of range [0, %d)", r, regions)
			}
		}
		if n := p.NExc(); p.AttractorAssemblies < 1 || p.AttractorAssemblies > n {
			return bad("attractor_assemblies", fmt.Sprintf("in [1, %d] (the excitatory neurons per region) when attractor regions are given", n), p.AttractorAssemblies)
		}
	} else if p.AttractorAssemblies < 0 {
		return bad("attractor_assemblies", "≥ 0", p.AttractorAssemblies)
	}
	return nil
}
