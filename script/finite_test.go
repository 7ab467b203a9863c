package script

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/script/interp"
)

// probe is a module for these tests: finite_state(brain) fails unless
// every value of the brain's state (potentials, currents, adaptation,
// refractory clocks, weights) is finite; rates_finite(recording) checks
// the region rates.
var probe = map[string]starlark.StringDict{"probe.star": {
	"finite_state": starlark.NewBuiltin("finite_state", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		br := args[0].(*Brain)
		b := br.b
		for name, xs := range map[string][]float32{"V": b.V, "ISyn": b.ISyn, "INMDA": b.INMDA, "Refrac": b.Refrac, "A": b.A, "W": b.Net.W} {
			for i, x := range xs {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return nil, fmt.Errorf("%s[%d] = %v", name, i, x)
				}
			}
		}
		return starlark.None, nil
	}),
	"rates_finite": starlark.NewBuiltin("rates_finite", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		r := args[0].(*Recording)
		for i, x := range r.rec.RegionRates(r.net.Params.DtMs) {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("rate of region %d = %v", i, x)
			}
		}
		return starlark.None, nil
	}),
}}

func pyFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return `float("nan")`
	case math.IsInf(x, 1):
		return `float("inf")`
	case math.IsInf(x, -1):
		return `float("-inf")`
	}
	return starlark.Float(x).String()
}

// TestFloatParamsStayFinite walks every float parameter of brain(): each
// has a documented finite range; values outside it (and NaN, ±inf,
// ±1e308) are refused with the name, the range and the value; the ends
// of the range, when accepted (a combination may still be refused, e.g.
// for too high a background rate), give a finite state after a run with
// the strongest stimulus allowed, with and without ALIF.
func TestFloatParamsStayFinite(t *testing.T) {
	for _, bp := range brainParams {
		d := network.Defaults()
		if _, ok := bp.field(&d).(*float64); !ok {
			continue
		}
		r, ok := network.FloatRange(bp.name)
		if !ok {
			t.Errorf("%s: a float parameter without a documented range (network.FloatRanges)", bp.name)
			continue
		}
		if !strings.Contains(brainDoc(), r.String()) {
			t.Errorf("%s: the range %s is not in brain's documentation", bp.name, r.String())
		}
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e308, -1e308, r.Max * 1.5, r.Max + 1, r.Min - 1, r.Min / 2} {
			if r.Contains(bad) {
				continue // r.Min / 2 when Min is 0 and closed
			}
			src := fmt.Sprintf("brain(connectome(\"paupau\"), neurons_per_region = 10, %s = %s)\n", bp.name, pyFloat(bad))
			want := fmt.Sprintf("brain: %s must be %s, got %s", bp.name, r.String(), interp.FormatFloat(bad))
			if res := execSource(t, src, nil, Options{}); res.err == nil || !strings.Contains(res.err.Error(), want) {
				t.Errorf("%s = %v: %v, want %q", bp.name, bad, res.err, want)
			}
		}
		ends := []float64{r.Max}
		if r.MinOpen {
			ends = append(ends, r.Min+1e-300, math.Nextafter(r.Min, math.Inf(1)))
		} else {
			ends = append(ends, r.Min)
		}
		for _, x := range ends {
			kw := fmt.Sprintf("%s = %s", bp.name, pyFloat(x))
			switch bp.name {
			case "tau_m_ms": // tau_m_ms ≥ dt_ms
				kw += fmt.Sprintf(", dt_ms = %s", pyFloat(min(x, 0.1)))
			case "dt_ms":
				kw += fmt.Sprintf(", tau_m_ms = %s", pyFloat(max(x, 20)))
			case "v_reset_mv": // v_reset_mv < v_th_mv
				kw += fmt.Sprintf(", v_th_mv = %s", pyFloat(min(1000, max(20, x+1))))
				if x >= 1000 {
					continue
				}
			}
			for _, mv := range []float64{10000, -10000} {
				src := fmt.Sprintf(`load("probe.star", "finite_state", "rates_finite")
c = connectome("paupau")
for alif in (False, True):
    b = brain(c, neurons_per_region = 10, alif = alif, %s)
    rec = run(b, steps = 300, stimulus = stimulus("all", mv = %s))
    finite_state(b)
    rates_finite(rec)
`, kw, pyFloat(mv))
				res := execSource(t, src, nil, Options{ExtraModules: probe})
				if res.err == nil {
					continue
				}
				msg := res.err.Error()
				if !strings.Contains(msg, "brain: ") || strings.Contains(msg, "finite_state") || strings.Contains(msg, "rates_finite") {
					t.Errorf("%s, mv = %v: %v", kw, mv, res.err)
				}
			}
		}
	}
}

// TestOtherFloatArgsStayFinite: the stimulus amplitude, its scaling, the
// learning parameters and rewards have finite ranges; their ends keep
// the state (and the learned weights) finite.
func TestOtherFloatArgsStayFinite(t *testing.T) {
	pre := "c = connectome(\"paupau\")\nb = brain(c, neurons_per_region = 10)\n"
	for _, c := range []struct{ src, want string }{
		{`stimulus("all", mv = 1e308)`, "stimulus: mv must be in [-10000, 10000] (mV), got 1e+308"},
		{`stimulus("all", mv = -10001)`, "stimulus: mv must be in [-10000, 10000] (mV), got -10001"},
		{`stimulus("all", mv = float("nan"))`, "stimulus: mv must be in [-10000, 10000] (mV), got nan"},
		{`stimulus("all", mv = 10).scaled(1e300)`, "stimulus.scaled: factor 1e+300 makes an amplitude of 1e+301 mV; amplitudes must be in [-10000, 10000] (mV)"},
		{`eprop.enable(b, learning_rate = 1e308)`, "learning_rate must be in [-1e+06, 1e+06], got 1e+308"},
		{`eprop.enable(b, tau_e_ms = 1e-9)`, "tau_e_ms must be in [0.001, 1000000], got 1e-09"},
		{`eprop.enable(b, gamma = 1e308)`, "gamma must be in [0, 1000], got 1e+308"},
		{`eprop.enable(b, w_max_mv = 1e308)`, "weight bounds must be in [-10000, 10000] mV"},
		{"eprop.enable(b)\neprop.reward(b, 1e308, trace = \"current\")", "eprop.reward: r must be in [-1e+06, 1e+06], got 1e+308"},
		{"eprop.supervise(b, [0], feedback_std = 1e308)", "eprop.supervise: feedback_std must be in (0, 1000], got 1e+308"},
	} {
		r := execSource(t, pre+c.src+"\n", nil, Options{})
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.src, r.err, c.want)
		}
	}
	// The ends of every range, learning as hard as allowed (with ALIF a
	// large γ is refused: ρ − β·γ ≤ −1 diverges).
	src := fmt.Sprintf(`load("probe.star", "finite_state", "rates_finite")
c = connectome("paupau")
for alif in (False, True):
    for lr in (%[1]g, -%[1]g):
        b = brain(c, neurons_per_region = 10, alif = alif)
        eprop.enable(b, learning_rate = lr, tau_e_ms = 1000000, gamma = 1 if alif else 1000, w_min_mv = -%[2]g, w_max_mv = %[2]g, reward_decay = 0)
        for i in range(4):
            rec = run(b, steps = 100, stimulus = stimulus("all", mv = 10000).scaled(-1 if i %% 2 else 1))
            eprop.reward(b, %[3]g if i %% 2 else -%[3]g, trace = "current")
            finite_state(b)
            rates_finite(rec)
            w = b.weight_stats()
            for x in (w.mean, w.std, w.min, w.max):
                if x != x or x in (float("inf"), float("-inf")):
                    fail("weights not finite: %%s" %% w)
`, eprop.MaxLearningRate, eprop.MaxWeightMV, eprop.MaxReward)
	if r := execSource(t, src, nil, Options{ExtraModules: probe}); r.err != nil {
		t.Fatal(r.err)
	}
}
