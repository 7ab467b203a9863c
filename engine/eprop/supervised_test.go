package eprop

import (
	"fmt"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/rng"
)

// present starts a presentation in both learners.
func (h *harness) present(t testing.TB, target [][]bool) {
	t.Helper()
	if err := h.l.Present(target); err != nil {
		t.Fatal(err)
	}
	h.presenting, h.target, h.presStep = true, target, 0
}

func (h *harness) applySupervised(t testing.TB) Update {
	t.Helper()
	u, err := h.l.ApplySupervised()
	if err != nil {
		t.Fatal(err)
	}
	h.o.ApplySupervised()
	h.presenting = false
	h.updates++
	return u
}

// TestSupervisedMatchesOracle trains 8 output neurons of region 9 towards
// random target trains (2 % of steps) in presentations of 600 steps with
// CS input, the update applied at each presentation's end; the target is
// 400 steps long, so the last 200 steps ask for silence. Reward learning
// runs alongside. The accumulation G is compared before every
// application, the weights after it.
func TestSupervisedMatchesOracle(t *testing.T) {
	c := enginetest.Synthetic(7)
	for _, v := range []variant{{"lif", 40, false, false, 0, 0}, {"alif+delays/block=50", 30, true, true, 0, 50}, {"lif+delays/rebase=45", 30, false, true, 0, 45}} {
		t.Run(v.name, func(t *testing.T) {
			net := buildNet(t, c, v)
			p := learnParams(v)
			p.LearningRate = 5 // weight changes large enough to matter
			h := newHarness(t, net, p, 2, nil)
			var outs []int
			for k := 0; k < 8; k++ {
				outs = append(outs, 9*net.NPR+3*k)
			}
			if err := h.l.Supervise(Supervision{Outputs: outs, FeedbackSeed: 99}); err != nil {
				t.Fatal(err)
			}
			B := make([]float64, net.N*len(outs))
			for j := 0; j < net.N; j++ {
				for k := range outs {
					B[j*len(outs)+k] = h.l.Feedback(j, k)
				}
			}
			h.o.Supervise(B, outs)
			h.off = make([]bool, len(outs))
			st := rng.New(5)
			cs := stimulus(t, net, []int{0, 1}, 12)
			for pres := 0; pres < 5; pres++ {
				target := make([][]bool, 400)
				for s := range target {
					target[s] = make([]bool, len(outs))
					for k := range outs {
						target[s][k] = st.Float64() < 0.02
					}
				}
				h.present(t, target)
				h.run(t, 300, cs)
				h.snapshot(t)
				h.run(t, 300, nil)
				h.compare(t, fmt.Sprintf("presentation %d before the update", pres), oracleTol)
				u := h.applySupervised(t)
				if u.Changed == 0 {
					t.Fatal("the supervised update changed nothing")
				}
				h.reward(t, 1, FromSnapshot)
				h.run(t, 100, nil) // not presenting: no accumulation
				h.compare(t, fmt.Sprintf("presentation %d after the update (max|Δw| %.3g)", pres, u.MaxAbsDW), oracleTol)
			}
		})
	}
}
