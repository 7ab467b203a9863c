package eprop

import (
	"context"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// conditioningResult is what one CS–US conditioning run measured, per
// brain: max |e| of the snapshot and max |Δw| of the reward, per trial;
// the conditioned response of the amygdala and of the response regions
// (amygdala + first 4 prefrontal) in Hz.
type conditioningResult struct {
	emax, dwmax [][]float64
	amyg, resp  []float64
}

// runConditioning is Exp 22 phase 2 on TVB96 brains with identical wiring
// and noise, one per learning rate in lrs: every brain gets the same CS–US
// pairings with learning on (CS = pattern 0 × 12 mV on the first 4 visual
// regions for 500 steps, snapshot, US = 20 mV on every amygdala neuron for
// 500 steps, reward, 300 steps rest); brains with lr > 0 are rewarded 1.0
// from the snapshot, the brain with lr 0 is the unrewarded control
// (reward 0, which leaves its weights unchanged). Then, learning off, each
// brain's conditioned response is measured reps times: spike rate during
// 500 steps of CS − rate during the 300 steps before.
func runConditioning(t testing.TB, trials, reps int, noise uint64, lrs []float64) conditioningResult {
	c := enginetest.TVB96(t)
	visual, _ := c.Group("visual")
	amyg, _ := c.Group("amygdala")
	pfc, _ := c.Group("prefrontal")
	resp := append(append([]int(nil), amyg...), pfc[:4]...)
	p := network.Defaults()
	p.NMDARegions = pfc
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	pat, _ := sim.Patterns(42, 1, 60, 200)
	cs, err := sim.Stimulus{{Regions: visual[:4], Pattern: pat[0], AmplitudeMV: 12}}.Dense(net)
	if err != nil {
		t.Fatal(err)
	}
	us, _ := sim.Stimulus{{Regions: amyg, AmplitudeMV: 20}}.Dense(net)
	n := len(lrs)
	bt := &sim.Batch{}
	lb := &Batch{}
	rewards := make([]float64, n)
	for i, lr := range lrs {
		b := sim.NewBrain(net, noise)
		PrivateWeights(b)
		bt.Brains = append(bt.Brains, b)
		lp := Defaults()
		rewards[i] = 1
		if lr == 0 {
			rewards[i] = 0
		} else {
			lp.LearningRate = lr
		}
		l, err := New(b, lp)
		if err != nil {
			t.Fatal(err)
		}
		lb.Learners = append(lb.Learners, l)
	}
	ctx := context.Background()
	run := func(steps int, ext []float32, rec []*sim.Recorder) {
		t.Helper()
		exts := make([][]float32, n)
		for i := range exts {
			exts[i] = ext
		}
		if err := bt.Run(ctx, steps, exts, rec); err != nil {
			t.Fatal(err)
		}
	}
	run(1000, nil, nil) // warm-up
	if err := lb.Enable(); err != nil {
		t.Fatal(err)
	}
	res := conditioningResult{emax: make([][]float64, n), dwmax: make([][]float64, n),
		amyg: make([]float64, n), resp: make([]float64, n)}
	for trial := 0; trial < trials; trial++ {
		run(500, cs, nil)
		if err := lb.Snapshot(); err != nil {
			t.Fatal(err)
		}
		for i, st := range lb.Stats() {
			res.emax[i] = append(res.emax[i], st.SnapMaxE)
		}
		run(500, us, nil)
		u, err := lb.RewardEach(rewards, FromSnapshot)
		if err != nil {
			t.Fatal(err)
		}
		for i := range u {
			if rewards[i] == 0 && u[i].Changed != 0 {
				t.Fatalf("the unrewarded control changed %d weights", u[i].Changed)
			}
			res.dwmax[i] = append(res.dwmax[i], u[i].MaxAbsDW)
		}
		run(300, nil, nil)
	}
	lb.Disable()
	newRecs := func() []*sim.Recorder {
		out := make([]*sim.Recorder, n)
		for i := range out {
			out[i] = &sim.Recorder{}
		}
		return out
	}
	for rep := 0; rep < reps; rep++ {
		base, stim := newRecs(), newRecs()
		run(300, nil, base)
		run(500, cs, stim)
		for i := range n {
			for _, g := range []struct {
				regions []int
				out     []float64
			}{{amyg, res.amyg}, {resp, res.resp}} {
				b, _ := base[i].GroupRate(g.regions, p.DtMs)
				s, _ := stim[i].GroupRate(g.regions, p.DtMs)
				g.out[i] += (s - b) / float64(reps)
			}
		}
	}
	return res
}

// TestConditioningRaisesAmygdalaResponse runs 20 CS–US trials on three
// TVB96 brains (npr 200) with the same wiring and noise: the unrewarded
// control, the reference learning rate 0.1, and an amplified rate 10.
//
// At lr 0.1 the figures match the reference (Δw_max ≈ 1e-3 per trial,
// e_max ≈ 0.01–0.02), but 20 trials move a weight by at most ≈ 0.02 mV
// and the change in the amygdala's response is within the trial-to-trial
// noise of a chaotic network (over seeds 1–3 it was −0.4 to +0.2 Hz
// against the control). The claim is therefore tested at lr 10, where the
// same rule and protocol raise the amygdala's conditioned response well
// above the control's in every seed tried (by 2.6–3.5 Hz over seeds 1–3).
func TestConditioningRaisesAmygdalaResponse(t *testing.T) {
	lrs := []float64{0, 0.1, 10}
	res := runConditioning(t, 20, 10, 1, lrs)
	for i, lr := range lrs {
		t.Logf("lr %v: amygdala CS response %.2f Hz, response regions (amygdala + 4 PFC) %.2f Hz", lr, res.amyg[i], res.resp[i])
	}
	t.Logf("lr 0.1: e_max of the snapshot per trial %.4f", res.emax[1])
	t.Logf("lr 0.1: Δw_max per trial %.2e", res.dwmax[1])
	for trial, dw := range res.dwmax[1] {
		if e := res.emax[1][trial]; !(e > 0.004 && e < 0.04) || !(dw > 2e-4 && dw < 5e-3) {
			t.Errorf("trial %d: e_max %.3g, Δw_max %.3g: far from the reference's ≈ 0.018 and ≈ 1e-3", trial, e, dw)
		}
	}
	if gain := res.amyg[2] - res.amyg[0]; !(gain > 1 && res.amyg[2] > 2*res.amyg[0]) {
		t.Errorf("rewarded pairing at lr 10 gives an amygdala CS response of %.2f Hz against the control's %.2f Hz: not raised", res.amyg[2], res.amyg[0])
	}
	if res.resp[2] <= res.resp[0] {
		t.Errorf("response regions: rewarded %.2f Hz ≤ control %.2f Hz", res.resp[2], res.resp[0])
	}
}
