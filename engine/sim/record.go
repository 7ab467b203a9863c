package sim

import (
	"fmt"

	"github.com/encephagen/encephagen/engine/network"
)

// Recorder measures spikes during one or more runs of a brain (MODEL.md
// §6). Its cost is proportional to the number of spikes, so it can be left
// on. Set the options before the first run; results accumulate over runs.
type Recorder struct {
	// BinSteps > 0 records region spike counts in bins of that many steps.
	BinSteps int
	// Raster lists neurons whose individual spikes are kept.
	Raster []int

	Steps  int      // steps recorded
	Counts []uint32 // spikes per neuron
	// Bins[b][r] is the spike count of region r in bin b (BinSteps > 0).
	Bins [][]uint32
	// Spikes holds the raster: every spike of a Raster neuron, in time order.
	Spikes []Spike

	net      *brainShape
	inRaster []bool
}

// Spike is one recorded spike: the step relative to the recording's start
// and the global neuron index.
type Spike struct {
	Step   int
	Neuron int
}

type brainShape struct{ n, npr, regions int }

// Begin prepares the recorder for a brain built on net (its first use
// allocates and checks the options; later uses check the shape). Run calls
// it; another backend that fills Counts, Bins and Spikes itself calls it
// first and then sets Steps.
func (r *Recorder) Begin(net *network.Network) error {
	shape := &brainShape{net.N, net.NPR, net.Regions}
	if r.net == nil {
		if r.BinSteps < 0 {
			return fmt.Errorf("recorder: bin steps must be ≥ 0, got %d", r.BinSteps)
		}
		inRaster := make([]bool, shape.n)
		for _, i := range r.Raster {
			if i < 0 || i >= shape.n {
				return fmt.Errorf("recorder: raster neuron %d out of range [0, %d)", i, shape.n)
			}
			inRaster[i] = true
		}
		r.net, r.inRaster = shape, inRaster
		r.Counts = make([]uint32, shape.n)
	} else if *r.net != *shape {
		return fmt.Errorf("recorder: used with brains of different shapes")
	}
	return nil
}

func (r *Recorder) observe(spikes []int32) {
	// A bin starts every BinSteps recorded steps.
	if r.BinSteps > 0 && r.Steps%r.BinSteps == 0 {
		r.Bins = append(r.Bins, make([]uint32, r.net.regions))
	}
	var bin []uint32
	if r.BinSteps > 0 {
		bin = r.Bins[len(r.Bins)-1]
	}
	for _, i := range spikes {
		r.Counts[i]++
		if bin != nil {
			bin[int(i)/r.net.npr]++
		}
		if r.inRaster[i] {
			r.Spikes = append(r.Spikes, Spike{r.Steps, int(i)})
		}
	}
	r.Steps++
}

// RegionCounts returns the spike count of every region.
func (r *Recorder) RegionCounts() []uint64 {
	if r.net == nil {
		return nil
	}
	out := make([]uint64, r.net.regions)
	for i, c := range r.Counts {
		out[i/r.net.npr] += uint64(c)
	}
	return out
}

// RegionRates returns every region's rate in Hz: count / (npr · steps ·
// dt/1000).
func (r *Recorder) RegionRates(dtMs float64) []float64 {
	counts := r.RegionCounts()
	out := make([]float64, len(counts))
	if r.Steps == 0 {
		return out
	}
	den := float64(r.net.npr) * float64(r.Steps) * dtMs / 1000
	for i, c := range counts {
		out[i] = float64(c) / den
	}
	return out
}

// GroupRate returns the mean rate in Hz over a set of regions: count over
// the regions / (|regions| · npr · steps · dt/1000). An empty set is an
// error, not NaN.
func (r *Recorder) GroupRate(regions []int, dtMs float64) (float64, error) {
	if len(regions) == 0 {
		return 0, fmt.Errorf("group rate of an empty set of regions")
	}
	if r.Steps == 0 {
		return 0, fmt.Errorf("group rate: nothing recorded")
	}
	counts := r.RegionCounts()
	var sum uint64
	for _, g := range regions {
		if g < 0 || g >= len(counts) {
			return 0, fmt.Errorf("group rate: region %d out of range [0, %d)", g, len(counts))
		}
		sum += counts[g]
	}
	return float64(sum) / (float64(len(regions)) * float64(r.net.npr) * float64(r.Steps) * dtMs / 1000), nil
}

// BinRates returns Bins converted to Hz per region (the last bin may be
// partial and is scaled by its real length).
func (r *Recorder) BinRates(dtMs float64) [][]float64 {
	out := make([][]float64, len(r.Bins))
	for b, bin := range r.Bins {
		steps := r.BinSteps
		if b == len(r.Bins)-1 && r.Steps%r.BinSteps != 0 {
			steps = r.Steps % r.BinSteps
		}
		den := float64(r.net.npr) * float64(steps) * dtMs / 1000
		out[b] = make([]float64, len(bin))
		for i, c := range bin {
			out[b][i] = float64(c) / den
		}
	}
	return out
}

// Total returns the number of spikes recorded.
func (r *Recorder) Total() uint64 {
	var s uint64
	for _, c := range r.Counts {
		s += uint64(c)
	}
	return s
}
