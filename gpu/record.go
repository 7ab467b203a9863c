package gpu

import (
	"slices"

	"github.com/encephagen/encephagen/engine/sim"
)

// Recorders. The device counts spikes per neuron, per region and step (for
// bins) and keeps whole spike words (for rasters); the host adds them into
// the caller's sim.Recorder so that it reads exactly as if the CPU engine
// had filled it: Begin checks and sets it up, the merger fills Counts, Bins
// and Spikes, and Steps (which also places the bins) is set at the end.

// beginRecorder starts (or continues) a recording of brain i.
func (b *Batch) beginRecorder(i int, r *sim.Recorder) error {
	return r.Begin(b.plan.nets[i])
}

// merger adds one run's device results into one recorder.
type merger struct {
	rec     *sim.Recorder
	brain   int
	regOff  int // the brain's first global region
	neuOff  int // its first global neuron
	regions int
	wordOff int
	words   int // spike words per region
	npr     int
	raster  []int // raster neurons, ascending, once each
	steps0  int   // rec.Steps when the run began
	binPos0 int   // its bin position then
	done    int   // steps merged so far
}

func newMerger(r *sim.Recorder, p *plan, i int) *merger {
	br := p.brains[i]
	m := &merger{
		rec: r, brain: i, regOff: int(br.RegionOff), neuOff: int(br.NeuronOff), regions: p.nets[i].Regions,
		wordOff: int(br.WordOff), words: int(br.Words), npr: int(br.NPR),
		steps0: r.Steps,
	}
	if r.BinSteps > 0 {
		// sim.Recorder advances its bin position with every step it
		// observes, from 0, so it is Steps mod BinSteps.
		m.binPos0 = r.Steps % r.BinSteps
	}
	if len(r.Raster) > 0 {
		m.raster = slices.Clone(r.Raster)
		slices.Sort(m.raster)
		m.raster = slices.Compact(m.raster)
	}
	return m
}

// chunk adds rows steps of per-step results: region counts (rows × TR)
// and spike words (rows × TW), either nil when not recorded.
func (m *merger) chunk(rows int, reg, ras []uint32) {
	r := m.rec
	if r.BinSteps > 0 && reg != nil {
		tr := len(reg) / rows
		for j := 0; j < rows; j++ {
			pos := (m.binPos0 + m.done + j) % r.BinSteps
			if pos == 0 || len(r.Bins) == 0 {
				r.Bins = append(r.Bins, make([]uint32, m.regions))
			}
			bin := r.Bins[len(r.Bins)-1]
			row := reg[j*tr+m.regOff : j*tr+m.regOff+m.regions]
			for k, c := range row {
				bin[k] += c
			}
		}
	}
	if len(m.raster) > 0 && ras != nil {
		tw := len(ras) / rows
		for j := 0; j < rows; j++ {
			row := ras[j*tw : (j+1)*tw]
			for _, n := range m.raster {
				reg, k := n/m.npr, n%m.npr
				w := row[m.wordOff+reg*m.words+k/32]
				if w>>(k%32)&1 != 0 {
					r.Spikes = append(r.Spikes, sim.Spike{Step: m.steps0 + m.done + j, Neuron: n})
				}
			}
		}
	}
	m.done += rows
}

// finish adds the run's spike counts and sets the recorder's step count,
// which places the next bin.
func (m *merger) finish(counts []uint32) {
	r := m.rec
	for k := range r.Counts {
		r.Counts[k] += counts[m.neuOff+k]
	}
	r.Steps = m.steps0 + m.done
}
