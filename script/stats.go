package script

import (
	"errors"
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/encephagen/encephagen/engine/stats"
	"github.com/encephagen/encephagen/script/interp"
)

// The statistics of engine/stats as module "stats". Samples are arrays or
// sequences of numbers; vector sets are 2-D arrays or lists of vectors.

func statsErr(fn string, err error) error {
	switch {
	case errors.Is(err, stats.ErrEmpty):
		return fmt.Errorf("%s: empty input", fn)
	case errors.Is(err, stats.ErrTooFew):
		return fmt.Errorf("%s: too few observations", fn)
	}
	return fmt.Errorf("%s: %v", fn, err)
}

func floatFn(fn string, args starlark.Tuple, kw []starlark.Tuple, f func([]float64) (float64, error)) (starlark.Value, error) {
	var x starlark.Value
	if err := interp.Bind(fn, args, kw, &x); err != nil {
		return nil, err
	}
	xs, err := toFloats(fn, "x", x)
	if err != nil {
		return nil, err
	}
	v, err := f(xs)
	if err != nil {
		return nil, statsErr(fn, err)
	}
	return starlark.Float(v), nil
}

// pairFn calls f on the two float vectors fn(a, b) takes (the names are
// those of fn's declaration); with sameLen, they must have equal lengths.
func pairFn(fn string, args starlark.Tuple, kw []starlark.Tuple, sameLen bool, f func(x, y []float64) (float64, error)) (starlark.Value, error) {
	var x, y starlark.Value
	if err := interp.Bind(fn, args, kw, &x, &y); err != nil {
		return nil, err
	}
	names := interp.LookupSignature(fn).Names()
	a, b := names[0], names[1]
	xs, err := toFloats(fn, a, x)
	if err != nil {
		return nil, err
	}
	ys, err := toFloats(fn, b, y)
	if err != nil {
		return nil, err
	}
	if sameLen && len(xs) != len(ys) {
		return nil, fmt.Errorf("%s: %s and %s must have the same length, got %d and %d", fn, a, b, len(xs), len(ys))
	}
	v, err := f(xs, ys)
	if err != nil {
		return nil, statsErr(fn, err)
	}
	return starlark.Float(v), nil
}

// labelledVectors converts a list of vectors and their integer labels of
// the same length (name is the labels' parameter name).
func labelledVectors(fn string, vectors, labels starlark.Value, name string) ([][]float64, []int, error) {
	rows, err := toMatrix(fn, "vectors", vectors)
	if err != nil {
		return nil, nil, err
	}
	ints, err := intsFor(fn, name, labels, len(rows))
	return rows, ints, err
}

// intsFor converts one integer per vector (labels, rounds).
func intsFor(fn, name string, v starlark.Value, vectors int) ([]int, error) {
	ints, err := toInts(fn, name, v)
	if err != nil {
		return nil, err
	}
	if len(ints) != vectors {
		return nil, fmt.Errorf("%s: got %d %s for %d vectors", fn, len(ints), name, vectors)
	}
	return ints, nil
}

func labelled(fn string, args starlark.Tuple, kw []starlark.Tuple, f func([][]float64, []int) (float64, error)) (starlark.Value, error) {
	var vv, lv starlark.Value
	if err := interp.Bind(fn, args, kw, &vv, &lv); err != nil {
		return nil, err
	}
	rows, labels, err := labelledVectors(fn, vv, lv, "labels")
	if err != nil {
		return nil, err
	}
	v, err := f(rows, labels)
	if err != nil {
		return nil, statsErr(fn, err)
	}
	return starlark.Float(v), nil
}

func init() {
	interp.DeclValue("stats", "statistics", "stats",
		"The statistics module: stats.mann_whitney, stats.cohens_d, stats.slope, stats.bh, stats.mean, "+
			"stats.pop_std, stats.cv, stats.cosine, stats.entropy, stats.participation_ratio, "+
			"stats.fisher_ratio, stats.nearest_centroid_loo, stats.round_centred_loo. Samples are arrays or lists of numbers. "+
			"None of them returns NaN: undefined cases are errors or documented values.", nil)
	interp.Decl("stats.mean", "statistics", "stats.mean(x)", "The arithmetic mean of x; empty or non-finite input is an error.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return floatFn(b.Name(), args, kw, stats.Mean)
		})
	interp.Decl("stats.pop_std", "statistics", "stats.pop_std(x)", "The population standard deviation of x (ddof = 0).",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return floatFn(b.Name(), args, kw, stats.PopStd)
		})
	interp.Decl("stats.cv", "statistics", "stats.cv(x)",
		"The coefficient of variation pop_std(x)/mean(x) (Exp 22's innate differentiation); 0 when every value is 0, an error when the mean is 0 otherwise.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return floatFn(b.Name(), args, kw, stats.CV)
		})
	interp.Decl("stats.entropy", "statistics", "stats.entropy(p)",
		"The Shannon entropy in nats of the distribution p/sum(p) (non-negative values, not all 0).",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := interp.Bind(b.Name(), args, kw, &x); err != nil {
				return nil, err
			}
			return floatFn(b.Name(), starlark.Tuple{x}, nil, stats.Entropy)
		})
	interp.Decl("stats.cohens_d", "statistics", "stats.cohens_d(x, y)",
		"Cohen's d of x against y with pooled population variance, as Exp 22 specifies; ±inf when both samples are constant and differ.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return pairFn(b.Name(), args, kw, false, stats.CohensD)
		})
	interp.Decl("stats.slope", "statistics", "stats.slope(x, y)",
		"The least-squares slope of y against x (Exp 22's cond_slope); x and y have equal lengths, at least 2, and x must vary.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return pairFn(b.Name(), args, kw, true, stats.Slope)
		})
	interp.Decl("stats.cosine", "statistics", "stats.cosine(a, b)",
		"The cosine similarity of two vectors of equal length; 0 when either is all zeros.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return pairFn(b.Name(), args, kw, true, stats.Cosine)
		})
	interp.Decl("stats.mann_whitney", "statistics", `stats.mann_whitney(x, y, alternative="two-sided", method="auto")`,
		`The Mann–Whitney U test as scipy.stats.mannwhitneyu computes it (continuity correction on). alternative:
"two-sided", "less" or "greater"; method: "auto" (exact for small samples without ties, otherwise the normal
approximation with tie correction), "exact" or "asymptotic". Returns struct(u1, u2, p, method).`,
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			fn := b.Name()
			var x, y starlark.Value
			alt, method := "two-sided", "auto"
			if err := interp.Bind(fn, args, kw, &x, &y, &alt, &method); err != nil {
				return nil, err
			}
			xs, err := toFloats(fn, "x", x)
			if err != nil {
				return nil, err
			}
			ys, err := toFloats(fn, "y", y)
			if err != nil {
				return nil, err
			}
			var a stats.Alternative
			switch alt {
			case "two-sided":
				a = stats.TwoSided
			case "less":
				a = stats.Less
			case "greater":
				a = stats.Greater
			default:
				return nil, fmt.Errorf("%s: alternative must be \"two-sided\", \"less\" or \"greater\", got %q", fn, alt)
			}
			m, err := stats.ParseMethod(method)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", fn, err)
			}
			r, err := stats.MannWhitneyU(xs, ys, a, m)
			if err != nil {
				return nil, statsErr(fn, err)
			}
			return starlarkstruct.FromStringDict(starlark.String("mann_whitney"), starlark.StringDict{
				"u1": starlark.Float(r.U1), "u2": starlark.Float(r.U2), "p": starlark.Float(r.P),
				"method": starlark.String(r.Method.String()),
			}), nil
		})
	interp.Decl("stats.bh", "statistics", "stats.bh(p)",
		"Benjamini–Hochberg adjusted p-values, in the order of p (as scipy.stats.false_discovery_control); every p must be in [0, 1]. Returns an array.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := interp.Bind(b.Name(), args, kw, &x); err != nil {
				return nil, err
			}
			ps, err := toFloats(b.Name(), "p", x)
			if err != nil {
				return nil, err
			}
			for i, p := range ps {
				if !(p >= 0 && p <= 1) {
					return nil, fmt.Errorf("%s: p[%d] must be in [0, 1], got %s", b.Name(), i, interp.FormatFloat(p))
				}
			}
			return NewArray(stats.BenjaminiHochberg(ps)), nil
		})
	interp.Decl("stats.participation_ratio", "statistics", "stats.participation_ratio(rows)",
		"The participation ratio (Σλ)²/Σλ² of the covariance of the rows (observations × variables): the effective dimensionality; 0 when nothing varies.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := interp.Bind(b.Name(), args, kw, &x); err != nil {
				return nil, err
			}
			rows, err := toMatrix(b.Name(), "rows", x)
			if err != nil {
				return nil, err
			}
			v, err := stats.ParticipationRatio(rows)
			if err != nil {
				return nil, statsErr(b.Name(), err)
			}
			return starlark.Float(v), nil
		})
	interp.Decl("stats.fisher_ratio", "statistics", "stats.fisher_ratio(vectors, labels)",
		"Between-class over within-class sum of squares of labelled vectors (labels are ints); +inf when classes are tight and apart, 0 for a single class.",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return labelled(b.Name(), args, kw, stats.FisherRatio)
		})
	interp.Decl("stats.nearest_centroid_loo", "statistics", "stats.nearest_centroid_loo(vectors, labels)",
		"Leave-one-out nearest-centroid accuracy with cosine similarity (Exp 22's discrimination metric), in [0, 1].",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return labelled(b.Name(), args, kw, stats.NearestCentroidLOO)
		})
	interp.Decl("stats.round_centred_loo", "statistics", "stats.round_centred_loo(vectors, labels, rounds, shuffles=1000, seed=0)",
		"Discrimination that drift between test rounds cannot fake: each round's mean vector is subtracted from that "+
			"round's vectors before the leave-one-out nearest-centroid accuracy (cosine); chance is measured by shuffling "+
			"the labels within every round shuffles times. rounds[i] names the round of vector i. Returns "+
			"struct(accuracy, chance_mean, chance_high (95th percentile), p (permutation p-value)).",
		func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			fn := b.Name()
			var vv, lv, rv starlark.Value
			shuffles, sd := 1000, interp.Seed(0)
			if err := interp.Bind(fn, args, kw, &vv, &lv, &rv, &shuffles, &sd); err != nil {
				return nil, err
			}
			if shuffles < 1 || shuffles > 1_000_000 {
				return nil, interp.RangeError(fn, "shuffles", "in [1, 1000000]", shuffles)
			}
			rows, labels, err := labelledVectors(fn, vv, lv, "labels")
			if err != nil {
				return nil, err
			}
			rounds, err := intsFor(fn, "rounds", rv, len(rows))
			if err != nil {
				return nil, err
			}
			r, err := stats.RoundCentredLOO(rows, labels, rounds, shuffles, uint64(sd))
			if err != nil {
				return nil, statsErr(fn, err)
			}
			return starlarkstruct.FromStringDict(starlark.String("round_centred"), starlark.StringDict{
				"accuracy": starlark.Float(r.Accuracy), "chance_mean": starlark.Float(r.ChanceMean),
				"chance_high": starlark.Float(r.ChanceHigh), "p": starlark.Float(r.P),
			}), nil
		})
}
