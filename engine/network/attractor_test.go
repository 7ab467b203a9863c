package network_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
)

// TestAttractorAssemblies checks the attractor option against its
// specification, synapse by synapse: the synapse set is the one drawn
// without it; a weight is multiplied by the factor (in float64, rounded
// once) exactly when its synapse is local, excitatory, in an attractor
// region, and joins two neurons of the same assembly, by
// max(0, (A − f)/(A − 1)) when it joins two different assemblies; every
// other weight is as drawn. Off (no regions, or factor 1) the network is the same.
func TestAttractorAssemblies(t *testing.T) {
	c := enginetest.Synthetic(5)
	for _, rngName := range []string{network.WiringNumPy, network.WiringEncephagen} {
		p := network.Defaults()
		p.NeuronsPerRegion = 50 // n_exc 40: 3 assemblies of 13, neuron 39 in none
		p.WiringRNG = rngName
		plain, err := network.Build(c, p)
		if err != nil {
			t.Fatal(err)
		}
		q := p
		q.AttractorRegions, q.AttractorAssemblies = []int{2, 0, 2}, 3
		same, err := network.Build(c, q) // factor 1: off
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(same.W, plain.W) || !slices.Equal(same.Post, plain.Post) {
			t.Fatal("factor 1 changed the network")
		}
		q.AttractorWeightFactor = 3.7
		net, err := network.Build(c, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(net.Start, plain.Start) || !slices.Equal(net.Post, plain.Post) {
			t.Fatal("the option changed the synapse set")
		}
		npr, size := net.NPR, net.NExc/3
		changed := 0
		for pre := 0; pre < net.N; pre++ {
			r, k := pre/npr, pre%npr
			for s := net.Start[pre]; s < net.Start[pre+1]; s++ {
				post := int(net.Post[s])
				m := post % npr
				both := (r == 0 || r == 2) && post/npr == r && k < 3*size && m < 3*size
				want := plain.W[s]
				switch {
				case both && k/size == m/size:
					want = float32(float64(plain.W[s]) * 3.7)
					changed++
				case both: // between assemblies: (A − f)/(A − 1) = (3 − 3.7)/2 < 0 → 0
					want = 0
				}
				if net.W[s] != want {
					t.Fatalf("%s: synapse %d (%d → %d): weight %v, want %v", rngName, s, pre, post, net.W[s], want)
				}
			}
		}
		if changed == 0 {
			t.Fatalf("%s: no synapse within an assembly", rngName)
		}
		q.AttractorWeightFactor = 2 // between assemblies: (3 − 2)/2
		half, err := network.Build(c, q)
		if err != nil {
			t.Fatal(err)
		}
		between := 0
		for pre := 0; pre < net.N; pre++ {
			r, k := pre/npr, pre%npr
			for s := half.Start[pre]; s < half.Start[pre+1]; s++ {
				post := int(half.Post[s])
				m := post % npr
				if (r == 0 || r == 2) && post/npr == r && k < 3*size && m < 3*size && k/size != m/size {
					between++
					if half.W[s] != float32(float64(plain.W[s])*0.5) {
						t.Fatalf("%s: synapse %d between assemblies: weight %v, want %v", rngName, s, half.W[s], plain.W[s]/2)
					}
				}
			}
		}
		if between == 0 {
			t.Fatalf("%s: no synapse between assemblies", rngName)
		}
	}
}

func TestAttractorValidate(t *testing.T) {
	for _, c := range []struct {
		regions    []int
		assemblies int
		factor     float64
		want       string
	}{
		{[]int{0}, 0, 2, "attractor_assemblies must be in [1, 160]"},
		{[]int{0}, 161, 2, "attractor_assemblies must be in [1, 160]"},
		{[]int{96}, 4, 2, "attractor region index 96 out of range [0, 96)"},
		{nil, -1, 1, "attractor_assemblies must be ≥ 0"},
		{[]int{0}, 4, 101, "attractor_weight_factor must be in [0, 100]"},
	} {
		p := network.Defaults()
		p.AttractorRegions, p.AttractorAssemblies, p.AttractorWeightFactor = c.regions, c.assemblies, c.factor
		if err := p.Validate(96); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c, err, c.want)
		}
	}
}
