package sim

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// One brain on several cores. A step is split by neurons, in whole
// regions (each region draws from its own stream): worker w owns the
// neurons [lo_w, hi_w). In one phase it first adds the previous step's
// spikes to the input of its own neurons (point 8, every spike in
// ascending order and every synapse in the network's order, so each
// neuron's sums are made in the same order as on one core), then carries
// out points 9 and 1–7 for its neurons. Between phases the spikes are
// joined in worker order (which is ascending) and the serial part of the
// step runs: the plasticity hook, the emitted rows, the recorder. Every
// float operation is the one-core operation on the same operands, so the
// results are bit for bit those of one core, for any number of workers.

// runParallel is Run's loop on workers cores (workers ≥ 2, and the brain
// has at least two regions).
func (b *Brain) runParallel(ctx context.Context, steps, workers int, ext []float32, rec *Recorder) error {
	net := b.Net
	workers = min(workers, net.Regions)
	g := &gang{n: workers}
	g.lo = make([]uint32, workers+1)
	g.regions = make([]int, workers+1)
	for w := 0; w <= workers; w++ {
		g.regions[w] = w * net.Regions / workers
		g.lo[w] = uint32(g.regions[w] * net.NPR)
	}
	g.spikes = make([][]int32, workers)
	for w := range g.spikes {
		g.spikes[w] = make([]int32, 0, 64)
	}
	g.start()
	defer g.stop()

	// scatterSlot ≥ 0: the spikes in b.spikes, of the step whose ring slot
	// it is, still have to be added (the next phase does it).
	scatterSlot := -1
	phase := func(w int) {
		lo, hi := g.lo[w], g.lo[w+1]
		if scatterSlot >= 0 {
			b.scatter(scatterSlot, b.spikes, lo, hi)
		}
		if g.last {
			return
		}
		pending := b.pendingSlot()
		s := g.spikes[w][:0]
		for r := g.regions[w]; r < g.regions[w+1]; r++ {
			s = b.region(r, ext, pending, s)
		}
		g.spikes[w] = s
	}
	g.work = phase
	const chunk = 1000
	var err error
	for done := 0; done < steps; {
		if err = ctx.Err(); err != nil {
			break
		}
		n := min(chunk, steps-done)
		for i := 0; i < n; i++ {
			b.prepare()
			g.run()
			spikes := b.spikes[:0]
			for _, s := range g.spikes {
				spikes = append(spikes, s...)
			}
			b.spikes = spikes
			if b.Plastic != nil {
				b.Plastic.Observe(b.step, b.preV, b.theta, spikes)
			}
			slot := int(b.step % int64(b.slots))
			scatterSlot = slot
			b.finish(slot, rec)
		}
		done += n
		if b.Progress != nil {
			// Deliver the input first: Progress may look at the brain.
			g.last = true
			g.run()
			g.last = false
			scatterSlot = -1
			b.Progress(n)
		}
	}
	if scatterSlot >= 0 {
		g.last = true
		g.run()
	}
	b.flush()
	return err
}

// gang runs a phase on n workers: the caller is worker 0, and n−1
// goroutines wait for the next phase, spinning briefly, then asleep.
type gang struct {
	n       int
	lo      []uint32 // worker w owns neurons [lo[w], lo[w+1])
	regions []int    // and regions [regions[w], regions[w+1])
	spikes  [][]int32
	work    func(w int)
	last    bool // the phase only delivers input (end of a chunk or run)

	epoch    atomic.Uint64 // bumped to start a phase
	left     atomic.Int64  // workers yet to finish the phase
	sleepers atomic.Int64
	mu       sync.Mutex
	wake     *sync.Cond
	quit     bool
	wg       sync.WaitGroup
}

func (g *gang) start() {
	g.wake = sync.NewCond(&g.mu)
	for w := 1; w < g.n; w++ {
		g.wg.Add(1)
		go g.worker(w, g.epoch.Load())
	}
}

// run carries out one phase on every worker and returns when all are done.
func (g *gang) run() {
	g.left.Store(int64(g.n - 1))
	g.bump()
	g.work(0)
	for spins := 0; g.left.Load() != 0; spins++ {
		if spins > 64 {
			runtime.Gosched()
		}
	}
}

// bump starts a phase (or, with quit set, the end).
func (g *gang) bump() {
	g.epoch.Add(1)
	if g.sleepers.Load() > 0 {
		g.mu.Lock()
		g.wake.Broadcast()
		g.mu.Unlock()
	}
}

func (g *gang) stop() {
	g.mu.Lock()
	g.quit = true
	g.mu.Unlock()
	g.bump()
	g.wg.Wait()
}

// worker runs worker w's part of every phase started after epoch seen.
func (g *gang) worker(w int, seen uint64) {
	defer g.wg.Done()
	for {
		// Spin a while (the next phase usually follows within
		// microseconds), then sleep until woken.
		e := g.epoch.Load()
		for spins := 0; e == seen && spins < 20000; spins++ {
			if spins&255 == 255 {
				runtime.Gosched()
			}
			e = g.epoch.Load()
		}
		if e == seen {
			g.mu.Lock()
			g.sleepers.Add(1)
			for g.epoch.Load() == seen {
				g.wake.Wait()
			}
			g.sleepers.Add(-1)
			g.mu.Unlock()
			e = g.epoch.Load()
		}
		seen = e
		g.mu.Lock()
		quit := g.quit
		g.mu.Unlock()
		if quit {
			return
		}
		g.work(w)
		g.left.Add(-1)
	}
}
