package eprop

import (
	"fmt"
	"math"
	"testing"

	"github.com/encephagen/encephagen/engine/network"
)

// TestLongRunMatchesOracle runs 10⁶ steps (100 s of model time) of a
// 4-region × 10-neuron brain with learning on throughout and checks the
// learner against the oracle every 10⁵ steps: no overflow, underflow or
// drift. Cycles of 10⁴ steps: CS on region 0, snapshot, US on region 1,
// a reward (1 or 0, from the snapshot; every 4th cycle also 0.3 from the
// current trace), rest. Between steps 3·10⁵ and 5·10⁵ region 3 is held
// far below threshold (−40 mV per step into i_syn): its neurons neither
// fire nor have any pseudo-derivative, so the traces of their synapses
// decay by κ^(2·10⁵) = e^(−400) through the float32 range to zero, and
// their presynaptic traces underflow too; afterwards they take part again.
func TestLongRunMatchesOracle(t *testing.T) {
	steps := 1_000_000
	if testing.Short() {
		steps = 200_000
	}
	for _, v := range []variant{{"lif", 10, false, false, 0, 0}, {"alif+delays", 10, true, true, 0, 0}} {
		t.Run(v.name, func(t *testing.T) {
			p := network.Defaults()
			p.NeuronsPerRegion = v.npr
			p.PInt, p.PBet, p.JExc = 0.3, 0.2, 0.5
			p.ALIF = v.alif
			if v.delays {
				p.VelocityMMPerMs = 3.5
			}
			net, err := network.Build(smallConnectome(), p)
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, net, learnParams(v), 5, nil)
			t.Logf("%d neurons, %d synapses", net.N, net.Synapses())
			cs := make([]float32, net.N)
			us := make([]float32, net.N)
			for i := 0; i < v.npr; i++ {
				cs[i] = 3
				us[v.npr+i] = 5
			}
			silence := func(ext []float32) []float32 {
				out := append(make([]float32, 0, net.N), ext...)
				if out == nil || len(out) == 0 {
					out = make([]float32, net.N)
				}
				for i := 3 * v.npr; i < 4*v.npr; i++ {
					out[i] = -40
				}
				return out
			}
			csS, usS, restS := silence(cs), silence(us), silence(nil)
			var worst report
			for cycle := 0; cycle*10_000 < steps; cycle++ {
				quiet := cycle >= 30 && cycle < 50
				pick := func(normal, silenced []float32) []float32 {
					if quiet {
						return silenced
					}
					return normal
				}
				h.run(t, 2000, pick(cs, csS))
				h.snapshot(t)
				h.run(t, 1000, pick(us, usS))
				h.reward(t, float64((cycle+1)%2), FromSnapshot)
				h.run(t, 3000, pick(nil, restS))
				if cycle%4 == 3 {
					h.reward(t, 0.3, FromCurrent)
				}
				h.run(t, 4000, pick(nil, restS))
				if (cycle+1)%10 == 0 {
					r := h.compare(t, fmt.Sprintf("step %d", (cycle+1)*10_000), oracleTol)
					worst.E = max(worst.E, r.E)
					worst.W = max(worst.W, r.W)
					worst.DW = max(worst.DW, r.DW)
					for _, x := range h.l.Eligibility(nil) {
						if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
							t.Fatal("non-finite eligibility")
						}
					}
				}
				if cycle == 49 {
					// After 2·10⁵ silent steps the silenced neurons' outgoing
					// traces must have decayed below float32's normal range
					// (to subnormals or zero) without trouble.
					e := h.l.Eligibility(nil)
					for i := 3 * v.npr; i < 4*v.npr; i++ {
						for s := net.Start[i]; s < net.Start[i+1]; s++ {
							if math.Abs(float64(e[s])) >= 0x1p-126 {
								t.Fatalf("silenced neuron %d synapse %d still has e = %g", i, s, e[s])
							}
						}
					}
				}
			}
			t.Logf("worst over the run: e %.2g, w %.2g, Δw %.2g", worst.E, worst.W, worst.DW)
		})
	}
}
