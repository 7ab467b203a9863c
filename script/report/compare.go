// Package report turns per-brain metric values into the comparison the
// experiments publish: means per condition, two-sided Mann–Whitney U,
// Cohen's d, Benjamini–Hochberg over every comparison, a printed table and
// plots.
package report

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/encephagen/encephagen/engine/stats"
)

// Values holds the per-brain values of one metric, by condition.
type Values map[string][]float64

// Row is one comparison of one metric between conditions A and B.
type Row struct {
	Metric string  `json:"metric"`
	A      string  `json:"a"`
	B      string  `json:"b"`
	MeanA  float64 `json:"mean_a"`
	MeanB  float64 `json:"mean_b"`
	NA     int     `json:"n_a"`
	NB     int     `json:"n_b"`
	U      float64 `json:"u"`
	P      float64 `json:"p"`
	PAdj   float64 `json:"p_fdr"`
	// D is Cohen's d of A against B with pooled population variance. It is
	// ±Inf when both samples are constant and the means differ; JSON holds
	// it as a string then (see MarshalJSON).
	D      float64 `json:"-"`
	Method string  `json:"method"`
	// Winner is the condition with the higher mean, "" when equal;
	// Significant says whether its FDR-adjusted p is below Alpha.
	Winner      string `json:"winner"`
	Significant bool   `json:"significant"`
}

// Alpha is the significance level for Row.Significant.
const Alpha = 0.05

// Pair names two conditions to compare.
type Pair struct{ A, B string }

// Compare tests every metric for every pair of conditions and adjusts the
// p-values with Benjamini–Hochberg over all the comparisons together.
// metrics gives the order of the rows; data[metric][condition] are the
// per-brain values. method is the Mann–Whitney method (stats.Auto is
// SciPy's choice). Its errors name the metric and conditions; the caller
// prefixes its own name.
func Compare(metrics []string, data map[string]Values, pairs []Pair, method stats.Method) ([]Row, error) {
	var rows []Row
	for _, m := range metrics {
		vals, ok := data[m]
		if !ok {
			return nil, fmt.Errorf("no values for metric %q", m)
		}
		for _, pr := range pairs {
			a, b := vals[pr.A], vals[pr.B]
			if len(a) == 0 || len(b) == 0 {
				return nil, fmt.Errorf("metric %q has %d values for %q and %d for %q; both need at least one", m, len(a), pr.A, len(b), pr.B)
			}
			mw, err := stats.MannWhitneyU(a, b, stats.TwoSided, method)
			if err != nil {
				return nil, fmt.Errorf("metric %q, %s vs %s: %w", m, pr.A, pr.B, err)
			}
			d, err := stats.CohensD(a, b)
			if err != nil {
				return nil, fmt.Errorf("metric %q, %s vs %s: %w", m, pr.A, pr.B, err)
			}
			ma, _ := stats.Mean(a)
			mb, _ := stats.Mean(b)
			r := Row{Metric: m, A: pr.A, B: pr.B, MeanA: ma, MeanB: mb, NA: len(a), NB: len(b),
				U: mw.U1, P: mw.P, D: d, Method: mw.Method.String()}
			switch {
			case ma > mb:
				r.Winner = pr.A
			case mb > ma:
				r.Winner = pr.B
			}
			rows = append(rows, r)
		}
	}
	ps := make([]float64, len(rows))
	for i, r := range rows {
		ps[i] = r.P
	}
	for i, q := range stats.BenjaminiHochberg(ps) {
		rows[i].PAdj = q
		rows[i].Significant = q < Alpha && rows[i].Winner != ""
	}
	return rows, nil
}

// WriteTable prints the rows like the reference's summary table.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tcondition A\tmean A\tcondition B\tmean B\tp\tp (FDR)\twinner\tCohen's d")
	for _, r := range rows {
		win := r.Winner
		switch {
		case win == "":
			win = "tie"
		case r.Significant:
			win += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.4f\t%.4f\t%s\t%s\n", r.Metric, r.A, num(r.MeanA), r.B, num(r.MeanB), r.P, r.PAdj, win, num(r.D))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "p: two-sided Mann–Whitney U; FDR: Benjamini–Hochberg over all %d comparisons; * FDR p < %.2f; d: Cohen's d (A − B, pooled population variance)\n", len(rows), Alpha)
	return err
}

func num(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "+inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x != 0 && (math.Abs(x) < 1e-3 || math.Abs(x) >= 1e5):
		return fmt.Sprintf("%.3e", x)
	}
	return fmt.Sprintf("%.4f", x)
}
