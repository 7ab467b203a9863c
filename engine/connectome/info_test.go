package connectome

import (
	"math"
	"strings"
	"testing"
)

func TestInfoTVB96(t *testing.T) {
	in := shared(t, "tvb96").Info()
	if in.Regions != 96 || in.DistinctLabels != 96 || in.Edges != 3860 || in.SelfLoops != 79 || in.Symmetric {
		t.Errorf("%+v", in)
	}
	if in.WeightMin != 1 || in.WeightMax != 3 || !in.HasTracts || !in.HasCentres {
		t.Errorf("%+v", in)
	}
	if math.Round(in.TractMin*10)/10 != 6.3 || math.Round(in.TractMax*10)/10 != 150.1 || in.ZeroTractEdges != 0 {
		t.Errorf("tracts %g–%g", in.TractMin, in.TractMax)
	}
	if math.Abs(in.Density-3860.0/(96*95)) > 1e-12 {
		t.Errorf("density %g", in.Density)
	}
	var b strings.Builder
	if err := in.Format(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"tvb96\n", "3860 directed", "79 self-loops", "symmetric      no", "basal_ganglia    8  44 45 46 47 92 93 94 95\n", "rows are       source"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimRight(l, " ") != l {
			t.Errorf("trailing space in %q", l)
		}
	}
}

func TestInfoSmall(t *testing.T) {
	c := &Connectome{Name: "sym", Labels: []string{"a", "a"}, Weights: []float64{0, 2, 2, 0}}
	in := c.Info()
	if !in.Symmetric || in.Edges != 2 || in.DistinctLabels != 1 || in.WeightMean != 2 || in.HasTracts {
		t.Errorf("%+v", in)
	}
	var b strings.Builder
	in.Format(&b)
	if !strings.Contains(b.String(), "tract lengths  none") || !strings.Contains(b.String(), "(1 distinct labels)") || !strings.Contains(b.String(), "groups         none") {
		t.Errorf("%s", b.String())
	}
	// tvb192 has pathways of length 0 (regions sharing a centre).
	if z := shared(t, "tvb192").Info().ZeroTractEdges; z != 22 {
		t.Errorf("tvb192 zero-length edges: %d", z)
	}
}

func TestValidate(t *testing.T) {
	ok := &Connectome{Labels: []string{"a", "b"}, Weights: []float64{0, 1, 0, 0}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Connectome{
		"empty":        {},
		"short":        {Labels: []string{"a", "b"}, Weights: []float64{0}},
		"negative":     {Labels: []string{"a"}, Weights: []float64{-1}},
		"NaN":          {Labels: []string{"a"}, Weights: []float64{nan()}},
		"tracts":       {Labels: []string{"a"}, Weights: []float64{0}, TractLengths: []float64{1, 2}},
		"tract NaN":    {Labels: []string{"a"}, Weights: []float64{0}, TractLengths: []float64{nan()}},
		"centres":      {Labels: []string{"a"}, Weights: []float64{0}, Centres: [][3]float64{{}, {}}},
		"centre Inf":   {Labels: []string{"a"}, Weights: []float64{0}, Centres: [][3]float64{{math.Inf(1), 0, 0}}},
		"orientation ": {Labels: []string{"a"}, Weights: []float64{0}, Orientation: 5},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
