// Package connectome holds region-level connectivity: labels, a directed
// weight matrix, optional tract lengths and centres, the region groups of
// MODEL.md §1, and the null models (rewiring, Erdős–Rényi). Load reads TVB
// zips or folders and .npy matrices; a Store finds files by name in the data
// path and the per-user cache, and fetches the pinned catalogue.
//
// Orientation. Inside the engine a Connectome is always indexed
// [src*N+dst]: Weight(src, dst) is the strength of the pathway from region
// src to region dst. Files are read with an explicit Orientation that says how
// their rows are meant (see LoadOptions).
package connectome

import (
	"fmt"
	"math"
)

// Orientation says how the rows of a weight file are to be read.
type Orientation int

const (
	// RowsAreSources reads weights[i][j] as the pathway i→j. This is how the
	// reference Python code reads TVB files, and the default for
	// reproductions of the reference experiments.
	RowsAreSources Orientation = iota
	// RowsAreTargets reads weights[i][j] as the pathway j→i, which is what
	// TVB's own simulator means (input of i = Σ_j w[i,j]·x_j).
	RowsAreTargets
)

func (o Orientation) String() string {
	switch o {
	case RowsAreSources:
		return "source"
	case RowsAreTargets:
		return "target"
	}
	return fmt.Sprintf("Orientation(%d)", int(o))
}

// ParseOrientation accepts "source" or "target" (what the rows of the file are).
func ParseOrientation(s string) (Orientation, error) {
	switch s {
	case "source", "sources", "src":
		return RowsAreSources, nil
	case "target", "targets", "dst":
		return RowsAreTargets, nil
	}
	return 0, fmt.Errorf("orientation must be \"source\" or \"target\", got %q", s)
}

// Connectome is an immutable-by-convention region graph. All matrices are
// flat, row-major, indexed [src*N+dst] whatever the file's orientation.
type Connectome struct {
	Name   string   // short name, e.g. "tvb96"
	Labels []string // one per region
	// Weights[src*N+dst] ≥ 0; the diagonal is kept as read but never used to
	// build synapses.
	Weights []float64
	// TractLengths[src*N+dst] in mm, or nil when the source had none.
	TractLengths []float64
	// Centres in mm, or nil when the source had none.
	Centres [][3]float64
	// Orientation the file was read with (recorded for provenance).
	Orientation Orientation
	// Source describes where the data came from (a path, or a null model
	// applied to another connectome), for provenance.
	Source string
}

// N is the number of regions.
func (c *Connectome) N() int { return len(c.Labels) }

// Weight returns the weight of the pathway src→dst.
func (c *Connectome) Weight(src, dst int) float64 { return c.Weights[src*c.N()+dst] }

// Edge is one directed off-diagonal pathway with a positive weight.
type Edge struct {
	Src, Dst int
	W        float64
}

// Edges lists the off-diagonal edges with w > 0 in row-major (src, dst)
// order.
func (c *Connectome) Edges() []Edge {
	n := c.N()
	var es []Edge
	for s := 0; s < n; s++ {
		for d := 0; d < n; d++ {
			if s != d {
				if w := c.Weights[s*n+d]; w > 0 {
					es = append(es, Edge{s, d, w})
				}
			}
		}
	}
	return es
}

// DistanceMM is the length of the pathway src→dst used for conduction
// delays (MODEL.md §5): the tract length when the connectome has tract
// lengths, otherwise the Euclidean distance between the region centres.
// ok is false when neither is available.
func (c *Connectome) DistanceMM(src, dst int) (mm float64, ok bool) {
	if c.TractLengths != nil {
		return c.TractLengths[src*c.N()+dst], true
	}
	if c.Centres != nil {
		a, b := c.Centres[src], c.Centres[dst]
		return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2])), true
	}
	return 0, false
}

// Clone returns a deep copy.
func (c *Connectome) Clone() *Connectome {
	d := *c
	d.Labels = append([]string(nil), c.Labels...)
	d.Weights = append([]float64(nil), c.Weights...)
	if c.TractLengths != nil {
		d.TractLengths = append([]float64(nil), c.TractLengths...)
	}
	if c.Centres != nil {
		d.Centres = append([][3]float64(nil), c.Centres...)
	}
	return &d
}

// Transposed returns a copy with every pathway reversed (src→dst becomes
// dst→src): the same file read with the other orientation.
func (c *Connectome) Transposed() *Connectome {
	d := c.Clone()
	n := c.N()
	for s := 0; s < n; s++ {
		for t := 0; t < n; t++ {
			d.Weights[t*n+s] = c.Weights[s*n+t]
			if c.TractLengths != nil {
				d.TractLengths[t*n+s] = c.TractLengths[s*n+t]
			}
		}
	}
	if c.Orientation == RowsAreSources {
		d.Orientation = RowsAreTargets
	} else {
		d.Orientation = RowsAreSources
	}
	return d
}
