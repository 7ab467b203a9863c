package script

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/encephagen/encephagen/script/interp"
	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/encephagen/encephagen/engine/stats"
	"github.com/encephagen/encephagen/script/report"
)

// Module "report": the comparison of conditions that experiments publish
// (package script/report) and its plots, written into the run directory.

// metricValues converts {metric: {condition: values}} and returns the
// metrics (metricsV's list when it is one, else the dict's order) and the
// conditions in the dict's order.
func metricValues(fn string, v, metricsV starlark.Value) (map[string]report.Values, []string, []string, error) {
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, nil, nil, fmt.Errorf("%s: for parameter values: want a dict metric → {condition: values}, got %s", fn, v.Type())
	}
	out := map[string]report.Values{}
	var metrics, conds []string
	seen := map[string]bool{}
	for _, kv := range d.Items() {
		m, ok := starlark.AsString(kv[0])
		if !ok {
			return nil, nil, nil, fmt.Errorf("%s: metric names must be strings, got %s", fn, kv[0].Type())
		}
		cd, ok := kv[1].(*starlark.Dict)
		if !ok {
			return nil, nil, nil, fmt.Errorf("%s: values[%q]: want a dict condition → values, got %s", fn, m, kv[1].Type())
		}
		metrics = append(metrics, m)
		out[m] = report.Values{}
		for _, ckv := range cd.Items() {
			c, ok := starlark.AsString(ckv[0])
			if !ok {
				return nil, nil, nil, fmt.Errorf("%s: values[%q]: condition names must be strings, got %s", fn, m, ckv[0].Type())
			}
			xs, err := toFloats(fn, fmt.Sprintf("values[%q][%q]", m, c), ckv[1])
			if err != nil {
				return nil, nil, nil, err
			}
			out[m][c] = xs
			if !seen[c] {
				seen[c] = true
				conds = append(conds, c)
			}
		}
	}
	if ms, err := stringList(fn, "metrics", metricsV); err != nil {
		return nil, nil, nil, err
	} else if ms != nil {
		metrics = ms
	}
	return out, metrics, conds, nil
}

func stringList(fn, name string, v starlark.Value) ([]string, error) {
	if v == nil || v == starlark.None {
		return nil, nil
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: for parameter %s: want a list of strings, got %s", fn, name, v.Type())
	}
	var out []string
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		s, ok := starlark.AsString(x)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter %s: want strings, got %s", fn, name, x.Type())
		}
		out = append(out, s)
	}
	return out, nil
}

func rowStruct(r report.Row) *starlarkstruct.Struct {
	return starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"metric": starlark.String(r.Metric), "a": starlark.String(r.A), "b": starlark.String(r.B),
		"mean_a": starlark.Float(r.MeanA), "mean_b": starlark.Float(r.MeanB),
		"n_a": starlark.MakeInt(r.NA), "n_b": starlark.MakeInt(r.NB),
		"u": starlark.Float(r.U), "p": starlark.Float(r.P), "p_fdr": starlark.Float(r.PAdj),
		"cohens_d": cohensD(r.D), "method": starlark.String(r.Method),
		"winner": starlark.String(r.Winner), "significant": starlark.Bool(r.Significant),
	})
}

// cohensD is d as a number, or "inf"/"-inf" when the conditions differ
// but neither varies (one run each, say), as report's JSON writes it (JSON
// has no infinities), or None when it is undefined.
func cohensD(d float64) starlark.Value {
	switch {
	case math.IsInf(d, 1):
		return starlark.String("inf")
	case math.IsInf(d, -1):
		return starlark.String("-inf")
	case math.IsNaN(d):
		return starlark.None
	}
	return starlark.Float(d)
}

// rowsArg reads back the structs report.compare returned.
func rowsArg(fn string, v starlark.Value) ([]report.Row, error) {
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: for parameter rows: want the list report.compare returned, got %s", fn, v.Type())
	}
	var rows []report.Row
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		st, ok := x.(*starlarkstruct.Struct)
		if !ok {
			return nil, fmt.Errorf("%s: rows must come from report.compare, got a %s", fn, x.Type())
		}
		var r report.Row
		get := func(name string) starlark.Value { v, _ := st.Attr(name); return v }
		str := func(name string) string { s, _ := starlark.AsString(get(name)); return s }
		num := func(name string) float64 { f, _ := starlark.AsFloat(get(name)); return f }
		if get("metric") == nil || get("p_fdr") == nil {
			return nil, fmt.Errorf("%s: rows must come from report.compare (a struct lacks metric or p_fdr)", fn)
		}
		r.Metric, r.A, r.B, r.Method, r.Winner = str("metric"), str("a"), str("b"), str("method"), str("winner")
		r.MeanA, r.MeanB, r.U, r.P, r.PAdj, r.D = num("mean_a"), num("mean_b"), num("u"), num("p"), num("p_fdr"), num("cohens_d")
		switch d := get("cohens_d"); d {
		case starlark.None:
			r.D = math.NaN()
		case starlark.String("inf"):
			r.D = math.Inf(1)
		case starlark.String("-inf"):
			r.D = math.Inf(-1)
		}
		r.NA, r.NB = int(num("n_a")), int(num("n_b"))
		r.Significant = bool(get("significant").Truth())
		rows = append(rows, r)
	}
	return rows, nil
}

func reportCompare(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var values, pairsV, metricsV starlark.Value = nil, starlark.None, starlark.None
	method := "auto"
	if err := interp.Bind(fn, args, kwargs, &values, &pairsV, &metricsV, &method); err != nil {
		return nil, err
	}
	data, metrics, conds, err := metricValues(fn, values, metricsV)
	if err != nil {
		return nil, err
	}
	var pairs []report.Pair
	if pairsV == starlark.None {
		if len(conds) != 2 {
			return nil, fmt.Errorf("%s: values have %d conditions (%s); name the pairs to compare with pairs=[(a, b), ...]", fn, len(conds), strings.Join(conds, ", "))
		}
		pairs = []report.Pair{{A: conds[0], B: conds[1]}}
	} else {
		it, ok := pairsV.(starlark.Iterable)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter pairs: want a list of (a, b) pairs, got %s", fn, pairsV.Type())
		}
		iter := it.Iterate()
		var x starlark.Value
		for iter.Next(&x) {
			ab, err := stringList(fn, "pairs", x)
			if err != nil || len(ab) != 2 {
				iter.Done()
				return nil, fmt.Errorf("%s: for parameter pairs: each pair is two condition names, got %s", fn, x)
			}
			pairs = append(pairs, report.Pair{A: ab[0], B: ab[1]})
		}
		iter.Done()
	}
	m, err := stats.ParseMethod(method)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	rows, err := report.Compare(metrics, data, pairs, m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	out := make([]starlark.Value, len(rows))
	for i, r := range rows {
		out[i] = rowStruct(r)
	}
	return starlark.NewList(out), nil
}

func reportTable(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var rowsV starlark.Value
	if err := interp.Bind(b.Name(), args, kwargs, &rowsV); err != nil {
		return nil, err
	}
	rows, err := rowsArg(b.Name(), rowsV)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := report.WriteTable(&buf, rows); err != nil {
		return nil, err
	}
	return starlark.String(buf.String()), nil
}

// writePlot renders into memory and writes the file through the run
// directory (sandboxed, atomic).
func writePlot(thread *starlark.Thread, fn, name string, draw func(io.Writer) error) (starlark.Value, error) {
	s, err := interp.SessionOf(thread, fn)
	if err != nil {
		return nil, err
	}
	clean, err := rundir.CheckName(fn, name)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(clean, ".png") {
		return nil, fmt.Errorf("%s: name must end in .png, got %q", fn, name)
	}
	var buf bytes.Buffer
	if err := draw(&buf); err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	if err := s.Dir.WriteFile(clean, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("%s: %s: %v", fn, clean, err)
	}
	return starlark.None, nil
}

func reportPlotMetrics(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var name string
	var values starlark.Value
	var rowsV, metricsV starlark.Value = starlark.None, starlark.None
	if err := interp.Bind(fn, args, kwargs, &name, &values, &rowsV, &metricsV); err != nil {
		return nil, err
	}
	data, metrics, conds, err := metricValues(fn, values, metricsV)
	if err != nil {
		return nil, err
	}
	var rows []report.Row
	if rowsV != starlark.None {
		if rows, err = rowsArg(fn, rowsV); err != nil {
			return nil, err
		}
	}
	return writePlot(thread, fn, name, func(w io.Writer) error { return report.MetricsPNG(w, metrics, data, conds, rows) })
}

func reportPlotCurves(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var name, title, xLabel, yLabel string
	var xV, curvesV starlark.Value
	if err := interp.Bind(fn, args, kwargs, &name, &xV, &curvesV, &title, &xLabel, &yLabel); err != nil {
		return nil, err
	}
	x, err := toFloats(fn, "x", xV)
	if err != nil {
		return nil, err
	}
	d, ok := curvesV.(*starlark.Dict)
	if !ok {
		return nil, fmt.Errorf("%s: for parameter curves: want a dict condition → list of curves, got %s", fn, curvesV.Type())
	}
	curves := map[string][][]float64{}
	var conds []string
	for _, kv := range d.Items() {
		c, ok := starlark.AsString(kv[0])
		if !ok {
			return nil, fmt.Errorf("%s: curves: condition names must be strings", fn)
		}
		m, err := toMatrix(fn, fmt.Sprintf("curves[%q]", c), kv[1])
		if err != nil {
			return nil, err
		}
		curves[c] = m
		conds = append(conds, c)
	}
	return writePlot(thread, fn, name, func(w io.Writer) error {
		return report.CurvesPNG(w, title, xLabel, yLabel, x, curves, conds)
	})
}

func reportPlotHeatmap(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var name, title, xLabel, yLabel string
	var mV starlark.Value
	if err := interp.Bind(fn, args, kwargs, &name, &mV, &title, &xLabel, &yLabel); err != nil {
		return nil, err
	}
	m, err := toMatrix(fn, "matrix", mV)
	if err != nil {
		return nil, err
	}
	return writePlot(thread, fn, name, func(w io.Writer) error { return report.HeatMapPNG(w, title, xLabel, yLabel, m) })
}

func init() {
	interp.DeclValue("report", "outputs", "report",
		"The comparison of conditions experiments publish, and its plots: report.compare, report.table, "+
			"report.plot_metrics, report.plot_curves, report.plot_heatmap.", nil)
	interp.Decl("report.compare", "outputs", `report.compare(values, pairs=None, metrics=None, method="auto")`,
		`Compares conditions on every metric: values is {metric: {condition: per-brain values}}; pairs lists
(a, b) condition pairs (default: the two conditions there are). For each metric and pair: both means and
sample sizes, the two-sided Mann–Whitney U and p (method "auto" chooses as SciPy does), Cohen's d of a
against b (pooled population variance), and the Benjamini–Hochberg adjusted p over every comparison made;
winner is the condition with the higher mean ("" if equal), significant whether its adjusted p < 0.05.
Returns a list of structs (metric, a, b, mean_a, mean_b, n_a, n_b, u, p, p_fdr, cohens_d, method, winner,
significant). cohens_d is "inf" or "-inf" when the means differ but neither condition varies (one brain
each, say) and None when it is undefined, so that the rows can be written with write_json.`, reportCompare)
	interp.Decl("report.table", "outputs", "report.table(rows)",
		"The rows of report.compare as the printed table of the reference (metric, means, p, FDR p, winner, Cohen's d).", reportTable)
	interp.Decl("report.plot_metrics", "outputs", "report.plot_metrics(name, values, rows=None, metrics=None)",
		`Writes a PNG (name, in the run directory) with one panel per metric: every brain's value per condition,
the condition means, and the p-values of rows (from report.compare) in the panel titles.`, reportPlotMetrics)
	interp.Decl("report.plot_curves", "outputs", `report.plot_curves(name, x, curves, title="", x_label="", y_label="")`,
		`Writes a PNG of curves against x: curves is {condition: [one list of len(x) values per brain]}; each
brain's curve thin, the condition's mean thick (e.g. conditioning responses over tests).`, reportPlotCurves)
	interp.Decl("report.plot_heatmap", "outputs", `report.plot_heatmap(name, matrix, title="", x_label="", y_label="")`,
		"Writes a PNG heat map of a matrix (rows along y), e.g. brains × regions of rates in Hz.", reportPlotHeatmap)
}
