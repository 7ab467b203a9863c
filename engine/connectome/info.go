package connectome

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// MaxWeight bounds a connection weight (any unit): the network normalises
// weights, and log(1 + 1000·w) must stay finite.
const MaxWeight = 1e100

// checkWeights refuses weights above MaxWeight (the readers have refused
// negative and non-finite ones).
func (c *Connectome) checkWeights() error {
	n := c.N()
	for k, w := range c.Weights {
		if w > MaxWeight {
			return fmt.Errorf("weight %d→%d is %g; weights must be in [0, %g]", k/n, k%n, w, MaxWeight)
		}
	}
	return nil
}

// Validate checks the invariants the engine relies on, for connectomes
// built in code rather than loaded (Load already guarantees them).
func (c *Connectome) Validate() error {
	n := c.N()
	name := c.Name
	if name == "" {
		name = "connectome"
	}
	if n == 0 {
		return fmt.Errorf("%s: no regions", name)
	}
	if len(c.Weights) != n*n {
		return fmt.Errorf("%s: %d labels need %d weights, have %d", name, n, n*n, len(c.Weights))
	}
	if c.Orientation != RowsAreSources && c.Orientation != RowsAreTargets {
		return fmt.Errorf("%s: invalid orientation %v", name, c.Orientation)
	}
	for k, w := range c.Weights {
		if !(w >= 0 && w <= MaxWeight) {
			return fmt.Errorf("%s: weight %d→%d is %g; weights must be in [0, %g]", name, k/n, k%n, w, MaxWeight)
		}
	}
	if c.TractLengths != nil {
		if len(c.TractLengths) != n*n {
			return fmt.Errorf("%s: %d regions need %d tract lengths, have %d", name, n, n*n, len(c.TractLengths))
		}
		for k, l := range c.TractLengths {
			if !(l >= 0) || math.IsInf(l, 0) {
				return fmt.Errorf("%s: tract length %d→%d is %g mm; must be finite and ≥ 0", name, k/n, k%n, l)
			}
		}
	}
	if c.Centres != nil {
		if len(c.Centres) != n {
			return fmt.Errorf("%s: %d regions but %d centres", name, n, len(c.Centres))
		}
		for i, p := range c.Centres {
			for _, v := range p {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%s: centre of region %d (%s) is not finite: %v", name, i, c.Labels[i], p)
				}
			}
		}
	}
	return nil
}

// Info is a summary of a connectome for `encephagen connectome info` and
// for provenance. Edge statistics are over the off-diagonal edges with
// w > 0, the pathways that become synapses.
type Info struct {
	Name, Source   string
	Orientation    Orientation
	Regions        int
	DistinctLabels int // < Regions when labels repeat (tvb998, tvb192)
	Edges          int // directed, off-diagonal, w > 0
	SelfLoops      int // diagonal entries > 0 (ignored by the engine)
	Density        float64
	Symmetric      bool    // w[i][j] == w[j][i] for all pairs
	MaxAsymmetry   float64 // max |w[i][j] − w[j][i]|
	WeightMin      float64
	WeightMax      float64
	WeightMean     float64
	HasTracts      bool
	TractMin       float64 // mm, over edges
	TractMax       float64
	TractMean      float64
	ZeroTractEdges int // edges whose tract length is 0 (no conduction delay)
	HasCentres     bool
	Groups         []RegionGroup
}

// Info summarises c.
func (c *Connectome) Info() Info {
	n := c.N()
	in := Info{
		Name: c.Name, Source: c.Source, Orientation: c.Orientation,
		Regions: n, HasTracts: c.TractLengths != nil, HasCentres: c.Centres != nil,
		Groups: c.Groups(),
	}
	seen := map[string]bool{}
	for _, l := range c.Labels {
		seen[l] = true
	}
	in.DistinctLabels = len(seen)
	var wsum, tsum float64
	for s := 0; s < n; s++ {
		if c.Weights[s*n+s] > 0 {
			in.SelfLoops++
		}
		for d := 0; d < n; d++ {
			w := c.Weights[s*n+d]
			if a := math.Abs(w - c.Weights[d*n+s]); a > in.MaxAsymmetry {
				in.MaxAsymmetry = a
			}
			if s == d || !(w > 0) {
				continue
			}
			if in.Edges == 0 || w < in.WeightMin {
				in.WeightMin = w
			}
			in.WeightMax = max(in.WeightMax, w)
			wsum += w
			if in.HasTracts {
				t := c.TractLengths[s*n+d]
				if in.Edges == 0 || t < in.TractMin {
					in.TractMin = t
				}
				in.TractMax = max(in.TractMax, t)
				tsum += t
				if t == 0 {
					in.ZeroTractEdges++
				}
			}
			in.Edges++
		}
	}
	in.Symmetric = in.MaxAsymmetry == 0
	if in.Edges > 0 {
		in.WeightMean = wsum / float64(in.Edges)
		in.TractMean = tsum / float64(in.Edges)
	}
	if n > 1 {
		in.Density = float64(in.Edges) / float64(n*(n-1))
	}
	return in
}

// Format writes the summary as aligned text.
func (in Info) Format(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", in.Name)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", k, fmt.Sprintf(format, args...))
	}
	row("source", "%s", in.Source)
	row("rows are", "%s (internal matrices are [src, dst])", in.Orientation)
	if in.DistinctLabels < in.Regions {
		row("regions", "%d (%d distinct labels)", in.Regions, in.DistinctLabels)
	} else {
		row("regions", "%d", in.Regions)
	}
	row("edges", "%d directed off-diagonal, density %.3f; %d self-loops (ignored)", in.Edges, in.Density, in.SelfLoops)
	if in.Symmetric {
		row("symmetric", "yes")
	} else {
		row("symmetric", "no (max |w[i,j] − w[j,i]| = %.4g)", in.MaxAsymmetry)
	}
	if in.Edges > 0 {
		row("weights", "min %.4g  max %.4g  mean %.4g (over edges)", in.WeightMin, in.WeightMax, in.WeightMean)
	}
	switch {
	case !in.HasTracts:
		row("tract lengths", "none (delays use centre distances)")
	case in.Edges > 0:
		s := fmt.Sprintf("min %.4g  max %.4g  mean %.4g mm (over edges)", in.TractMin, in.TractMax, in.TractMean)
		if in.ZeroTractEdges > 0 {
			s += fmt.Sprintf("; %d edges have length 0", in.ZeroTractEdges)
		}
		row("tract lengths", "%s", s)
	}
	if in.HasCentres {
		row("centres", "yes")
	} else {
		row("centres", "none")
	}
	matched := false
	for _, g := range in.Groups {
		matched = matched || len(g.Regions) > 0
	}
	if !matched {
		row("groups", "none (no label matches the group patterns)")
	} else {
		b.WriteString("  groups\n")
		for _, g := range in.Groups {
			b.WriteString(strings.TrimRight(fmt.Sprintf("    %-14s %3d  %s", g.Name, len(g.Regions), intsString(g.Regions)), " ") + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
