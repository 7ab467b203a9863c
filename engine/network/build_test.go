package network_test

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
)

func TestTVB96SynapseCounts(t *testing.T) {
	c := enginetest.TVB96(t)
	p := network.Defaults()
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	// MODEL.md: ≈ 2.39 M synapses, ≈ 382–384 k local, for npr = 200.
	if s := float64(net.Synapses()); math.Abs(s-2.39e6) > 0.01*2.39e6 {
		t.Errorf("synapses %d, want ≈ 2.39 M", net.Synapses())
	}
	if l := float64(net.NLocal); math.Abs(l-3.83e5) > 0.01*3.83e5 {
		t.Errorf("local synapses %d, want ≈ 383 k", net.NLocal)
	}
	est, err := network.EstimateSize(c, p)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.Synapses-float64(net.Synapses())) > 0.005*est.Synapses {
		t.Errorf("estimate %.0f synapses, built %d", est.Synapses, net.Synapses())
	}
	if b := float64(net.Bytes()) / float64(net.Synapses()); b > 16 {
		t.Errorf("%.1f bytes per synapse, target ≤ 16", b)
	}
	t.Logf("TVB96 npr=200: %d synapses (%d local), %.2f bytes/synapse", net.Synapses(), net.NLocal, float64(net.Bytes())/float64(net.Synapses()))
}

func TestBuildRules(t *testing.T) {
	c := enginetest.Synthetic(5)
	p := network.Defaults()
	p.NeuronsPerRegion = 50
	p.VelocityMMPerMs = 3.5
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	npr, nexc := net.NPR, net.NExc
	jeff, jinh := float32(p.JEff()), float32(p.JInh())
	for pre := 0; pre < net.N; pre++ {
		r, k := pre/npr, pre%npr
		prevPost, local := -1, true
		for s := net.Start[pre]; s < net.Start[pre+1]; s++ {
			post := int(net.Post[s])
			pr, m := post/npr, post%npr
			if pr == r { // local
				if !local {
					t.Fatalf("synapse %d: local synapse after long-range ones", s)
				}
				if post <= prevPost {
					t.Fatalf("pre %d: local posts not ascending", pre)
				}
				if k < nexc && (net.W[s] != jeff || m == k) {
					t.Fatalf("excitatory local synapse %d→%d weight %v (self %v)", pre, post, net.W[s], m == k)
				}
				if k >= nexc && net.W[s] != -jinh {
					t.Fatalf("inhibitory local synapse weight %v, want %v", net.W[s], -jinh)
				}
				if net.Delay[s] != 0 {
					t.Fatalf("local synapse with delay %d", net.Delay[s])
				}
			} else {
				local = false
				if k >= nexc {
					t.Fatalf("long-range synapse from inhibitory neuron %d", pre)
				}
				if c.Weight(r, pr) <= 0 {
					t.Fatalf("synapse %d→%d without a pathway %d→%d", pre, post, r, pr)
				}
				lab := c.Labels
				inh := strings.Contains(lab[r], "BG-Pa") && strings.Contains(lab[pr], "TM-") ||
					strings.Contains(lab[r], "BG-Cd") && strings.Contains(lab[pr], "BG-Pa")
				if inh != (net.W[s] < 0) {
					t.Fatalf("pathway %s→%s: weight %v", lab[r], lab[pr], net.W[s])
				}
				wantD := math.RoundToEven(c.TractLengths[r*c.N()+pr] / (3.5 * 0.1))
				if float64(net.Delay[s]) != wantD {
					t.Fatalf("delay %d, want %v", net.Delay[s], wantD)
				}
			}
			prevPost = post
		}
	}
	// Feed-forward inhibition: onto inhibitory targets of an excitatory
	// pathway the weight is 3×. The reference computes s = j_eff·g·w_norm
	// and 3·s in float64 and stores each rounded to float32, so the weights
	// are compared exactly with float32(s) and float32(3·s); no tolerance
	// is needed. (float32(3·s) and 3·float32(s) may differ in the last
	// bit, which is why 3·onE is not the expectation.)
	wmax := 0.0
	for _, w := range c.Weights {
		wmax = max(wmax, w)
	}
	checked := 0
	for pre := 0; pre < net.N; pre++ {
		r := pre / npr
		if pre%npr >= nexc {
			continue
		}
		for s := net.Start[pre]; s < net.Start[pre+1]; s++ {
			post := int(net.Post[s])
			dst := post / npr
			if dst == r || net.W[s] < 0 {
				continue
			}
			sw := p.JEff() * p.GlobalCoupling * (c.Weight(r, dst) / wmax)
			want := float32(sw)
			if post%npr >= nexc {
				want = float32(3 * sw)
				checked++
			}
			if net.W[s] != want {
				t.Fatalf("pathway %d→%d, target %d: weight %v, want %v", r, dst, post%npr, net.W[s], want)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d feed-forward synapses onto inhibitory targets checked", checked)
	}
}

func TestBuildDeterministic(t *testing.T) {
	c := enginetest.Synthetic(1)
	p := network.Defaults()
	p.NeuronsPerRegion = 100
	a, _ := network.Build(c, p)
	prev := runtime.GOMAXPROCS(1)
	b, _ := network.Build(c, p)
	runtime.GOMAXPROCS(prev)
	if !slices.Equal(a.Post, b.Post) || !slices.Equal(a.W, b.W) || !slices.Equal(a.Start, b.Start) {
		t.Fatal("same parameters built different networks on 1 and many cores")
	}
	p.WiringSeed++
	d, _ := network.Build(c, p)
	if slices.Equal(a.Post, d.Post) {
		t.Fatal("another wiring seed built the same network")
	}
}

func TestTVB96Delays(t *testing.T) {
	c := enginetest.TVB96(t)
	p := network.Defaults()
	p.NeuronsPerRegion = 10
	p.VelocityMMPerMs = 3.5
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	if net.MaxDelay != 429 {
		t.Fatalf("longest TVB96 delay %d steps, MODEL.md says 429", net.MaxDelay)
	}
}

func TestRefusesBadParameters(t *testing.T) {
	c := enginetest.Synthetic(1)
	cases := []struct {
		edit func(*network.Params)
		want string
	}{
		{func(p *network.Params) { p.NeuronsPerRegion = 0 }, "neurons_per_region must be ≥ 1, got 0"},
		{func(p *network.Params) { p.PInt = 1.5 }, "p_int must be in [0, 1], got 1.5"},
		{func(p *network.Params) { p.PBet = -0.1 }, "p_bet must be in [0, 1], got -0.1"},
		{func(p *network.Params) { p.NMDARegions = []int{10} }, "nmda region index 10 out of range [0, 10)"},
		{func(p *network.Params) { p.TauMMs = 0 }, "tau_m_ms must be in [0.001, 1000000]"},
		{func(p *network.Params) { p.DtMs = math.NaN() }, "dt_ms must be in [0.001, 10]"},
		{func(p *network.Params) { p.VelocityMMPerMs = 1e-9 }, "raise velocity_mm_per_ms"},
	}
	for _, tc := range cases {
		p := network.Defaults()
		tc.edit(&p)
		_, err := network.Build(c, p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got error %v, want one containing %q", err, tc.want)
		}
	}
	noDist := c.Clone()
	noDist.TractLengths = nil
	p := network.Defaults()
	p.VelocityMMPerMs = 3.5
	if _, err := network.Build(noDist, p); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("delays without lengths: %v", err)
	}
}

func TestRefusesBrainLargerThanMemory(t *testing.T) {
	c := enginetest.Synthetic(1)
	network.MemoryLimit = 50e6
	defer func() { network.MemoryLimit = 0 }()
	p := network.Defaults()
	p.NeuronsPerRegion = 5000 // ≈ 0.2 G synapses
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := network.Build(c, p)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "GB available") {
		t.Fatalf("got %v, want a refusal naming the memory", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 10e6 {
		t.Fatalf("refusal allocated %d bytes first", grew)
	}
}
