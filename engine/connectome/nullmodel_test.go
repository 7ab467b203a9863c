package connectome

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// synthetic is a random directed graph with distinct weights, self-loops,
// and tract lengths that identify their region pair.
func synthetic(n int, density float64, seed uint64) *Connectome {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := &Connectome{Name: "synthetic", Labels: defaultLabels(n), Weights: make([]float64, n*n), TractLengths: make([]float64, n*n), Centres: make([][3]float64, n)}
	for s := 0; s < n; s++ {
		c.Centres[s] = [3]float64{float64(s), 0, 0}
		for d := 0; d < n; d++ {
			c.TractLengths[s*n+d] = float64(1000*s + d)
			if rng.Float64() < density {
				c.Weights[s*n+d] = 1 + rng.Float64()
			}
		}
	}
	return c
}

func degrees(c *Connectome) (in, out []int) {
	n := c.N()
	in, out = make([]int, n), make([]int, n)
	for _, e := range c.Edges() {
		out[e.Src]++
		in[e.Dst]++
	}
	return
}

func weightMultiset(c *Connectome) []float64 {
	var ws []float64
	for _, e := range c.Edges() {
		ws = append(ws, e.W)
	}
	slices.Sort(ws)
	return ws
}

func checkNull(t *testing.T, c, d *Connectome, kind string) {
	t.Helper()
	n := c.N()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if d.Weights[i*n+i] != 0 {
			t.Fatalf("self-loop %d kept", i)
		}
	}
	// Every non-zero entry is an edge (a matrix holds no duplicates, so
	// only the count can reveal a lost or doubled edge).
	nz := 0
	for _, w := range d.Weights {
		if w != 0 {
			nz++
		}
	}
	if nz != len(c.Edges()) || len(d.Edges()) != len(c.Edges()) {
		t.Errorf("%d edges (%d non-zero), want %d", len(d.Edges()), nz, len(c.Edges()))
	}
	if !reflect.DeepEqual(weightMultiset(d), weightMultiset(c)) {
		t.Error("weight multiset changed")
	}
	if !reflect.DeepEqual(d.Labels, c.Labels) || !reflect.DeepEqual(d.Centres, c.Centres) || !sameFloats(d.TractLengths, c.TractLengths) {
		t.Error("labels, centres or tract lengths changed")
	}
	if !strings.HasPrefix(d.Source, kind+"(seed=") || !strings.HasSuffix(d.Source, " of "+c.Name) {
		t.Errorf("source %q", d.Source)
	}
	if &d.Weights[0] == &c.Weights[0] || &d.Labels[0] == &c.Labels[0] {
		t.Error("result shares memory with its input")
	}
}

func nullInputs(t *testing.T) map[string]*Connectome {
	return map[string]*Connectome{
		"tvb96":     shared(t, "tvb96"),
		"paupau":    shared(t, "paupau"),
		"synthetic": synthetic(40, 0.2, 3),
		"dense":     synthetic(12, 0.95, 4),
	}
}

func TestRewire(t *testing.T) {
	for name, c := range nullInputs(t) {
		t.Run(name, func(t *testing.T) {
			before := c.Clone()
			d := Rewire(c, 1000)
			checkNull(t, c, d, "rewire")
			if !sameFloats(c.Weights, before.Weights) {
				t.Fatal("input modified")
			}
			ci, co := degrees(c)
			di, do := degrees(d)
			if !reflect.DeepEqual(ci, di) || !reflect.DeepEqual(co, do) {
				t.Error("degrees changed")
			}
			if !sameFloats(Rewire(c, 1000).Weights, d.Weights) {
				t.Error("same seed, different graph")
			}
			if name != "paupau" && sameFloats(Rewire(c, 1001).Weights, d.Weights) {
				t.Error("different seeds, same graph")
			}
		})
	}
}

func TestRewireChangesTVB96(t *testing.T) {
	c := shared(t, "tvb96")
	d := Rewire(c, 1)
	moved := 0
	for _, e := range c.Edges() {
		if d.Weight(e.Src, e.Dst) == 0 {
			moved++
		}
	}
	// tvb96 is dense (0.42) and clustered, so most of the 38,600 attempts
	// are refused; about 40% of the edges end up elsewhere.
	if moved < len(c.Edges())/4 {
		t.Errorf("only %d of %d edges moved", moved, len(c.Edges()))
	}
	t.Logf("%d of %d edges moved", moved, len(c.Edges()))
}

func TestErdosRenyi(t *testing.T) {
	for name, c := range nullInputs(t) {
		t.Run(name, func(t *testing.T) {
			d := ErdosRenyi(c, 1000)
			checkNull(t, c, d, "erdos_renyi")
			if !sameFloats(ErdosRenyi(c, 1000).Weights, d.Weights) {
				t.Error("same seed, different graph")
			}
			if sameFloats(ErdosRenyi(c, 1001).Weights, d.Weights) {
				t.Error("different seeds, same graph")
			}
		})
	}
}

// TestErdosRenyiUniform: over many seeds every off-diagonal pair is about
// equally likely to carry an edge.
func TestErdosRenyiUniform(t *testing.T) {
	c := synthetic(6, 0.4, 9)
	n, m := c.N(), len(c.Edges())
	counts := make([]int, n*n)
	const runs = 4000
	for s := uint64(0); s < runs; s++ {
		for _, e := range ErdosRenyi(c, s).Edges() {
			counts[e.Src*n+e.Dst]++
		}
	}
	p := float64(m) / float64(n*(n-1))
	for k, got := range counts {
		if k/n == k%n {
			continue
		}
		if want := p * runs; float64(got) < 0.85*want || float64(got) > 1.15*want {
			t.Errorf("pair %d→%d chosen %d times, want ≈ %.0f", k/n, k%n, got, want)
		}
	}
}

func TestNullModelsEdgeCases(t *testing.T) {
	for _, c := range []*Connectome{
		{Name: "one", Labels: []string{"a"}, Weights: []float64{5}},
		{Name: "empty", Labels: []string{"a", "b"}, Weights: []float64{1, 0, 0, 1}},
		{Name: "single", Labels: []string{"a", "b"}, Weights: []float64{0, 2, 0, 0}},
		{Name: "full", Labels: []string{"a", "b", "c"}, Weights: []float64{0, 1, 2, 3, 0, 4, 5, 6, 0}},
	} {
		for _, d := range []*Connectome{Rewire(c, 1), ErdosRenyi(c, 1)} {
			if err := d.Validate(); err != nil {
				t.Error(err)
			}
			if len(d.Edges()) != len(c.Edges()) {
				t.Errorf("%s: %d edges", d.Source, len(d.Edges()))
			}
		}
	}
}

func BenchmarkRewireTVB96(b *testing.B) {
	c := shared(b, "tvb96")
	for i := 0; b.Loop(); i++ {
		Rewire(c, uint64(i))
	}
}

func BenchmarkLoadTVB998(b *testing.B) {
	p := dataFile(b, "tvb998.zip")
	for b.Loop() {
		if _, err := Load(p, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
