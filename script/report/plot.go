package report

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// conditionColours are used in order of the conditions given.
var conditionColours = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, {R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, {R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
}

func colour(i int) color.RGBA { return conditionColours[i%len(conditionColours)] }

// MetricsPNG draws one panel per metric: every brain's value as a point per
// condition (spread sideways so equal values stay visible), the condition
// mean as a bar, and the comparison's p-values in the panel title.
func MetricsPNG(w io.Writer, metrics []string, data map[string]Values, conditions []string, rows []Row) error {
	if len(metrics) == 0 {
		return fmt.Errorf("metrics plot: no metrics")
	}
	cols := min(3, len(metrics))
	nrows := (len(metrics) + cols - 1) / cols
	var plots [][]*plot.Plot
	for i, m := range metrics {
		if i%cols == 0 {
			plots = append(plots, make([]*plot.Plot, cols))
		}
		p := plot.New()
		p.Title.Text = m + pValues(m, rows)
		p.Title.TextStyle.Font.Size = vg.Points(9)
		names := make([]string, len(conditions))
		for ci, c := range conditions {
			names[ci] = c
			vals := data[m][c]
			pts := make(plotter.XYs, len(vals))
			for k, v := range vals {
				off := 0.0
				if len(vals) > 1 {
					off = 0.3 * (float64(k)/float64(len(vals)-1) - 0.5)
				}
				pts[k] = plotter.XY{X: float64(ci) + off, Y: v}
			}
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			s.GlyphStyle.Color = colour(ci)
			s.GlyphStyle.Radius = vg.Points(2)
			p.Add(s)
			if len(vals) > 0 {
				mean := 0.0
				for _, v := range vals {
					mean += v
				}
				mean /= float64(len(vals))
				bar, err := plotter.NewLine(plotter.XYs{{X: float64(ci) - 0.25, Y: mean}, {X: float64(ci) + 0.25, Y: mean}})
				if err != nil {
					return err
				}
				bar.LineStyle.Width = vg.Points(1.5)
				bar.LineStyle.Color = colour(ci)
				p.Add(bar)
			}
		}
		p.NominalX(names...)
		p.X.Min, p.X.Max = -0.6, float64(len(conditions))-0.4
		plots[len(plots)-1][i%cols] = p
	}
	return saveTiles(w, plots, nrows, cols, 3.2*vg.Inch, 2.6*vg.Inch)
}

func pValues(metric string, rows []Row) string {
	s := ""
	for _, r := range rows {
		if r.Metric == metric {
			s += fmt.Sprintf("\n%s vs %s: p=%.3g, FDR p=%.3g", r.A, r.B, r.P, r.PAdj)
		}
	}
	return s
}

func saveTiles(out io.Writer, plots [][]*plot.Plot, nrows, cols int, w, h vg.Length) error {
	img := vgimg.New(w*vg.Length(cols), h*vg.Length(nrows))
	dc := draw.New(img)
	t := draw.Tiles{Rows: nrows, Cols: cols, PadX: vg.Millimeter, PadY: vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
	canvases := plot.Align(plots, t, dc)
	for j := range plots {
		for i, p := range plots[j] {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	return writePNG(out, img)
}

// CurvesPNG draws, per condition, every brain's curve thin and the mean
// curve thick: y[condition][brain][k] against x[k].
func CurvesPNG(w io.Writer, title, xLabel, yLabel string, x []float64, y map[string][][]float64, conditions []string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for ci, c := range conditions {
		curves := y[c]
		mean := make(plotter.XYs, len(x))
		for k := range x {
			mean[k].X = x[k]
		}
		for _, cur := range curves {
			if len(cur) != len(x) {
				return fmt.Errorf("curves plot %q: a curve of %q has %d points for %d x values", title, c, len(cur), len(x))
			}
			pts := make(plotter.XYs, len(x))
			for k := range x {
				pts[k] = plotter.XY{X: x[k], Y: cur[k]}
				mean[k].Y += cur[k] / float64(len(curves))
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.LineStyle.Width = vg.Points(0.5)
			c := colour(ci)
			l.LineStyle.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x60} // not premultiplied
			p.Add(l)
		}
		if len(curves) > 0 {
			l, err := plotter.NewLine(mean)
			if err != nil {
				return err
			}
			l.LineStyle.Width = vg.Points(2)
			l.LineStyle.Color = colour(ci)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s (n=%d)", c, len(curves)), l)
		}
	}
	p.Legend.Top = true
	img := vgimg.New(5*vg.Inch, 3.5*vg.Inch)
	p.Draw(draw.New(img))
	return writePNG(w, img)
}

// grid adapts a matrix to plotter.GridXYZ: rows along y, columns along x.
type grid struct{ m [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.m[0]), len(g.m) }
func (g grid) Z(c, r int) float64 { return g.m[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// HeatMapPNG draws a matrix (for example brains × regions of rates in Hz)
// with its value range in the title.
func HeatMapPNG(w io.Writer, title, xLabel, yLabel string, m [][]float64) error {
	if len(m) == 0 || len(m[0]) == 0 {
		return fmt.Errorf("heat map %q: empty matrix", title)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range m {
		if len(row) != len(m[0]) {
			return fmt.Errorf("heat map %q: ragged matrix", title)
		}
		for _, v := range row {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo == hi {
		hi = lo + 1
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(hi)
	h := plotter.NewHeatMap(grid{m}, pal.Palette(64))
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (%.3g to %.3g)", title, lo, hi)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Add(h)
	img := vgimg.New(7*vg.Inch, 3.5*vg.Inch)
	p.Draw(draw.New(img))
	return writePNG(w, img)
}
