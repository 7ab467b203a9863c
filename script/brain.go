package script

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/script/interp"
)

// brainParam is one keyword of brain(): a field of network.Params. The
// table drives argument parsing, the defaults shown by `encephagen doc`
// (read from network.Defaults, so they cannot drift) and brain.params.
type brainParam struct {
	name  string
	model string // the MODEL.md name
	doc   string
	field func(p *network.Params) any // *float64, *int, *bool, *uint64 or *string
}

var brainParams = []brainParam{
	{"neurons_per_region", "npr", "neurons per region", func(p *network.Params) any { return &p.NeuronsPerRegion }},
	{"exc_fraction", "n_exc = int(npr·0.8)", "excitatory fraction: the first int(npr·exc_fraction) neurons of a region are excitatory", func(p *network.Params) any { return &p.ExcFraction }},
	{"p_int", "p_int", "local connection probability", func(p *network.Params) any { return &p.PInt }},
	{"p_bet", "p_bet", "long-range base connection probability", func(p *network.Params) any { return &p.PBet }},
	{"global_coupling", "global_coupling", "scale of long-range weights (0.15 in Exp 22/23; 0.05 is the reference class default)", func(p *network.Params) any { return &p.GlobalCoupling }},
	{"ext_rate_factor", "ext_rate_factor", "background Poisson rate as a multiple of the threshold rate", func(p *network.Params) any { return &p.ExtRateFactor }},
	{"j_exc_mv", "j_exc", "excitatory synaptic weight before scaling, mV", func(p *network.Params) any { return &p.JExc }},
	{"g_inh", "g_inh", "relative strength of inhibition", func(p *network.Params) any { return &p.GInh }},
	{"tau_m_ms", "tau_m", "membrane time constant, ms", func(p *network.Params) any { return &p.TauMMs }},
	{"v_th_mv", "v_th", "firing threshold, mV", func(p *network.Params) any { return &p.VThMV }},
	{"v_reset_mv", "v_reset", "reset potential, mV", func(p *network.Params) any { return &p.VResetMV }},
	{"t_ref_ms", "t_ref", "refractory period, ms", func(p *network.Params) any { return &p.TRefMs }},
	{"tau_syn_ms", "tau_syn", "synaptic current time constant, ms", func(p *network.Params) any { return &p.TauSynMs }},
	{"tau_nmda_ms", "tau_nmda", "NMDA current time constant, ms", func(p *network.Params) any { return &p.TauNMDAMs }},
	{"nmda_ratio", "nmda_ratio", "NMDA share of synaptic input (0.4 in Exp 22/23; 0.3 is the class default)", func(p *network.Params) any { return &p.NMDARatio }},
	{"alif", "ALIF", "adaptive threshold θ = v_th + β·a with soft reset", func(p *network.Params) any { return &p.ALIF }},
	{"tau_a_ms", "τ_a", "ALIF adaptation time constant, ms", func(p *network.Params) any { return &p.TauAMs }},
	{"beta", "β", "ALIF adaptation strength", func(p *network.Params) any { return &p.BetaALIF }},
	{"velocity_mm_per_ms", "v", "conduction velocity for long-range delays d = round(L/(v·dt)); 0 = no delays (MODEL.md §5 uses 3.5)", func(p *network.Params) any { return &p.VelocityMMPerMs }},
	{"dt_ms", "dt", "time step, ms", func(p *network.Params) any { return &p.DtMs }},
	{"attractor_assemblies", "none, an option of issue 16", "attractor option: assemblies of consecutive excitatory neurons per attractor region (with attractor_regions; see engine/network's package doc)", func(p *network.Params) any { return &p.AttractorAssemblies }},
	{"attractor_weight_factor", "none, an option of issue 16", "attractor option: multiplier of the local excitatory weights within an assembly", func(p *network.Params) any { return &p.AttractorWeightFactor }},
	{"wiring_seed", "wiring seed", "seed of synapse sampling (the reference fixes it at 42 and varies the noise seed)", func(p *network.Params) any { return &p.WiringSeed }},
	{"wiring_rng", "the reference's draw", `how synapses are drawn from wiring_seed: "numpy" (the reference's own draw: NumPy's default_rng(wiring_seed) in its loop order; seed 42 gives the reference's brain) or "encephagen" (a counter-based stream per block of synapses: another brain of the same family)`, func(p *network.Params) any { return &p.WiringRNG }},
	{"long_range", "the report's model (v1)", `long-range rules: "normalised" (MODEL.md §2) or "v1" (the model the research report's tables came from: raw weights × coupling, no 3× onto inhibitory targets, no inhibitory pathways)`, func(p *network.Params) any { return &p.LongRange }},
}

func paramDefault(bp brainParam) starlark.Value {
	d := network.Defaults()
	return paramValue(bp, &d)
}

func paramValue(bp brainParam, p *network.Params) starlark.Value {
	switch v := bp.field(p).(type) {
	case *float64:
		return starlark.Float(*v)
	case *int:
		return starlark.MakeInt(*v)
	case *bool:
		return starlark.Bool(*v)
	case *uint64:
		return starlark.MakeUint64(*v)
	case *string:
		return starlark.String(*v)
	}
	panic("script: unknown parameter kind " + bp.name)
}

func setParam(fn string, bp brainParam, p *network.Params, v starlark.Value) error {
	switch f := bp.field(p).(type) {
	case *float64:
		var x interp.Number
		if err := x.Unpack(v); err != nil {
			return fmt.Errorf("%s: for parameter %s: %v", fn, bp.name, err)
		}
		if r, ok := network.FloatRange(bp.name); ok && !r.Contains(float64(x)) {
			return interp.RangeError(fn, bp.name, r.String(), float64(x))
		} else if !interp.Finite(float64(x)) {
			return interp.RangeError(fn, bp.name, "finite", float64(x))
		}
		*f = float64(x)
	case *int:
		if err := starlark.AsInt(v, f); err != nil {
			return fmt.Errorf("%s: for parameter %s: got %s, want int", fn, bp.name, v.Type())
		}
	case *bool:
		b, ok := v.(starlark.Bool)
		if !ok {
			return fmt.Errorf("%s: for parameter %s: got %s, want bool", fn, bp.name, v.Type())
		}
		*f = bool(b)
	case *uint64:
		var s interp.Seed
		if err := s.Unpack(v); err != nil {
			return fmt.Errorf("%s: for parameter %s: %v", fn, bp.name, err)
		}
		*f = uint64(s)
	case *string:
		str, ok := v.(starlark.String)
		if !ok {
			return fmt.Errorf("%s: for parameter %s: got %s, want string", fn, bp.name, v.Type())
		}
		*f = string(str)
	}
	return nil
}

// Brain is one simulated brain: a network built from a connectome, and
// its state. run() advances it; a frozen brain (a global of a loaded
// module, or one captured by a pmap function) cannot be run.
type Brain struct {
	b      *sim.Brain
	conn   *Connectome
	frozen bool
	// shared is true while the network (and so its weights) may be shared
	// with other brains; anything that changes weights must first copy.
	shared bool
	mu     sync.Mutex // held while running: a brain runs on one thread at a time

	learner *eprop.Learner // nil until eprop.enable
	eparams eprop.Params

	be backend.Backend // the session's: where the brain's state is
}

// step is the number of steps simulated, wherever the brain's state is.
func (b *Brain) step() int64 { return b.be.Step(b.b) }

func (b *Brain) String() string {
	n := b.b.Net
	return fmt.Sprintf("brain(%s, regions=%d, neurons_per_region=%d, noise_seed=%d, t=%s ms)", b.conn.c.Name, n.Regions, n.NPR, b.b.NoiseSeed, interp.FormatFloat(b.tMs()))
}
func (b *Brain) Type() string         { return "brain" }
func (b *Brain) Freeze()              { b.frozen = true }
func (b *Brain) Truth() starlark.Bool { return true }
func (b *Brain) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: brain (it changes as it runs)")
}

func (b *Brain) Attr(name string) (starlark.Value, error) { return brainType.Attr(b, name) }
func (b *Brain) AttrNames() []string                      { return brainType.AttrNames() }

func (b *Brain) tMs() float64 { return float64(b.step()) * b.b.Net.Params.DtMs }

var brainType = interp.NewType("brain",
	"One simulated brain (MODEL.md §2–3): a network built from a connectome and its dynamic state. "+
		"Advance it with run(); it is mutable and unhashable, and a frozen brain (a global of a loaded "+
		"module, or captured by a pmap function) cannot be run.",
	interp.Member[*Brain]{Name: "connectome", Doc: "The connectome it was built from.",
		Get: func(b *Brain) (starlark.Value, error) { return b.conn, nil }},
	interp.Member[*Brain]{Name: "regions", Doc: "The number of regions.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt(b.b.Net.Regions), nil }},
	interp.Member[*Brain]{Name: "neurons_per_region", Doc: "Neurons per region.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt(b.b.Net.NPR), nil }},
	interp.Member[*Brain]{Name: "neurons", Doc: "The number of neurons (regions × neurons_per_region); neuron index = region·npr + k.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt(b.b.Net.N), nil }},
	interp.Member[*Brain]{Name: "synapses", Doc: "The number of synapses.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt(b.b.Net.Synapses()), nil }},
	interp.Member[*Brain]{Name: "local_synapses", Doc: "The number of local (within-region) synapses; the rest are long-range.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt(b.b.Net.NLocal), nil }},
	interp.Member[*Brain]{Name: "max_delay_steps", Doc: "The longest conduction delay in steps (0 without delays).",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt(b.b.Net.MaxDelay), nil }},
	interp.Member[*Brain]{Name: "step", Doc: "Steps simulated so far.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeInt64(b.step()), nil }},
	interp.Member[*Brain]{Name: "t_ms", Doc: "Time simulated so far, ms.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.Float(b.tMs()), nil }},
	interp.Member[*Brain]{Name: "dt_ms", Doc: "The time step, ms.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.Float(b.b.Net.Params.DtMs), nil }},
	interp.Member[*Brain]{Name: "noise_seed", Doc: "The seed of the dynamics noise (initial potentials and background input).",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeUint64(b.b.NoiseSeed), nil }},
	interp.Member[*Brain]{Name: "wiring_seed", Doc: "The seed the synapses were sampled with.",
		Get: func(b *Brain) (starlark.Value, error) { return starlark.MakeUint64(b.b.Net.Params.WiringSeed), nil }},
	interp.Member[*Brain]{Name: "params", Doc: "Every model parameter of the brain as a struct (the keywords of brain()).",
		Get: func(b *Brain) (starlark.Value, error) {
			p := b.b.Net.Params
			d := starlark.StringDict{}
			for _, bp := range brainParams {
				d[bp.name] = paramValue(bp, &p)
			}
			d["nmda_regions"] = interp.IntTuple(p.NMDARegions)
			d["attractor_regions"] = interp.IntTuple(p.AttractorRegions)
			d["noise_seed"] = starlark.MakeUint64(b.b.NoiseSeed)
			return starlarkstruct.FromStringDict(starlark.String("params"), d), nil
		}},
	interp.Member[*Brain]{Name: "group", Sig: "group(name)", Doc: "The region indices of a region group of the brain's connectome (see connectome.group).",
		Call: func(_ *starlark.Thread, fn string, b *Brain, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return b.conn.groupMethod(fn, args, kw)
		}},
	interp.Member[*Brain]{Name: "learning", Doc: "Whether e-prop is on (see eprop.enable).",
		Get: func(b *Brain) (starlark.Value, error) {
			return starlark.Bool(b.learner != nil && b.learner.Enabled()), nil
		}},
	interp.Member[*Brain]{Name: "memory_bytes", Doc: "Memory held for this brain: its network (shared with identical brains until it learns), its dynamic state, and its e-prop state when it has a learner.",
		Get: func(b *Brain) (starlark.Value, error) {
			n := b.b.Net.Bytes() + b.b.Bytes()
			if b.learner != nil {
				n += b.learner.Bytes()
			}
			return starlark.MakeInt64(n), nil
		}},
	interp.Member[*Brain]{Name: "weight_stats", Sig: "weight_stats()",
		Doc: "Statistics of the current synaptic weights (mV): struct(n, mean, std, min, max, local_mean, long_range_mean).",
		Call: func(_ *starlark.Thread, fn string, b *Brain, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := interp.Bind(fn, args, kw); err != nil {
				return nil, err
			}
			return weightStats(b.b.Net), nil
		}},
)

func weightStats(n *network.Network) starlark.Value {
	var s, ss, ls, rs float64
	var nl, nr int
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < n.N; i++ {
		region := i / n.NPR
		for j := n.Start[i]; j < n.Start[i+1]; j++ {
			w := float64(n.W[j])
			s += w
			ss += w * w
			lo, hi = math.Min(lo, w), math.Max(hi, w)
			if int(n.Post[j])/n.NPR == region {
				ls += w
				nl++
			} else {
				rs += w
				nr++
			}
		}
	}
	cnt := float64(len(n.W))
	m, sd := 0.0, 0.0
	if cnt > 0 {
		m = s / cnt
		sd = math.Sqrt(math.Max(0, ss/cnt-m*m))
	} else {
		lo, hi = 0, 0
	}
	avg := func(sum float64, k int) starlark.Value {
		if k == 0 {
			return starlark.None
		}
		return starlark.Float(sum / float64(k))
	}
	return starlarkstruct.FromStringDict(starlark.String("weight_stats"), starlark.StringDict{
		"n": starlark.MakeInt(len(n.W)), "mean": starlark.Float(m), "std": starlark.Float(sd),
		"min": starlark.Float(lo), "max": starlark.Float(hi),
		"local_mean": avg(ls, nl), "long_range_mean": avg(rs, nr),
	})
}

func brainSig() string {
	var b strings.Builder
	b.WriteString("brain(connectome, *")
	for _, bp := range brainParams {
		fmt.Fprintf(&b, ", %s=%s", bp.name, paramDefault(bp))
	}
	b.WriteString(`, nmda_regions="prefrontal", attractor_regions=[], noise_seed=0)`)
	return b.String()
}

func brainDoc() string {
	var b strings.Builder
	b.WriteString(`Builds one brain on a connectome (MODEL.md §2–3, §5). Every model parameter is a keyword with the
default of the reference experiments 22/23; the units are in the names. Brains with the same connectome
and parameters share their wiring (only noise_seed differs), so a batch builds once. Parameters
(each float one has the finite range shown; also v_reset_mv < v_th_mv and tau_m_ms ≥ dt_ms):
`)
	for _, bp := range brainParams {
		doc := bp.doc
		if r, ok := network.FloatRange(bp.name); ok {
			doc += ", " + r.String()
		}
		fmt.Fprintf(&b, "\n  %-19s %-8s %s (MODEL.md: %s)", bp.name, paramDefault(bp).String(), doc, bp.model)
	}
	fmt.Fprintf(&b, "\n  %-19s %-8s %s", "nmda_regions", `"prefrontal"`, "regions whose neurons carry an NMDA current: a group name, labels, indices, a list of them, or [] for none (by default the prefrontal group, none when the connectome has no prefrontal region)")
	fmt.Fprintf(&b, "\n  %-19s %-8s %s", "attractor_regions", "[]", "attractor option: regions whose excitatory neurons form assemblies (a group name, labels, indices or a list of them; none by default)")
	fmt.Fprintf(&b, "\n  %-19s %-8s %s", "noise_seed", "0", "seed of the dynamics noise: initial potentials and background input")
	return b.String()
}

func brainBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := interp.SessionOf(thread, b.Name())
	if err != nil {
		return nil, err
	}
	fn := b.Name()
	if len(args) > 1 {
		return nil, fmt.Errorf("%s: got %d positional arguments, want 1 (the connectome); give the parameters as keywords", fn, len(args))
	}
	// The declaration (brainSig) is connectome, the table, nmda_regions,
	// attractor_regions and noise_seed.
	vals, err := interp.BindValues(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	conn, ok := vals[0].(*Connectome)
	if !ok {
		return nil, fmt.Errorf("%s: for parameter connectome: got %s, want connectome (from connectome(\"tvb96\"))", fn, vals[0].Type())
	}
	p := network.Defaults()
	for i, bp := range brainParams {
		if v := vals[1+i]; v != nil {
			if err := setParam(fn, bp, &p, v); err != nil {
				return nil, err
			}
		}
	}
	nmda := vals[1+len(brainParams)] // nil: the default, the prefrontal group if the connectome has one
	attractor := vals[2+len(brainParams)]
	var noise interp.Seed
	if v := vals[3+len(brainParams)]; v != nil {
		if err := noise.Unpack(v); err != nil {
			return nil, fmt.Errorf("%s: for parameter noise_seed: %v", fn, err)
		}
	}
	if nmda == nil {
		p.NMDARegions, _ = conn.c.Group("prefrontal")
	} else if nmda != starlark.None {
		if l, ok := nmda.(starlark.Sequence); !ok || l.Len() > 0 {
			if p.NMDARegions, err = conn.regions(fn, "nmda_regions", nmda); err != nil {
				return nil, err
			}
		}
	}
	if attractor != nil && attractor != starlark.None {
		if l, ok := attractor.(starlark.Sequence); !ok || l.Len() > 0 {
			if p.AttractorRegions, err = conn.regions(fn, "attractor_regions", attractor); err != nil {
				return nil, err
			}
		}
	}
	if err := p.Validate(conn.c.N()); err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	net, err := s.Nets.Build(conn.c, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	sb := sim.NewBrain(net, uint64(noise))
	prog, dt := s.Progress, p.DtMs
	sb.Progress = func(n int) { prog.AddSteps(n, dt) }
	return &Brain{b: sb, conn: conn, shared: true, be: s.Backend}, nil
}

// Batch is a set of brains advanced together, in lockstep, by one run()
// call; the work is spread over the workers and the results do not depend
// on their number.
type Batch struct {
	brains []*Brain
	frozen bool
}

var (
	_ starlark.Indexable = (*Batch)(nil)
	_ starlark.Iterable  = (*Batch)(nil)
)

func (bt *Batch) String() string        { return fmt.Sprintf("batch(%d brains)", len(bt.brains)) }
func (bt *Batch) Type() string          { return "batch" }
func (bt *Batch) Truth() starlark.Bool  { return len(bt.brains) > 0 }
func (bt *Batch) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: batch") }
func (bt *Batch) Len() int              { return len(bt.brains) }
func (bt *Batch) Index(i int) starlark.Value {
	return bt.brains[i]
}
func (bt *Batch) Iterate() starlark.Iterator { return &batchIter{bt: bt} }
func (bt *Batch) Freeze() {
	if !bt.frozen {
		bt.frozen = true
		for _, b := range bt.brains {
			b.Freeze()
		}
	}
}
func (bt *Batch) Attr(name string) (starlark.Value, error) { return batchType.Attr(bt, name) }
func (bt *Batch) AttrNames() []string                      { return batchType.AttrNames() }

type batchIter struct {
	bt *Batch
	i  int
}

func (it *batchIter) Next(p *starlark.Value) bool {
	if it.i >= len(it.bt.brains) {
		return false
	}
	*p = it.bt.brains[it.i]
	it.i++
	return true
}
func (it *batchIter) Done() {}

var batchType = interp.NewType("batch",
	"Brains advanced in lockstep by run(): len(b), b[i] and iteration give the brains. "+
		"run(batch, ...) returns one recording per brain, in order.",
	interp.Member[*Batch]{Name: "brains", Doc: "The brains, as a tuple.",
		Get: func(bt *Batch) (starlark.Value, error) {
			t := make(starlark.Tuple, len(bt.brains))
			for i, b := range bt.brains {
				t[i] = b
			}
			return t, nil
		}},
)

func batchBuiltin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Iterable
	if err := interp.Bind(b.Name(), args, kwargs, &v); err != nil {
		return nil, err
	}
	bt := &Batch{}
	iter := v.Iterate()
	defer iter.Done()
	var x starlark.Value
	seen := map[*Brain]bool{}
	for i := 0; iter.Next(&x); i++ {
		br, ok := x.(*Brain)
		if !ok {
			return nil, fmt.Errorf("%s: brains[%d]: got %s, want brain", b.Name(), i, x.Type())
		}
		if seen[br] {
			return nil, fmt.Errorf("%s: brains[%d] appears twice; a brain can be advanced only once per step", b.Name(), i)
		}
		seen[br] = true
		bt.brains = append(bt.brains, br)
	}
	if len(bt.brains) == 0 {
		return nil, fmt.Errorf("%s: brains is empty", b.Name())
	}
	return bt, nil
}

func init() {
	interp.Decl("brain", "brains", brainSig(), brainDoc(), brainBuiltin)
	interp.Decl("batch", "brains", "batch(brains)",
		"Groups brains (a list) into a batch that run() advances in lockstep, spread over --workers cores; "+
			"the results are the same for any number of workers.", batchBuiltin)
}
