package eprop

import (
	"fmt"
	"testing"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
)

const oracleTol = 1e-4

type variant struct {
	name   string
	npr    int
	alif   bool
	delays bool
	lr     float64 // 0: the default
	epoch  int     // RebaseSteps / BlockSteps, 0: the default
}

func buildNet(t testing.TB, c *connectome.Connectome, v variant) *network.Network {
	t.Helper()
	p := network.Defaults()
	p.NeuronsPerRegion = v.npr
	p.ALIF = v.alif
	if v.delays {
		p.VelocityMMPerMs = 3.5
	}
	p.NMDARegions = []int{2}
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func learnParams(v variant) Params {
	p := Defaults()
	if v.lr != 0 {
		p.LearningRate = v.lr
	}
	p.RebaseSteps, p.BlockSteps = v.epoch, v.epoch
	return p
}

// conditioning runs trials of CS (pattern × 12 mV on regions 0 and 1),
// snapshot, US (20 mV on every neuron of region 3), reward 1 from the
// snapshot, rest; every other trial also a reward 0.5 from the current
// trace; one trial disables learning for 150 steps and resumes with the
// kept traces. It compares with the oracle after every trial.
func conditioning(t *testing.T, h *harness, trials int) report {
	net := h.b.Net
	cs := stimulus(t, net, []int{0, 1}, 12)
	us := stimulus(t, net, []int{3}, 0)
	for i := range us {
		if i/net.NPR == 3 {
			us[i] = 20
		}
	}
	var r report
	for trial := 0; trial < trials; trial++ {
		h.run(t, 400, cs)
		h.snapshot(t)
		h.run(t, 300, us)
		if trial == 0 {
			h.compare(t, "with the first snapshot pending", oracleTol)
		}
		h.reward(t, 1, FromSnapshot)
		h.run(t, 150, nil)
		if trial%2 == 1 {
			h.reward(t, 0.5, FromCurrent)
		}
		if trial == 2 {
			h.l.Disable()
			h.run(t, 150, nil)
			h.resume(t)
		} else {
			h.run(t, 150, nil)
		}
		r = h.compare(t, fmt.Sprintf("after trial %d (%d steps)", trial, h.l.steps), oracleTol)
	}
	return r
}

func TestMatchesOracleSynthetic(t *testing.T) {
	variants := []variant{
		{"lif", 40, false, false, 0, 0},
		{"lif+delays", 30, false, true, 0, 0},
		{"lif+delays/lr=30/rebase=37", 50, false, true, 30, 37},
		{"alif", 40, true, false, 0, 0},
		{"alif+delays", 20, true, true, 0, 0},
		{"alif+delays/lr=30/block=29", 50, true, true, 30, 29},
	}
	c := enginetest.Synthetic(5)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			net := buildNet(t, c, v)
			h := newHarness(t, net, learnParams(v), 11, nil)
			t.Logf("%d neurons, %d synapses", net.N, net.Synapses())
			conditioning(t, h, 5) // 5 × 1000 steps
			if v.lr > 1 && h.l.last.Changed == 0 {
				t.Fatal("the large learning rate changed no weight")
			}
		})
	}
}

// TestMatchesOracleTVB96 runs 1,000 steps of TVB96 at 200 neurons per
// region (CS on the first 4 visual regions, snapshot, US on the amygdala,
// rewards from the snapshot and from the current trace) and checks a
// random sample of ≈ 30,000 synapses: the oracle tracks only those, and
// every piece of the fast learner's state for them is compared.
func TestMatchesOracleTVB96(t *testing.T) {
	c := enginetest.TVB96(t)
	visual, _ := c.Group("visual")
	amyg, _ := c.Group("amygdala")
	pfc, _ := c.Group("prefrontal")
	for _, v := range []variant{{"lif+delays", 200, false, true, 0, 0}, {"alif", 200, true, false, 0, 0}} {
		t.Run(v.name, func(t *testing.T) {
			p := network.Defaults()
			p.NMDARegions = pfc
			p.ALIF = v.alif
			if v.delays {
				p.VelocityMMPerMs = 3.5
			}
			net, err := network.Build(c, p)
			if err != nil {
				t.Fatal(err)
			}
			syn := sample(1, net.Synapses(), 30000)
			h := newHarness(t, net, learnParams(v), 3, syn)
			cs := stimulus(t, net, visual[:4], 12)
			us := stimulus(t, net, amyg, 20)
			h.run(t, 400, cs)
			h.snapshot(t)
			h.run(t, 300, us)
			h.compare(t, "TVB96 after 700 steps, snapshot pending", oracleTol)
			h.reward(t, 1, FromSnapshot)
			h.run(t, 300, nil)
			h.reward(t, 0.5, FromCurrent)
			h.compare(t, fmt.Sprintf("TVB96 %s, %d synapses, %d sampled, 1000 steps", v.name, net.Synapses(), len(syn)), oracleTol)
		})
	}
}
