package gpu

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// Batch is a set of brains (each with its own network, delays and noise
// seed) advanced together by one protocol: on the GPU, one launch per
// kernel per step for the whole batch. Its results are those of the CPU
// engine (sim.Brain) step for step and spike for spike: the same random
// streams, the same float32 arithmetic and the same summation order.
//
// A Batch starts in the state sim.NewBrain gives each brain and is not safe
// for concurrent use. Close releases its device memory.
type Batch struct {
	plan    *plan
	learn   *learnState // nil until LoadLearners
	seeds   []uint64    // each brain's noise seed
	exe     executor
	backend string
	step    int64
	closed  bool

	// Progress, when set, is told the number of steps done after every
	// chunk of a run (at most 1,000 steps), like sim.Brain.Progress.
	Progress func(steps int)
}

// executor runs the algorithm of kernels/step.cu: on the device (cuda
// build) or in Go (reference.go).
type executor interface {
	// beginRun sets the per-run flags of every brain and the external
	// input (TN values, nil when no brain has any), and zeroes the spike
	// counts.
	beginRun(flags []uint32, ext []float32) error
	// beginChunk zeroes the per-step buffers of the next rows steps.
	beginChunk(rows int, bins, raster bool) error
	// steps advances the batch by rows steps from step t0: the kernel
	// launches of forSteps.
	steps(t0 uint64, rows int) error
	// endChunk returns the chunk's region counts (rows × TR, when bins)
	// and raster words (rows × TW, when raster).
	endChunk(rows int, bins, raster bool) (regcount, words []uint32, err error)
	// counts returns the spike count of every neuron since beginRun.
	counts() ([]uint32, error)
	// state returns the state variables of neurons [off, off+n).
	state(off, n int) (State, error)
	// setState writes the state variables of neurons [off, off+len(V)); A
	// may be nil (zeros).
	setState(off int, st State) error
	// history returns the spike history (H × TW words) and the stamps
	// (H × TR); setHistory replaces both.
	history() (hist []uint32, stamps []uint64, err error)
	setHistory(hist []uint32, stamps []uint64) error
	// setWeights takes the plan's weights of entries [lo, hi) after the
	// host changed them.
	setWeights(lo, hi int) error
	// Learning (learn.go). learnSetup allocates the learning arrays and
	// uploads the networks' synapses; learnRecords uploads the learning
	// records and tables (and sizes the ALIF history); learnMove copies
	// host (a []float32, []float64 or []uint32) to learning array buf from
	// element off (up) or back. steps runs the learning kernels for the
	// brains that learn.
	learnSetup(ls *learnState) error
	learnRecords(ls *learnState) error
	learnMove(up bool, buf learnBuf, off int, host any) error
	close() error
}

// launch holds the step arguments of one kernel launch (see step.cu).
type launch struct {
	t, slot      uint64 // the step whose input is delivered
	nstep, nslot uint64 // the step whose neurons are advanced
	rel          uint64 // nstep's row in the chunk's buffers
	next         bool   // deliver: also advance step nstep
}

// forSteps issues the launches of rows steps from step t0 with a history
// of H slots: `neuron` for step t0, then `deliver` for every step, each but
// the last also advancing the neurons to the next step; learn, when not
// nil, after every launch that advanced the neurons (learning sees each
// step's spikes and pre-reset potentials before the next step's).
func forSteps(t0 uint64, rows int, H uint64, neuron, deliver, learn func(launch) error) error {
	l0 := launch{nstep: t0, nslot: t0 % H}
	if err := neuron(l0); err != nil {
		return err
	}
	if learn != nil {
		if err := learn(l0); err != nil {
			return err
		}
	}
	for j := 0; j < rows; j++ {
		t := t0 + uint64(j)
		l := launch{t: t, slot: t % H, next: j < rows-1}
		if l.next {
			l.nstep, l.nslot, l.rel = t+1, (t+1)%H, uint64(j+1)
		}
		if err := deliver(l); err != nil {
			return err
		}
		if learn != nil && l.next {
			if err := learn(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// State is one brain's dynamic state (MODEL.md §3) at a step boundary.
type State = sim.State

// chunkSteps is how many steps run between checks of the context and
// transfers of per-step results (the CPU engine checks as often).
const chunkSteps = 1000

// deliverUnroll picks the device's deliver kernel for new batches: 4 rows
// of a pathway read at a time (deliver) or 1 (deliver_u1). Results are the
// same; benchmarks compare the speed.
var deliverUnroll = 4

// ErrClosed is returned by a closed batch.
var ErrClosed = errors.New("gpu: batch is closed")

func newBatch(nets []*network.Network, seeds []uint64, mk func(*plan) (executor, string, error)) (*Batch, error) {
	p, err := newPlan(nets, seeds)
	if err != nil {
		return nil, err
	}
	exe, name, err := mk(p)
	if err != nil {
		return nil, err
	}
	return &Batch{plan: p, seeds: slices.Clone(seeds), exe: exe, backend: name}, nil
}

// Len is the number of brains.
func (b *Batch) Len() int { return len(b.plan.nets) }

// Step is the number of steps simulated so far.
func (b *Batch) Step() int64 { return b.step }

// Backend names what runs the batch.
func (b *Batch) Backend() string { return b.backend }

// Network returns brain i's network.
func (b *Batch) Network(i int) *network.Network { return b.plan.nets[i] }

// State copies brain i's state variables from the device.
func (b *Batch) State(i int) (State, error) {
	if b.closed {
		return State{}, ErrClosed
	}
	if i < 0 || i >= b.Len() {
		return State{}, fmt.Errorf("gpu: brain %d out of range [0, %d)", i, b.Len())
	}
	net := b.plan.nets[i]
	st, err := b.exe.state(int(b.plan.brains[i].NeuronOff), net.N)
	if err != nil {
		return State{}, err
	}
	if !net.Params.ALIF {
		st.A = nil
	}
	return st, nil
}

// Close releases the batch's device memory; it is safe to call twice.
func (b *Batch) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	return b.exe.close()
}

// Run advances every brain by steps steps, like sim.Batch.Run: ext[i] is
// brain i's external input in mV per neuron applied every step (nil for
// none) and recs[i] its recorder; either slice may be nil and entries may
// be nil. Host and device exchange data only at the start and end of the
// run and every 1,000 steps (per-step region counts and rasters, when a
// recorder asks for them). Run checks ctx every 1,000 steps and returns
// ctx.Err() with the brains and recorders at a consistent step boundary.
func (b *Batch) Run(ctx context.Context, steps int, ext [][]float32, recs []*sim.Recorder) error {
	if b.closed {
		return ErrClosed
	}
	n := b.Len()
	if steps < 0 {
		return fmt.Errorf("gpu: steps must be ≥ 0, got %d", steps)
	}
	if ext != nil && len(ext) != n {
		return fmt.Errorf("batch: %d inputs for %d brains", len(ext), n)
	}
	if recs != nil && len(recs) != n {
		return fmt.Errorf("batch: %d recorders for %d brains", len(recs), n)
	}
	p := b.plan
	flags := make([]uint32, n)
	var dense []float32
	bins, raster := false, false
	for i := 0; i < n; i++ {
		net := p.nets[i]
		if ext != nil && ext[i] != nil {
			if len(ext[i]) != net.N {
				return fmt.Errorf("brain %d: external input has %d values for %d neurons", i, len(ext[i]), net.N)
			}
			if dense == nil {
				dense = make([]float32, p.TN)
			}
			copy(dense[p.brains[i].NeuronOff:], ext[i])
			flags[i] |= runExt
		}
		if recs != nil && recs[i] != nil {
			if err := b.beginRecorder(i, recs[i]); err != nil {
				return fmt.Errorf("brain %d: %w", i, err)
			}
			if len(recs[i].Raster) > 0 {
				flags[i] |= runRaster
				raster = true
			}
			if recs[i].BinSteps > 0 {
				flags[i] |= runBins
				bins = true
			}
		}
	}
	b.learn.runFlags(flags)
	if err := b.exe.beginRun(flags, dense); err != nil {
		return err
	}
	var merge []*merger
	if recs != nil {
		merge = make([]*merger, n)
		for i, r := range recs {
			if r != nil {
				merge[i] = newMerger(r, p, i)
			}
		}
	}
	done := 0
	var runErr error
	for done < steps {
		if err := ctx.Err(); err != nil {
			runErr = err
			break
		}
		rows := min(chunkSteps, steps-done)
		if err := b.exe.beginChunk(rows, bins, raster); err != nil {
			return err
		}
		if err := b.exe.steps(uint64(b.step), rows); err != nil {
			return err
		}
		reg, ras, err := b.exe.endChunk(rows, bins, raster)
		if err != nil {
			return err
		}
		for _, m := range merge {
			if m != nil {
				m.chunk(rows, reg, ras)
			}
		}
		b.step += int64(rows)
		done += rows
		if b.Progress != nil {
			b.Progress(rows)
		}
	}
	if merge != nil {
		counts, err := b.exe.counts()
		if err != nil {
			return err
		}
		for _, m := range merge {
			if m != nil {
				m.finish(counts)
			}
		}
	}
	return runErr
}
