package gpu

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// Backend is the batch backend (engine/backend.Backend) over Batch. It
// gathers the jobs of all live callers — the units of an experiment
// running side by side — and advances them together, one Batch for all,
// as soon as every live caller waits (backend.Gathering). Brains then
// stay on the device (the host copy is stale), with their e-prop
// learners' traces, until Host needs them: an e-prop snapshot, reward or
// statistic (the host learner's), a job the device cannot do, or a job in
// other company. Hand-overs are exact (Batch.Load, LoadLearners,
// SetNetworks, Store), so a script gives the CPU's results spike for spike
// on either backend.
//
// The device cannot do: supervised e-prop (its kernels are
// reward-modulated only) and a job whose brains are at different steps;
// those run on the CPU engine.
type Backend struct {
	newBatch NewBatchFunc
	note     func(string)
	name     string

	mu      sync.Mutex
	live    int // callers that may call Advance
	waiting []*request

	devMu    sync.Mutex // held while the device works or brains move
	resident *resident
	on       map[*sim.Brain]*resident // brains whose state is on the device
	noted    atomic.Bool
}

// NewBatchFunc makes a batch of brains: NewBatch for the GPU, NewReference
// (the kernels' Go transcription) in tests.
type NewBatchFunc func(nets []*network.Network, noiseSeeds []uint64) (*Batch, error)

// NewBackend returns a batch backend over newBatch; name is what
// provenance records.
func NewBackend(newBatch NewBatchFunc, name string, cfg backend.Config) *Backend {
	note := cfg.Note
	if note == nil {
		note = func(string) {}
	}
	return &Backend{newBatch: newBatch, name: name, note: note, live: 1, on: map[*sim.Brain]*resident{}}
}

var _ backend.Gathering = (*Backend)(nil)

// resident is the batch last built, for the brains in it. While onDevice,
// the device holds their state, not the host.
type resident struct {
	batch    *Batch
	brains   []*sim.Brain
	gens     []uint64 // each brain's weight generation when sent
	onDevice bool
}

type request struct {
	ctx  context.Context
	job  backend.Job
	done chan error
}

func (g *Backend) Name() string { return g.name }

// Enter and Leave count a caller that may call Advance.
func (g *Backend) Enter() {
	g.mu.Lock()
	g.live++
	g.mu.Unlock()
}

func (g *Backend) Leave() {
	g.mu.Lock()
	g.live--
	g.launchIfReady()
	g.mu.Unlock()
}

// launchIfReady starts the waiting requests once every live caller waits
// (g.mu held).
func (g *Backend) launchIfReady() {
	if len(g.waiting) == 0 || len(g.waiting) < g.live {
		return
	}
	reqs := g.waiting
	g.waiting = nil
	go g.execute(reqs)
}

// deviceLearner is b's learner when the device can observe it (reward
// e-prop), nil when b does not learn; ok is false for learning the device
// cannot do.
func deviceLearner(b *sim.Brain) (l *eprop.Learner, ok bool) {
	if b.Plastic == nil {
		return nil, true
	}
	l, isLearner := b.Plastic.(*eprop.Learner)
	if !isLearner || !l.CanHandOut() {
		return nil, false
	}
	return l, true
}

// Advance runs the job on the device together with the other callers'
// jobs, or on the CPU when the device cannot do it.
func (g *Backend) Advance(ctx context.Context, job backend.Job) error {
	if err := job.Check(); err != nil {
		return err
	}
	for _, b := range job.Brains {
		if _, ok := deviceLearner(b); !ok {
			if !g.noted.Swap(true) {
				g.note("brains with supervised e-prop run on the CPU (the device's e-prop kernels are reward-modulated only); the others on the device")
			}
			if err := g.Host(job.Brains); err != nil {
				return err
			}
			return backend.CPU{}.Advance(ctx, job)
		}
	}
	req := &request{ctx: ctx, job: job, done: make(chan error, 1)}
	g.mu.Lock()
	g.waiting = append(g.waiting, req)
	g.launchIfReady()
	g.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		g.mu.Lock()
		if i := slices.Index(g.waiting, req); i >= 0 {
			g.waiting = slices.Delete(g.waiting, i, i+1)
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Unlock()
		return <-req.done // already taken: it stops within a chunk
	}
}

// execute runs requests: those whose brains are at one step, for the same
// number of steps, in one batch.
func (g *Backend) execute(reqs []*request) {
	g.devMu.Lock()
	defer g.devMu.Unlock()
	type key struct {
		step  int64
		steps int
	}
	groups := map[key][]*request{}
	var order []key
	for _, q := range reqs {
		step := g.stepLocked(q.job.Brains[0])
		mixed := false
		for _, b := range q.job.Brains {
			mixed = mixed || g.stepLocked(b) != step
		}
		if mixed { // a batch of brains at different steps: on the CPU
			q.done <- g.runOnCPU(q)
			continue
		}
		k := key{step, q.job.Steps}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], q)
	}
	for _, k := range order {
		rs := groups[k]
		err := g.runGroup(rs, k.steps)
		for _, q := range rs {
			q.done <- err
		}
	}
}

// runOnCPU runs one request on the CPU engine (g.devMu held).
func (g *Backend) runOnCPU(q *request) error {
	if err := g.hostLocked(q.job.Brains); err != nil {
		return err
	}
	return backend.CPU{}.Advance(q.ctx, q.job)
}

// runGroup advances the brains of several requests together (g.devMu
// held), in the resident batch's order when it holds exactly these brains.
func (g *Backend) runGroup(rs []*request, steps int) error {
	var brains []*sim.Brain
	var ext [][]float32
	var recs []*sim.Recorder
	for _, q := range rs {
		for i, b := range q.job.Brains {
			brains = append(brains, b)
			var e []float32
			var r *sim.Recorder
			if q.job.Ext != nil {
				e = q.job.Ext[i]
			}
			if q.job.Recs != nil {
				r = q.job.Recs[i]
			}
			ext, recs = append(ext, e), append(recs, r)
		}
	}
	if res := g.resident; res != nil && len(res.brains) == len(brains) {
		pos := make(map[*sim.Brain]int, len(brains))
		for i, b := range res.brains {
			pos[b] = i
		}
		if sameSet(pos, brains) {
			e2, r2 := make([][]float32, len(brains)), make([]*sim.Recorder, len(brains))
			for i, b := range brains {
				e2[pos[b]], r2[pos[b]] = ext[i], recs[i]
			}
			brains, ext, recs = slices.Clone(res.brains), e2, r2
		}
	}
	res, err := g.residentFor(brains)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, q := range rs {
		stop := context.AfterFunc(q.ctx, cancel)
		defer stop()
	}
	res.batch.Progress = func(n int) {
		for _, b := range brains {
			if b.Progress != nil {
				b.Progress(n)
			}
		}
	}
	if err := res.batch.Run(ctx, steps, ext, recs); err != nil {
		for _, q := range rs {
			if q.ctx.Err() != nil {
				return q.ctx.Err()
			}
		}
		return err
	}
	return nil
}

func sameSet(pos map[*sim.Brain]int, brains []*sim.Brain) bool {
	for _, b := range brains {
		if _, ok := pos[b]; !ok {
			return false
		}
	}
	return true
}

// residentFor returns a batch holding brains' current state (g.devMu
// held): the resident batch when it has exactly these brains (with the
// weights e-prop changed since sent to it), otherwise a new one.
func (g *Backend) residentFor(brains []*sim.Brain) (*resident, error) {
	res := g.resident
	if res != nil && !res.refresh(brains) {
		if err := g.storeLocked(res); err != nil {
			return nil, err
		}
		res.batch.Close()
		g.resident, res = nil, nil
	}
	if res == nil {
		// Any brain still on the device belongs to the batch just stored.
		nets := make([]*network.Network, len(brains))
		seeds := make([]uint64, len(brains))
		gens := make([]uint64, len(brains))
		for i, b := range brains {
			nets[i], seeds[i], gens[i] = b.Net, b.NoiseSeed, b.WeightGen()
		}
		bt, err := g.newBatch(nets, seeds)
		if err != nil {
			return nil, err
		}
		res = &resident{batch: bt, brains: brains, gens: gens}
		g.resident = res
	}
	if !res.onDevice {
		if err := res.batch.Load(brains); err != nil {
			return nil, err
		}
		ls := make([]*eprop.Learner, len(brains))
		for i, b := range brains {
			ls[i], _ = deviceLearner(b)
		}
		if err := res.batch.LoadLearners(ls); err != nil {
			return nil, err
		}
		res.onDevice = true
		for _, b := range brains {
			g.on[b] = res
		}
	}
	return res, nil
}

// refresh says whether the batch can go on with brains: the same brains,
// whose weights, if the host changed them, it takes (only weights travel;
// the layout stays).
func (res *resident) refresh(brains []*sim.Brain) bool {
	if !slices.Equal(res.brains, brains) {
		return false
	}
	changed := map[int]*network.Network{}
	for i, b := range brains {
		if b.Net != res.batch.Network(i) || b.WeightGen() != res.gens[i] {
			changed[i] = b.Net
		}
	}
	if len(changed) > 0 {
		if res.batch.SetNetworks(changed) != nil {
			return false
		}
		for i := range changed {
			res.gens[i] = brains[i].WeightGen()
		}
	}
	return true
}

// storeLocked brings a resident batch's brains back to the host (g.devMu
// held).
func (g *Backend) storeLocked(res *resident) error {
	if !res.onDevice {
		return nil
	}
	if err := res.batch.Store(res.brains); err != nil {
		return err
	}
	res.onDevice = false
	for _, b := range res.brains {
		delete(g.on, b)
	}
	return nil
}

func (g *Backend) hostLocked(brains []*sim.Brain) error {
	for _, b := range brains {
		if res := g.on[b]; res != nil {
			if err := g.storeLocked(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// Host brings brains whose state is on the device back to the host.
func (g *Backend) Host(brains []*sim.Brain) error {
	g.devMu.Lock()
	defer g.devMu.Unlock()
	return g.hostLocked(brains)
}

// Step is b's step count, wherever its state is; it waits for a device
// run in progress (which may move b) to end.
func (g *Backend) Step(b *sim.Brain) int64 {
	g.devMu.Lock()
	defer g.devMu.Unlock()
	return g.stepLocked(b)
}

func (g *Backend) stepLocked(b *sim.Brain) int64 {
	if res := g.on[b]; res != nil {
		return res.batch.Step()
	}
	return b.Step()
}

// Close releases the device batch. Brains it still holds can no longer be
// run or read.
func (g *Backend) Close() error {
	g.devMu.Lock()
	defer g.devMu.Unlock()
	if g.resident == nil {
		return nil
	}
	err := g.resident.batch.Close()
	g.resident = nil
	clear(g.on)
	return err
}
