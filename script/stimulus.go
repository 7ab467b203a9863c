package script

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/script/interp"
)

// Pattern is a fixed set of k active neurons out of n (the neurons of one
// region), drawn from a seed.
type Pattern struct {
	bits  []bool
	k     int
	seed  uint64
	rng   string // network.WiringNumPy or WiringEncephagen
	index int
}

var (
	_ starlark.Indexable  = (*Pattern)(nil)
	_ starlark.Comparable = (*Pattern)(nil)
	_ starlark.Iterable   = (*Pattern)(nil)
)

func (p *Pattern) String() string {
	return fmt.Sprintf("pattern(seed=%d, index=%d, k=%d, n=%d)", p.seed, p.index, p.k, len(p.bits))
}
func (p *Pattern) Type() string         { return "pattern" }
func (p *Pattern) Freeze()              {}
func (p *Pattern) Truth() starlark.Bool { return true }
func (p *Pattern) Hash() (uint32, error) {
	h := fnv.New32a()
	for _, b := range p.bits {
		if b {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
	}
	return h.Sum32(), nil
}
func (p *Pattern) Len() int { return len(p.bits) }
func (p *Pattern) Iterate() starlark.Iterator {
	vals := make([]starlark.Value, len(p.bits))
	for i, b := range p.bits {
		vals[i] = starlark.Bool(b)
	}
	return starlark.Tuple(vals).Iterate()
}
func (p *Pattern) Index(i int) starlark.Value { return starlark.Bool(p.bits[i]) }
func (p *Pattern) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	q := y.(*Pattern)
	eq := len(p.bits) == len(q.bits)
	for i := 0; eq && i < len(p.bits); i++ {
		eq = p.bits[i] == q.bits[i]
	}
	switch op {
	case syntax.EQL:
		return eq, nil
	case syntax.NEQ:
		return !eq, nil
	}
	return false, fmt.Errorf("pattern: %s not supported", op)
}
func (p *Pattern) Attr(name string) (starlark.Value, error) { return patternType.Attr(p, name) }
func (p *Pattern) AttrNames() []string                      { return patternType.AttrNames() }

// JSONValue is the pattern as JSON writes it: its active indices.
func (p *Pattern) JSONValue() starlark.Value {
	a, _ := p.Attr("active")
	return a
}

var patternType = interp.NewType("pattern",
	"A set of k active neurons out of n (the neurons of a region), from patterns(). "+
		"len(p) is n and p[i] says whether neuron i of each stimulated region is active. Immutable and hashable.",
	interp.Member[*Pattern]{Name: "k", Doc: "The number of active neurons.",
		Get: func(p *Pattern) (starlark.Value, error) { return starlark.MakeInt(p.k), nil }},
	interp.Member[*Pattern]{Name: "n", Doc: "The number of neurons it covers (the brain's neurons_per_region).",
		Get: func(p *Pattern) (starlark.Value, error) { return starlark.MakeInt(len(p.bits)), nil }},
	interp.Member[*Pattern]{Name: "seed", Doc: "The seed it was drawn with.",
		Get: func(p *Pattern) (starlark.Value, error) { return starlark.MakeUint64(p.seed), nil }},
	interp.Member[*Pattern]{Name: "rng", Doc: `The generator it was drawn with: "numpy" or "encephagen".`,
		Get: func(p *Pattern) (starlark.Value, error) { return starlark.String(p.rng), nil }},
	interp.Member[*Pattern]{Name: "index", Doc: "Its position in the sequence drawn from the seed.",
		Get: func(p *Pattern) (starlark.Value, error) { return starlark.MakeInt(p.index), nil }},
	interp.Member[*Pattern]{Name: "active", Doc: "The indices of the active neurons, ascending, as a tuple.",
		Get: func(p *Pattern) (starlark.Value, error) {
			var t starlark.Tuple
			for i, b := range p.bits {
				if b {
					t = append(t, starlark.MakeInt(i))
				}
			}
			return t, nil
		}},
)

func patternsBuiltin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var count int
	k, n := 60, 200
	sd := interp.Seed(42)
	gen := network.WiringNumPy
	if err := interp.Bind(fn, args, kwargs, &count, &k, &n, &sd, &gen); err != nil {
		return nil, err
	}
	if err := checkRNG(fn, gen); err != nil {
		return nil, err
	}
	switch {
	case count < 0 || count > 1<<20:
		return nil, interp.RangeError(fn, "count", "in [0, 1048576]", count)
	case n < 1 || n > 1<<20:
		return nil, interp.RangeError(fn, "n", "in [1, 1048576] (neurons per region)", n)
	case k < 0 || k > n:
		return nil, interp.RangeError(fn, "k", fmt.Sprintf("in [0, n=%d]", n), k)
	}
	draw := sim.Patterns
	if gen == network.WiringNumPy {
		draw = sim.PatternsNumPy
	}
	ps, err := draw(uint64(sd), count, k, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	out := make(starlark.Tuple, len(ps))
	for i, p := range ps {
		out[i] = &Pattern{bits: p, k: k, seed: uint64(sd), rng: gen, index: i}
	}
	return out, nil
}

// Stimulus is a set of inputs applied together: each adds mv to i_syn,
// every step while it is on, of the neurons (all, or a pattern's) of its
// regions (MODEL.md §3 point 2). Regions are resolved against the brain's
// connectome when the stimulus is applied, so one stimulus serves brains
// on different connectomes. Immutable; s1 + s2 applies both.
type Stimulus struct {
	inputs []stimInput
}

type stimInput struct {
	regions starlark.Value // a region spec, frozen
	pattern *Pattern       // nil: every neuron (or neurons')
	neurons []int          // neurons= of stimulus(): indices within each region, or nil
	mv      float64
}

var _ starlark.HasBinary = (*Stimulus)(nil)

func (s *Stimulus) String() string {
	var parts []string
	for _, in := range s.inputs {
		p := ""
		if in.pattern != nil {
			p = ", pattern=" + in.pattern.String()
		}
		if in.neurons != nil {
			p = fmt.Sprintf(", neurons=%v", in.neurons)
		}
		parts = append(parts, fmt.Sprintf("stimulus(%s, mv=%s%s)", in.regions, interp.FormatFloat(in.mv), p))
	}
	return strings.Join(parts, " + ")
}
func (s *Stimulus) Type() string          { return "stimulus" }
func (s *Stimulus) Freeze()               {}
func (s *Stimulus) Truth() starlark.Bool  { return len(s.inputs) > 0 }
func (s *Stimulus) Hash() (uint32, error) { return starlark.String(s.String()).Hash() }
func (s *Stimulus) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	t, ok := y.(*Stimulus)
	if op != syntax.PLUS || !ok {
		return nil, nil
	}
	if side == starlark.Right {
		s, t = t, s
	}
	return &Stimulus{inputs: append(append([]stimInput(nil), s.inputs...), t.inputs...)}, nil
}
func (s *Stimulus) Attr(name string) (starlark.Value, error) { return stimulusType.Attr(s, name) }
func (s *Stimulus) AttrNames() []string                      { return stimulusType.AttrNames() }

var stimulusType = interp.NewType("stimulus",
	"External input for run(): from stimulus(); s1 + s2 applies both (a neuron targeted twice gets the sum).",
	interp.Member[*Stimulus]{Name: "inputs", Doc: "The inputs as a tuple of struct(regions, mv, pattern, neurons).",
		Get: func(s *Stimulus) (starlark.Value, error) {
			t := make(starlark.Tuple, len(s.inputs))
			for i, in := range s.inputs {
				var p starlark.Value = starlark.None
				if in.pattern != nil {
					p = in.pattern
				}
				var ns starlark.Value = starlark.None
				if in.neurons != nil {
					ns = interp.IntTuple(in.neurons)
				}
				t[i] = starlarkstruct.FromStringDict(starlark.String("input"), starlark.StringDict{
					"regions": in.regions, "mv": starlark.Float(in.mv), "pattern": p, "neurons": ns,
				})
			}
			return t, nil
		}},
	interp.Member[*Stimulus]{Name: "scaled", Sig: "scaled(factor)", Doc: "The same stimulus with every amplitude multiplied by factor.",
		Call: func(_ *starlark.Thread, fn string, s *Stimulus, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var f interp.Number
			if err := interp.Bind(fn, args, kw, &f); err != nil {
				return nil, err
			}
			if !interp.Finite(float64(f)) {
				return nil, interp.RangeError(fn, "factor", "finite", float64(f))
			}
			out := &Stimulus{inputs: append([]stimInput(nil), s.inputs...)}
			for i := range out.inputs {
				out.inputs[i].mv *= float64(f)
				if !(math.Abs(out.inputs[i].mv) <= maxStimulusMV) {
					return nil, fmt.Errorf("%s: factor %s makes an amplitude of %s mV; amplitudes must be %s", fn, interp.FormatFloat(float64(f)), interp.FormatFloat(out.inputs[i].mv), stimulusRange)
				}
			}
			return out, nil
		}},
)

// maxStimulusMV bounds a stimulus amplitude (mV added to a neuron's
// synaptic current every step), so that the state stays finite.
const (
	maxStimulusMV = 10000
	stimulusRange = "in [-10000, 10000] (mV)"
)

func stimulusBuiltin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var regions starlark.Value
	var mv interp.Number
	var pat, neurons starlark.Value = starlark.None, starlark.None
	if err := interp.Bind(fn, args, kwargs, &regions, &mv, &pat, &neurons); err != nil {
		return nil, err
	}
	if !(math.Abs(float64(mv)) <= maxStimulusMV) {
		return nil, interp.RangeError(fn, "mv", stimulusRange, float64(mv))
	}
	if err := checkRegionSpec(fn, "regions", regions); err != nil {
		return nil, err
	}
	if l, ok := regions.(*starlark.List); ok {
		// Keep a copy: the caller's list stays theirs to change.
		t := make(starlark.Tuple, l.Len())
		for i := range t {
			t[i] = l.Index(i)
		}
		regions = t
	}
	in := stimInput{regions: regions, mv: float64(mv)}
	if pat != starlark.None {
		p, ok := pat.(*Pattern)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter pattern: got %s, want pattern (from patterns()) or None", fn, pat.Type())
		}
		in.pattern = p
	}
	if neurons != starlark.None {
		if pat != starlark.None {
			return nil, fmt.Errorf("%s: give pattern or neurons, not both", fn)
		}
		ns, err := toInts(fn, "neurons", neurons)
		if err != nil {
			return nil, err
		}
		for k, i := range ns {
			if i < 0 {
				return nil, fmt.Errorf("%s: neurons[%d] must be a neuron index within a region (≥ 0), got %d", fn, k, i)
			}
		}
		in.neurons = append([]int{}, ns...)
	}
	return &Stimulus{inputs: []stimInput{in}}, nil
}

// checkRegionSpec checks the shape of a region specification before a
// connectome is known: a string, an int, or a sequence of those.
func checkRegionSpec(fn, name string, v starlark.Value) error {
	switch x := v.(type) {
	case starlark.String, starlark.Int:
		return nil
	case *Array:
		_, err := toInts(fn, name, x)
		return err
	case starlark.Iterable:
		iter := x.Iterate()
		defer iter.Done()
		var e starlark.Value
		for k := 0; iter.Next(&e); k++ {
			switch e.(type) {
			case starlark.String, starlark.Int:
			default:
				return fmt.Errorf("%s: %s[%d]: got %s, want a region index, label or group name", fn, name, k, e.Type())
			}
		}
		return nil
	}
	return fmt.Errorf("%s: for parameter %s: got %s, want a group name, region label, index, or a list of them", fn, name, v.Type())
}

// dense converts stimuli (applied together) to per-neuron input for a
// brain; nil when there is no input.
func denseInput(fn string, stims []*Stimulus, conn *Connectome, net *network.Network) ([]float32, error) {
	var s sim.Stimulus
	for _, st := range stims {
		for _, in := range st.inputs {
			regions, err := conn.regions(fn, "stimulus regions", in.regions)
			if err != nil {
				return nil, err
			}
			x := sim.Input{Regions: regions, AmplitudeMV: in.mv}
			if in.pattern != nil {
				if len(in.pattern.bits) != net.NPR {
					return nil, fmt.Errorf("%s: stimulus pattern covers %d neurons but the brain has %d per region (draw it with patterns(..., n=%d))", fn, len(in.pattern.bits), net.NPR, net.NPR)
				}
				x.Pattern = in.pattern.bits
			}
			if in.neurons != nil {
				x.Pattern = make([]bool, net.NPR)
				for k, i := range in.neurons {
					if i >= net.NPR {
						return nil, fmt.Errorf("%s: stimulus neurons[%d] = %d, but the brain has %d neurons per region", fn, k, i, net.NPR)
					}
					x.Pattern[i] = true
				}
			}
			s = append(s, x)
		}
	}
	d, err := s.Dense(net)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	return d, nil
}

func init() {
	interp.Decl("patterns", "stimuli", `patterns(count, k=60, n=200, seed=42, rng="numpy")`,
		"Draws count patterns, each of k active neurons out of n, from one generator seeded with seed, "+
			"in order: pattern 0 is the same whether 1 or 5 are drawn. rng \"numpy\" draws each as the reference "+
			"does, default_rng(seed).choice(n, k, replace=False) from one generator (seed 42, k 60, n 200: the "+
			"reference's five patterns); \"encephagen\" uses the engine's own generator. n must equal the "+
			"brain's neurons_per_region. Returns a tuple of patterns.",
		patternsBuiltin)
	interp.Decl("stimulus", "stimuli", "stimulus(regions, mv, pattern=None, neurons=None)",
		`An external input: mv (mV per step, added to i_syn every step while on, MODEL.md §3) to every neuron,
or to the neurons of pattern (or neurons: a list of neuron indices within a region, e.g. an attractor
assembly), of each region in regions. regions is a group name ("visual"), a region
label, "all", an index, or a list of them (e.g. b.group("visual")[:4]); it is resolved against the brain
when applied. Combine stimuli with + or pass a list to run().`, stimulusBuiltin)
}
