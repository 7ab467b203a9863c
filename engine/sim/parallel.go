package sim

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// One brain on several cores. A step is split by neurons into parts of
// whole regions (each region draws from its own stream): each worker has
// a lane of consecutive regions, cut into parts of halving size
// (partition). A worker takes its own parts first, biggest first (its
// neurons stay in its core's cache from step to step), then the others'
// as they come free, so a core that the machine gives less time does
// less of the step and the workers finish close together. Whoever takes
// a lane's first part first adds the previous step's spikes to the input
// of the lane's neurons (point 8: every spike in ascending order and
// every synapse in the network's order, so each neuron's sums are made in
// the same order as on one core); then, for each part it takes, a worker
// carries out points 9 and 1–7. Between phases the spikes are joined in
// part order (which is ascending) and the serial part of the step runs:
// the plasticity hook, the emitted rows, the recorder. Every float
// operation is the one-core operation on the same operands, whichever
// worker makes it, so the results are bit for bit those of one core, for
// any number of workers.

// runParallel is Run's loop on workers cores (workers ≥ 2, and the brain
// has at least two regions).
func (b *Brain) runParallel(ctx context.Context, steps, workers int, ext []float32, rec *Recorder) error {
	net := b.Net
	// More workers than the Go scheduler has processors would only take
	// turns.
	workers = min(workers, net.Regions, runtime.GOMAXPROCS(0))
	if workers < 2 {
		return b.runSerial(ctx, steps, ext, rec)
	}
	regions, lanes := partition(net.Regions, workers)
	parts := len(regions) - 1
	g := &gang{n: workers, parts: parts, regions: regions, laneStart: lanes}
	// The input is added lane by lane (fewer, longer runs of each row
	// than part by part), the neurons stepped part by part.
	laneOf := make([]int, parts)
	laneRegions := make([]int, workers+1)
	for w := range workers {
		laneRegions[w] = regions[lanes[w]]
		for p := lanes[w]; p < lanes[w+1]; p++ {
			laneOf[p] = w
		}
	}
	laneRegions[workers] = net.Regions
	sp := b.splitFor(laneRegions)
	// Each part's scratch for background counts, a whole number of cache
	// lines apart.
	stride := (net.NPR + 15) &^ 15
	counts := make([]int32, parts*stride)
	sinks := make([]uint32, workers*16) // scatterLane's loads land here, a cache line per lane
	g.spikes = make([][]int32, parts)
	for p := range g.spikes {
		g.spikes[p] = make([]int32, 0, 64)
	}
	g.start()
	defer g.stop()

	// scatterSlot ≥ 0: the spikes in b.spikes, of the step whose ring slot
	// it is, still have to be added (the next phase does it).
	scatterSlot := -1
	phase := func(p int) {
		if scatterSlot >= 0 {
			// Whoever takes a lane's first part (its worker, unless that
			// worker is late) adds the input of the whole lane; whoever
			// takes another part of the lane waits for it.
			w := laneOf[p]
			l := &g.lanes[w]
			if p == lanes[w] {
				sinks[w*16] = b.scatterLane(scatterSlot, b.spikes, sp, w)
				l.scattered.Store(g.phase)
			} else {
				spinUntil(func() bool { return l.scattered.Load() == g.phase })
			}
		}
		if g.last {
			return
		}
		pending := b.pendingSlot()
		s := g.spikes[p][:0]
		for r := g.regions[p]; r < g.regions[p+1]; r++ {
			s = b.region(r, ext, pending, s, counts[p*stride:p*stride+net.NPR])
		}
		g.spikes[p] = s
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

// partition gives each of the workers a lane of consecutive regions,
// equal in number, and cuts each lane into parts of halving size (half
// of the lane's regions still left, at least one): regions[p] is part
// p's first region, lanes[w] worker w's first part. The big parts come
// first and keep a worker's neurons in its core's cache from step to
// step; the small last ones let a worker that is done take little
// pieces of another's lane, so that the workers finish together.
func partition(R, workers int) (regions, lanes []int) {
	regions = []int{0}
	for w := range workers {
		lanes = append(lanes, len(regions)-1)
		lo, hi := w*R/workers, (w+1)*R/workers
		for lo < hi {
			lo += max(1, (hi-lo)/2)
			regions = append(regions, lo)
		}
	}
	return regions, append(lanes, len(regions)-1)
}

// split lists, for each part of the neurons (runParallel splits by the
// workers' lanes), the synapses onto them as runs of consecutive
// positions in the network's arrays. A row holds the
// local synapses, then the long-range ones by target region, so a part
// whose regions are consecutive gets a run or two of each row: reading
// them is a sequential read of Post and W, as on one core. The runs of
// presynaptic neuron i into part p are runs[2k], runs[2k+1] (bounds
// [s0, s1)) for k in [first[i·P+p], first[i·P+p+1]), in the network's
// order, P the number of parts: all of a neuron's runs, and where each
// part's begin, lie together, so a spike costs a cache miss or two
// whatever the number of parts. The split is kept for the next run on
// the same network and the same parts.
type split struct {
	post    *uint32 // &Net.Post[0] of the network it was made for
	n       int
	regions []int // part p is regions [regions[p], regions[p+1])
	first   []uint32
	runs    []uint32
}

func (b *Brain) splitFor(regions []int) *split {
	net := b.Net
	if sp := b.split; sp != nil && sp.n == len(net.Post) && (len(net.Post) == 0 || sp.post == &net.Post[0]) && slices.Equal(sp.regions, regions) {
		return sp
	}
	P := len(regions) - 1
	owner := make([]uint16, net.Regions)
	for w := 0; w < P; w++ {
		for r := regions[w]; r < regions[w+1]; r++ {
			owner[r] = uint16(w)
		}
	}
	sp := &split{n: len(net.Post), regions: slices.Clone(regions), first: make([]uint32, net.N*P+1)}
	if len(net.Post) > 0 {
		sp.post = &net.Post[0]
	}
	type run struct {
		part   uint16
		s0, s1 uint32
	}
	var row []run
	for i := 0; i < net.N; i++ {
		// The row's runs in its order, then grouped by part (stable: a
		// part's runs stay in the row's order).
		row = row[:0]
		for s := net.Start[i]; s < net.Start[i+1]; s++ {
			w := owner[int(net.Post[s])/net.NPR]
			if n := len(row); n > 0 && row[n-1].part == w && row[n-1].s1 == s {
				row[n-1].s1 = s + 1
				continue
			}
			row = append(row, run{w, s, s + 1})
		}
		slices.SortStableFunc(row, func(x, y run) int { return int(x.part) - int(y.part) })
		k := 0
		for w := range P {
			sp.first[i*P+w] = uint32(len(sp.runs) / 2)
			for ; k < len(row) && int(row[k].part) == w; k++ {
				sp.runs = append(sp.runs, row[k].s0, row[k].s1)
			}
		}
	}
	sp.first[net.N*P] = uint32(len(sp.runs) / 2)
	sp.runs = slices.Clip(sp.runs)
	b.split = sp
	return sp
}

// runsOf returns the runs of presynaptic neuron i into part p, as pairs
// of bounds.
func (sp *split) runsOf(i, p int) []uint32 {
	P := len(sp.regions) - 1
	return sp.runs[2*sp.first[i*P+p] : 2*sp.first[i*P+p+1]]
}

// scatterLane is point 8 for the neurons of the split's part p (a
// worker's lane): the synapses in its runs, spike by spike in the order
// of spikes. A lane's share of a row is often short (a few long-range
// synapses, when the spike comes from another lane), and each share
// starts with a cache miss in Post and W: the first loop loads the start
// of every share, so that those misses overlap instead of following one
// another. It returns what it loaded, for the caller to keep (so that the
// loads are made).
func (b *Brain) scatterLane(slot int, spikes []int32, sp *split, p int) uint32 {
	post, W := b.Net.Post, b.Net.W
	var seen uint32
	for _, pre := range spikes {
		if rs := sp.runsOf(int(pre), p); len(rs) > 0 {
			s := rs[0]
			seen |= post[s] ^ math.Float32bits(W[s])
		}
	}
	for _, pre := range spikes {
		rs := sp.runsOf(int(pre), p)
		for k := 0; k+1 < len(rs); k += 2 {
			b.addInput(slot, rs[k], rs[k+1])
		}
	}
	return seen
}

// gang runs a phase of parts on n workers: the caller is worker 0, and
// n−1 goroutines wait for the next phase, spinning briefly, then asleep.
// Within a phase every worker takes parts (work(p)) until none is left.
type gang struct {
	n, parts  int
	regions   []int // part p is regions [regions[p], regions[p+1])
	laneStart []int // worker w's own parts are [laneStart[w], laneStart[w+1])
	spikes    [][]int32
	work      func(p int)
	last      bool // the phase only delivers input (end of a chunk or run)

	epoch atomic.Uint64 // bumped to start a phase
	// phase counts the phases. It is set before the lanes are reset, so a
	// part taken in a phase reads that phase's number, even when a worker
	// late from the last phase takes it before the epoch is bumped.
	phase    uint64
	lanes    []lane       // worker w's own parts, which it takes first
	done     atomic.Int64 // parts done in this phase
	sleepers atomic.Int64
	mu       sync.Mutex
	wake     *sync.Cond
	quit     bool
	wg       sync.WaitGroup
}

func (g *gang) start() {
	g.wake = sync.NewCond(&g.mu)
	g.lanes = make([]lane, g.n)
	for w := range g.lanes {
		l := &g.lanes[w]
		l.lo, l.hi = int64(g.laneStart[w]), int64(g.laneStart[w+1])
		l.next.Store(l.hi - l.lo) // nothing to take before the first phase
	}
	for w := 1; w < g.n; w++ {
		g.wg.Add(1)
		go g.worker(w, g.epoch.Load())
	}
}

// run carries out one phase and returns when every part is done. What
// the phase reads is set before it starts: a worker late from the last
// phase takes a part only after its lane is reset, which the atomics order
// after those writes.
func (g *gang) run() {
	g.phase++
	g.done.Store(0)
	for w := range g.lanes {
		g.lanes[w].next.Store(0)
	}
	g.bump()
	g.take(0)
	spinUntil(func() bool { return g.done.Load() == int64(g.parts) })
}

// spinUntil waits for done, which another worker makes true within
// microseconds: spinning, and letting other goroutines run after a while.
func spinUntil(done func() bool) {
	for spins := 0; !done(); spins++ {
		if spins > 64 {
			runtime.Gosched()
		}
	}
}

// lane is a worker's contiguous share of the parts, [lo, hi), and how
// many of them have been taken in this phase. Taking its own parts first
// keeps a worker on the same neurons step after step (their state stays
// in its core's cache); taking the others' when done keeps the cores busy.
type lane struct {
	next      atomic.Int64
	scattered atomic.Uint64 // the last phase whose input the lane has
	lo, hi    int64
	_         [32]byte // a cache line each
}

// take does parts until none is left in this phase: worker w's own
// first, then the other lanes'.
func (g *gang) take(w int) {
	for k := range g.n {
		l := &g.lanes[(w+k)%g.n]
		for {
			p := l.lo + l.next.Add(1) - 1
			if p >= l.hi {
				break
			}
			g.work(int(p))
			g.done.Add(1)
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

// worker w takes parts of every phase started after epoch seen.
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
		g.take(w)
	}
}
