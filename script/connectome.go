package script

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/script/interp"
)

// Connectome is a loaded (or derived) connectome. It is immutable: null
// models and transposition return new connectomes.
type Connectome struct {
	c *connectome.Connectome
}

var (
	_ starlark.HasAttrs = (*Connectome)(nil)
)

// Engine returns the wrapped connectome.
func (c *Connectome) Engine() *connectome.Connectome { return c.c }

func (c *Connectome) String() string {
	return fmt.Sprintf("connectome(%q, regions=%d, rows=%q)", c.c.Name, c.c.N(), c.c.Orientation)
}
func (c *Connectome) Type() string          { return "connectome" }
func (c *Connectome) Freeze()               {}
func (c *Connectome) Truth() starlark.Bool  { return true }
func (c *Connectome) Hash() (uint32, error) { return starlark.String(c.c.Source).Hash() }

func (c *Connectome) Attr(name string) (starlark.Value, error) { return connectomeType.Attr(c, name) }
func (c *Connectome) AttrNames() []string                      { return connectomeType.AttrNames() }

// regions resolves a region specification against the connectome: a group
// name ("visual"), a region label ("RM-V1_R"), "all", an index, or a
// sequence of these. The result is ascending and without duplicates.
func (c *Connectome) regions(fn, name string, v starlark.Value) ([]int, error) {
	n := c.c.N()
	seen := make([]bool, n)
	var add func(x starlark.Value, where string) error
	add = func(x starlark.Value, where string) error {
		switch x := x.(type) {
		case starlark.String:
			s := string(x)
			if s == "all" {
				for i := range seen {
					seen[i] = true
				}
				return nil
			}
			if g, err := c.c.Group(s); err == nil {
				if len(g) == 0 {
					return fmt.Errorf("%s: %s: group %q matches no region of %s", fn, where, s, c.c.Name)
				}
				for _, i := range g {
					seen[i] = true
				}
				return nil
			}
			i, err := c.c.RegionIndex(s)
			if err != nil {
				return fmt.Errorf("%s: %s: %q is neither a region group (%s), \"all\", nor a region label: %v", fn, where, s, strings.Join(connectome.GroupNames(), ", "), err)
			}
			seen[i] = true
		case starlark.Int:
			i, ok := x.Int64()
			if !ok || i < 0 || i >= int64(n) {
				return fmt.Errorf("%s: %s: region index must be in [0, %d), got %s", fn, where, n, x)
			}
			seen[i] = true
		case *Array:
			idx, err := toInts(fn, where, x)
			if err != nil {
				return err
			}
			for _, i := range idx {
				if err := add(starlark.MakeInt(i), where); err != nil {
					return err
				}
			}
		case starlark.Iterable:
			iter := x.Iterate()
			defer iter.Done()
			var e starlark.Value
			for k := 0; iter.Next(&e); k++ {
				if _, nested := e.(starlark.String); !nested {
					if _, isInt := e.(starlark.Int); !isInt {
						return fmt.Errorf("%s: %s[%d]: got %s, want a region index, label or group name", fn, where, k, e.Type())
					}
				}
				if err := add(e, fmt.Sprintf("%s[%d]", where, k)); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: %s: got %s, want a group name, region label, index, or a list of them", fn, where, x.Type())
		}
		return nil
	}
	if err := add(v, name); err != nil {
		return nil, err
	}
	var out []int
	for i, ok := range seen {
		if ok {
			out = append(out, i)
		}
	}
	return out, nil
}

func matrixOf(m []float64, n int) *Array {
	return newMatrix(append([]float64(nil), m...), n, n)
}

var connectomeType = interp.NewType("connectome",
	"A region-level connectome (MODEL.md §1): labels, a directed weight matrix indexed [src][dst] "+
		"whatever the file's orientation, and optionally tract lengths and centres. Immutable.",
	interp.Member[*Connectome]{Name: "name", Doc: "The short name, e.g. \"tvb96\".",
		Get: func(c *Connectome) (starlark.Value, error) { return starlark.String(c.c.Name), nil }},
	interp.Member[*Connectome]{Name: "source", Doc: "Where the data came from (a path, or the null model applied), for provenance.",
		Get: func(c *Connectome) (starlark.Value, error) { return starlark.String(c.c.Source), nil }},
	interp.Member[*Connectome]{Name: "rows", Doc: "How the file's rows were read: \"source\" (the reference code's reading) or \"target\" (TVB's).",
		Get: func(c *Connectome) (starlark.Value, error) { return starlark.String(c.c.Orientation.String()), nil }},
	interp.Member[*Connectome]{Name: "regions", Doc: "The number of regions.",
		Get: func(c *Connectome) (starlark.Value, error) { return starlark.MakeInt(c.c.N()), nil }},
	interp.Member[*Connectome]{Name: "labels", Doc: "The region labels, a tuple of strings.",
		Get: func(c *Connectome) (starlark.Value, error) {
			t := make(starlark.Tuple, c.c.N())
			for i, l := range c.c.Labels {
				t[i] = starlark.String(l)
			}
			return t, nil
		}},
	interp.Member[*Connectome]{Name: "weights", Doc: "The weight matrix as a 2-D array, [src][dst].",
		Get: func(c *Connectome) (starlark.Value, error) { return matrixOf(c.c.Weights, c.c.N()), nil }},
	interp.Member[*Connectome]{Name: "tract_lengths", Doc: "The tract-length matrix in mm as a 2-D array [src][dst], or None.",
		Get: func(c *Connectome) (starlark.Value, error) {
			if c.c.TractLengths == nil {
				return starlark.None, nil
			}
			return matrixOf(c.c.TractLengths, c.c.N()), nil
		}},
	interp.Member[*Connectome]{Name: "centres", Doc: "The region centres in mm as a regions×3 array, or None.",
		Get: func(c *Connectome) (starlark.Value, error) {
			if c.c.Centres == nil {
				return starlark.None, nil
			}
			var d []float64
			for _, x := range c.c.Centres {
				d = append(d, x[0], x[1], x[2])
			}
			return newMatrix(d, c.c.N(), 3), nil
		}},
	interp.Member[*Connectome]{Name: "weight", Sig: "weight(src, dst)", Doc: "The weight of the pathway src→dst (region indices).",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			s, d, err := c.pathwayArgs(fn, args, kw)
			if err != nil {
				return nil, err
			}
			return starlark.Float(c.c.Weight(s, d)), nil
		}},
	interp.Member[*Connectome]{Name: "distance_mm", Sig: "distance_mm(src, dst)",
		Doc: "The length of the pathway src→dst in mm used for conduction delays: the tract length, or the distance between centres; None when the connectome has neither.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			s, d, err := c.pathwayArgs(fn, args, kw)
			if err != nil {
				return nil, err
			}
			mm, ok := c.c.DistanceMM(s, d)
			if !ok {
				return starlark.None, nil
			}
			return starlark.Float(mm), nil
		}},
	interp.Member[*Connectome]{Name: "edges", Sig: "edges()",
		Doc: "The directed off-diagonal edges with weight > 0 (those that become synapses), in (src, dst) order, as struct(src=int array, dst=int array, weight=array).",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := interp.Bind(fn, args, kw); err != nil {
				return nil, err
			}
			es := c.c.Edges()
			src, dst, w := make([]float64, len(es)), make([]float64, len(es)), make([]float64, len(es))
			for i, e := range es {
				src[i], dst[i], w[i] = float64(e.Src), float64(e.Dst), e.W
			}
			return starlarkstruct.FromStringDict(starlark.String("edges"), starlark.StringDict{
				"src": newIntArray(src), "dst": newIntArray(dst), "weight": NewArray(w),
			}), nil
		}},
	interp.Member[*Connectome]{Name: "group", Sig: "group(name)",
		Doc: "The region indices of a region group (MODEL.md §1: visual, auditory, somatosensory, prefrontal, hippocampus, amygdala, basal_ganglia, thalamus, motor), ascending, as a tuple; empty when no label matches.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return c.groupMethod(fn, args, kw)
		}},
	interp.Member[*Connectome]{Name: "group_names", Doc: "The names of the region groups, in their fixed order.",
		Get: func(c *Connectome) (starlark.Value, error) {
			var t starlark.Tuple
			for _, n := range connectome.GroupNames() {
				t = append(t, starlark.String(n))
			}
			return t, nil
		}},
	interp.Member[*Connectome]{Name: "regions_of", Sig: "regions_of(spec)",
		Doc: "Resolves a region specification as stimulus() and group_rate() do: a group name, a region label, \"all\", an index, or a list of them; returns the ascending tuple of indices.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var v starlark.Value
			if err := interp.Bind(fn, args, kw, &v); err != nil {
				return nil, err
			}
			r, err := c.regions(fn, "spec", v)
			if err != nil {
				return nil, err
			}
			return interp.IntTuple(r), nil
		}},
	interp.Member[*Connectome]{Name: "region", Sig: "region(label)", Doc: "The index of the region with this exact label; an unknown or ambiguous label is an error.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var label string
			if err := interp.Bind(fn, args, kw, &label); err != nil {
				return nil, err
			}
			i, err := c.c.RegionIndex(label)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", fn, err)
			}
			return starlark.MakeInt(i), nil
		}},
	interp.Member[*Connectome]{Name: "rewire", Sig: `rewire(seed, rng="numpy")`,
		Doc: "A degree-preserving (Maslov–Sneppen) rewiring (MODEL.md §1); the same seed gives the same graph everywhere. " +
			`rng "numpy" is the reference's own rewiring with its draws (default_rng(seed); its edge list includes self-loops, ` +
			`so most of them move off the diagonal and become long-range edges); "encephagen" rewires the off-diagonal edges ` +
			"with the engine's generator and drops the diagonal.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var sd interp.Seed
			gen := network.WiringNumPy
			if err := interp.Bind(fn, args, kw, &sd, &gen); err != nil {
				return nil, err
			}
			if err := checkRNG(fn, gen); err != nil {
				return nil, err
			}
			if gen == network.WiringNumPy {
				return &Connectome{connectome.RewireNumPy(c.c, uint64(sd))}, nil
			}
			return &Connectome{connectome.Rewire(c.c, uint64(sd))}, nil
		}},
	interp.Member[*Connectome]{Name: "erdos_renyi", Sig: "erdos_renyi(seed)",
		Doc:  "An Erdős–Rényi null model: as many directed edges placed uniformly, carrying a random permutation of the weights (MODEL.md §1).",
		Call: nullModel(connectome.ErdosRenyi)},
	interp.Member[*Connectome]{Name: "transposed", Sig: "transposed()",
		Doc: "The same connectome with every pathway reversed: the file read with the other orientation.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := interp.Bind(fn, args, kw); err != nil {
				return nil, err
			}
			return &Connectome{c.c.Transposed()}, nil
		}},
	interp.Member[*Connectome]{Name: "info", Sig: "info()",
		Doc: "A summary struct: regions, edges, self_loops, density, symmetric, weight_min/max/mean, has_tracts, tract_min/max/mean (mm), has_centres.",
		Call: func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := interp.Bind(fn, args, kw); err != nil {
				return nil, err
			}
			in := c.c.Info()
			return starlarkstruct.FromStringDict(starlark.String("info"), starlark.StringDict{
				"name": starlark.String(in.Name), "regions": starlark.MakeInt(in.Regions),
				"edges": starlark.MakeInt(in.Edges), "self_loops": starlark.MakeInt(in.SelfLoops),
				"density": starlark.Float(in.Density), "symmetric": starlark.Bool(in.Symmetric),
				"weight_min": starlark.Float(in.WeightMin), "weight_max": starlark.Float(in.WeightMax),
				"weight_mean": starlark.Float(in.WeightMean), "has_tracts": starlark.Bool(in.HasTracts),
				"tract_min": starlark.Float(in.TractMin), "tract_max": starlark.Float(in.TractMax),
				"tract_mean": starlark.Float(in.TractMean), "has_centres": starlark.Bool(in.HasCentres),
			}), nil
		}},
)

// pathwayArgs reads a pathway's (src, dst) region indices.
func (c *Connectome) pathwayArgs(fn string, args starlark.Tuple, kw []starlark.Tuple) (src, dst int, err error) {
	if err := interp.Bind(fn, args, kw, &src, &dst); err != nil {
		return 0, 0, err
	}
	if err := c.checkIndex(fn, "src", src); err != nil {
		return 0, 0, err
	}
	return src, dst, c.checkIndex(fn, "dst", dst)
}

func (c *Connectome) checkIndex(fn, name string, i int) error {
	if i < 0 || i >= c.c.N() {
		return interp.RangeError(fn, name, fmt.Sprintf("a region index in [0, %d)", c.c.N()), i)
	}
	return nil
}

// nullModel is the method of a seeded null model: model(c, seed).
func nullModel(model func(*connectome.Connectome, uint64) *connectome.Connectome) func(*starlark.Thread, string, *Connectome, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, fn string, c *Connectome, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var sd interp.Seed
		if err := interp.Bind(fn, args, kw, &sd); err != nil {
			return nil, err
		}
		return &Connectome{model(c.c, uint64(sd))}, nil
	}
}

// checkRNG refuses an unknown generator name for a rng= keyword.
func checkRNG(fn, gen string) error {
	if gen != network.WiringNumPy && gen != network.WiringEncephagen {
		return fmt.Errorf("%s: rng must be %q (the reference's draws) or %q, got %q", fn, network.WiringNumPy, network.WiringEncephagen, gen)
	}
	return nil
}

// findConnectome resolves a connectome name or path inside the sandbox.
// A name without a path separator is looked up in the data path and the
// cache; a path is taken relative to the calling script's folder.
func findConnectome(s *interp.Session, fn, from, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%s: name must not be empty", fn)
	}
	if strings.ContainsAny(name, `/\`) {
		return scriptFile(s, fn, from, name)
	}
	sb := s.Sandbox
	if p, ok := sb.Store.Find(name); ok {
		return sb.AllowRead(fn, p)
	}
	// Not in the data folders. A file or folder of that name beside the
	// script is meant as a path.
	if from != "" && !strings.HasPrefix(from, interp.StdlibPrefix) {
		if _, err := os.Stat(filepath.Join(filepath.Dir(from), name)); err == nil {
			return "", fmt.Errorf("%s: %q is not a connectome of the data path, but %s is beside the script: give it as a path, connectome(\"./%s\")", fn, name, name, name)
		}
	}
	// Let the store explain where it looked and how to get the file.
	if _, err := sb.Store.Resolve(name); err != nil {
		return "", fmt.Errorf("%s: %v", fn, err)
	}
	return "", fmt.Errorf("%s: connectome %q is only in the current folder, which scripts may not read; put it in a data folder (ENCEPHAGEN_DATA) or beside the script and give its path", fn, name)
}

// scriptFile resolves a path given by a script relative to the folder of
// the file that names it, and checks the sandbox.
func scriptFile(s *interp.Session, fn, from, name string) (string, error) {
	if strings.HasPrefix(from, interp.StdlibPrefix) && !filepath.IsAbs(name) {
		return "", fmt.Errorf("%s: a library module cannot name files by relative path (%q); pass the path from the script", fn, name)
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(from), filepath.FromSlash(name))
	}
	return s.Sandbox.AllowRead(fn, p)
}

// callerFile is the file of the Starlark code that called the builtin.
func callerFile(thread *starlark.Thread) string {
	if thread.CallStackDepth() < 2 {
		return ""
	}
	return thread.CallFrame(1).Pos.Filename()
}

func connectomeBuiltin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s, err := interp.SessionOf(thread, b.Name())
	if err != nil {
		return nil, err
	}
	var name, rows = "", "source"
	var labels, tracts, centres string
	if err := interp.Bind(b.Name(), args, kwargs, &name, &rows, &labels, &tracts, &centres); err != nil {
		return nil, err
	}
	orient, err := connectome.ParseOrientation(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: rows must be \"source\" (rows are sources, the reference code's reading) or \"target\" (TVB's meaning), got %q", b.Name(), rows)
	}
	from := callerFile(thread)
	p, err := findConnectome(s, b.Name(), from, name)
	if err != nil {
		return nil, err
	}
	opt := connectome.LoadOptions{Rows: orient, Ctx: interp.ThreadCtx(thread, s)}
	for _, x := range []struct {
		arg string
		val string
		dst *string
	}{{"labels", labels, &opt.Labels}, {"tract_lengths", tracts, &opt.TractLengths}, {"centres", centres, &opt.Centres}} {
		if x.val == "" {
			continue
		}
		fp, err := scriptFile(s, b.Name()+": "+x.arg, from, x.val)
		if err != nil {
			return nil, err
		}
		*x.dst = fp
	}
	c, err := connectome.Load(p, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	c.Source = p
	return &Connectome{c}, nil
}

func init() {
	interp.Decl("connectome", "connectomes", `connectome(name, rows="source", labels="", tract_lengths="", centres="")`,
		`Loads a connectome. name is a data-path name ("tvb96", "paupau": looked up in ENCEPHAGEN_DATA, then the
cache of `+"`encephagen connectome fetch`"+`) or a path relative to the script's folder ("data/my.zip").
Formats: TVB zip or folder, NumPy .npy weights. rows says what the file's rows are: "source" (the reference
code's reading, the default) or "target" (TVB's own meaning); either way the result is indexed [src][dst].
For .npy input, labels (a JSON array), tract_lengths (.npy, mm) and centres (.npy, n×3 mm) name extra files.`,
		connectomeBuiltin)
}

// groupMethod is connectome.group, and brain.group (fn) of a brain on c.
func (c *Connectome) groupMethod(fn string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := interp.Bind(fn, args, kw, &name); err != nil {
		return nil, err
	}
	g, err := c.c.Group(name)
	if err != nil {
		msg := err.Error()
		if s := interp.Nearest(name, connectome.GroupNames()); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return nil, fmt.Errorf("%s: %s", fn, msg)
	}
	return interp.IntTuple(g), nil
}
