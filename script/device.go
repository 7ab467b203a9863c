package script

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/gpu"
)

// Running scripts on a batch backend (--backend cuda). Scripts do not
// change: every run() goes to a deviceRunner (but for brains whose
// learning only the CPU engine does: supervised e-prop),
// which gathers the run() calls of all the script's threads — the pmap
// workers running an experiment's units side by side — and advances them
// together, one gpu.Batch for all, as soon as every live thread is waiting
// in run(). Brains then stay on the device (the host copy is stale), with
// their e-prop learners' traces, until something needs them on the host:
// an eprop.* call (snapshots, rewards and statistics are the host
// learner's), a run the device cannot do, or a run with other company.
// Hand-overs are exact (gpu.Batch.Load, LoadLearners, SetNetwork, Store),
// so a script gives the CPU's results spike for spike on either backend.

// DeviceBatch makes a batch of brains on a batch backend: gpu.NewBatch
// for the GPU, gpu.NewReference (the kernels' Go transcription) in tests.
type DeviceBatch func(nets []*network.Network, noiseSeeds []uint64) (*gpu.Batch, error)

type deviceRunner struct {
	newBatch DeviceBatch
	progress *progress
	note     func(string)

	mu      sync.Mutex
	live    int // threads that may call run(): the main thread and running pmap items
	waiting []*deviceRequest

	devMu    sync.Mutex // held while the device works or brains move
	resident *residentBatch
	noted    atomic.Bool
}

// residentBatch is the batch last built, for the brains in it (sorted by
// id). While onDevice, the device holds their state, not the host.
type residentBatch struct {
	batch    *gpu.Batch
	brains   []*Brain
	gens     []uint64 // each brain's weight generation when the batch was built
	onDevice bool
}

type deviceRequest struct {
	ctx    context.Context
	brains []*Brain
	steps  int
	ext    [][]float32
	recs   []*sim.Recorder
	done   chan error
}

func newDeviceRunner(mk DeviceBatch, prog *progress, note func(string)) *deviceRunner {
	return &deviceRunner{newBatch: mk, progress: prog, note: note, live: 1}
}

// enter and leave count a thread that may call run(): a pmap item starts
// or ends, the thread that called pmap waits for its items or goes on.
func (r *deviceRunner) enter() {
	r.mu.Lock()
	r.live++
	r.mu.Unlock()
}

func (r *deviceRunner) leave() {
	r.mu.Lock()
	r.live--
	r.launchIfReady()
	r.mu.Unlock()
}

// launchIfReady starts the waiting requests once every live thread waits
// (r.mu held).
func (r *deviceRunner) launchIfReady() {
	if len(r.waiting) == 0 || len(r.waiting) < r.live {
		return
	}
	reqs := r.waiting
	r.waiting = nil
	go r.execute(reqs)
}

// learningOnCPU says once that some learning brains run on the CPU.
func (r *deviceRunner) learningOnCPU() {
	if !r.noted.Swap(true) {
		r.note("brains with supervised e-prop run on the CPU (the device's e-prop kernels are reward-modulated only); the others on the device")
	}
}

// deviceLearner is the brain's learner when learning is on and the device
// can observe it (no supervision), else nil.
func (b *Brain) deviceLearner() *eprop.Learner {
	if b.learner == nil || b.b.Plastic == nil {
		return nil
	}
	if _, ok := b.learner.ExternalLIF(); ok {
		return b.learner
	}
	if _, ok := b.learner.ExternalALIF(); ok {
		return b.learner
	}
	return nil
}

// run advances brains (locked by the caller; their learning, if on, one
// the device can observe) by steps steps on the device, together with the
// other threads' runs.
func (r *deviceRunner) run(ctx context.Context, brains []*Brain, steps int, ext [][]float32, recs []*sim.Recorder) error {
	req := &deviceRequest{ctx: ctx, brains: brains, steps: steps, ext: ext, recs: recs, done: make(chan error, 1)}
	r.mu.Lock()
	r.waiting = append(r.waiting, req)
	r.launchIfReady()
	r.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		r.mu.Lock()
		if i := slices.Index(r.waiting, req); i >= 0 {
			r.waiting = slices.Delete(r.waiting, i, i+1)
			r.mu.Unlock()
			return ctx.Err()
		}
		r.mu.Unlock()
		return <-req.done // already taken: it stops within a chunk
	}
}

// execute runs requests: those whose brains are at one step, for the same
// number of steps, in one batch.
func (r *deviceRunner) execute(reqs []*deviceRequest) {
	r.devMu.Lock()
	defer r.devMu.Unlock()
	type key struct {
		step  int64
		steps int
	}
	groups := map[key][]*deviceRequest{}
	var order []key
	for _, q := range reqs {
		step := q.brains[0].stepLocked()
		mixed := false
		for _, br := range q.brains {
			mixed = mixed || br.stepLocked() != step
		}
		if mixed { // a batch of brains at different steps: on the CPU
			q.done <- r.runOnCPU(q)
			continue
		}
		k := key{step, q.steps}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], q)
	}
	for _, k := range order {
		g := groups[k]
		err := r.runGroup(g, k.steps)
		for _, q := range g {
			q.done <- err
		}
	}
}

// runOnCPU runs one request on the CPU engine (r.devMu held).
func (r *deviceRunner) runOnCPU(q *deviceRequest) error {
	if err := r.toHostLocked(q.brains); err != nil {
		return err
	}
	bt := sim.Batch{Workers: 1}
	for _, br := range q.brains {
		bt.Brains = append(bt.Brains, br.b)
	}
	return bt.Run(q.ctx, q.steps, q.ext, q.recs)
}

// runGroup advances the brains of several requests together (r.devMu held).
func (r *deviceRunner) runGroup(g []*deviceRequest, steps int) error {
	type slot struct {
		br  *Brain
		ext []float32
		rec *sim.Recorder
	}
	var slots []slot
	for _, q := range g {
		for i, br := range q.brains {
			s := slot{br: br, ext: q.ext[i]}
			if q.recs != nil {
				s.rec = q.recs[i]
			}
			slots = append(slots, s)
		}
	}
	slices.SortFunc(slots, func(a, b slot) int { return cmp.Compare(a.br.id, b.br.id) })
	brains := make([]*Brain, len(slots))
	ext := make([][]float32, len(slots))
	recs := make([]*sim.Recorder, len(slots))
	for i, s := range slots {
		brains[i], ext[i], recs[i] = s.br, s.ext, s.rec
	}
	res, err := r.residentFor(brains)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, q := range g {
		stop := context.AfterFunc(q.ctx, cancel)
		defer stop()
	}
	res.batch.Progress = func(n int) {
		for _, br := range brains {
			r.progress.addSteps(n, br.b.Net.Params.DtMs)
		}
	}
	if err := res.batch.Run(ctx, steps, ext, recs); err != nil {
		for _, q := range g {
			if q.ctx.Err() != nil {
				return q.ctx.Err()
			}
		}
		return err
	}
	return nil
}

// residentFor returns a batch holding brains' current state (r.devMu
// held): the resident batch when it has exactly these brains (with the
// weights e-prop changed since sent to it), otherwise a new one.
func (r *deviceRunner) residentFor(brains []*Brain) (*residentBatch, error) {
	res := r.resident
	if res != nil && !res.refresh(brains) {
		if err := r.storeLocked(res); err != nil {
			return nil, err
		}
		res.batch.Close()
		r.resident, res = nil, nil
	}
	if res == nil {
		// Any brain still on the device belongs to the batch just stored.
		nets := make([]*network.Network, len(brains))
		seeds := make([]uint64, len(brains))
		gens := make([]uint64, len(brains))
		for i, br := range brains {
			nets[i], seeds[i], gens[i] = br.b.Net, br.b.NoiseSeed, br.weightGen
		}
		b, err := r.newBatch(nets, seeds)
		if err != nil {
			return nil, err
		}
		res = &residentBatch{batch: b, brains: brains, gens: gens}
		r.resident = res
	}
	if !res.onDevice {
		sims := make([]*sim.Brain, len(brains))
		for i, br := range brains {
			sims[i] = br.b
		}
		if err := res.batch.Load(sims); err != nil {
			return nil, err
		}
		ls := make([]*eprop.Learner, len(brains))
		for i, br := range brains {
			ls[i] = br.deviceLearner()
		}
		if err := res.batch.LoadLearners(ls); err != nil {
			return nil, err
		}
		res.onDevice = true
		for _, br := range brains {
			br.dev.Store(res)
		}
	}
	return res, nil
}

// refresh says whether the batch can go on with brains: the same brains,
// whose weights, if e-prop may have changed them, it takes (only weights
// travel; the layout stays).
func (res *residentBatch) refresh(brains []*Brain) bool {
	if !slices.Equal(res.brains, brains) {
		return false
	}
	changed := map[int]*network.Network{}
	for i, br := range brains {
		if br.b.Net != res.batch.Network(i) || br.weightGen != res.gens[i] {
			changed[i] = br.b.Net
		}
	}
	if len(changed) > 0 {
		if res.batch.SetNetworks(changed) != nil {
			return false
		}
		for i := range changed {
			res.gens[i] = brains[i].weightGen
		}
	}
	return true
}

// storeLocked brings a resident batch's brains back to the host (r.devMu
// held).
func (r *deviceRunner) storeLocked(res *residentBatch) error {
	if !res.onDevice {
		return nil
	}
	sims := make([]*sim.Brain, len(res.brains))
	for i, br := range res.brains {
		sims[i] = br.b
	}
	if err := res.batch.Store(sims); err != nil {
		return err
	}
	res.onDevice = false
	for _, br := range res.brains {
		br.dev.Store(nil)
	}
	return nil
}

func (r *deviceRunner) toHostLocked(brains []*Brain) error {
	for _, br := range brains {
		if res := br.dev.Load(); res != nil {
			if err := r.storeLocked(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// toHost brings brains whose state is on the device back to the host.
func (r *deviceRunner) toHost(brains []*Brain) error {
	for _, br := range brains {
		if br.dev.Load() != nil {
			r.devMu.Lock()
			defer r.devMu.Unlock()
			return r.toHostLocked(brains)
		}
	}
	return nil
}

// close releases the device batch.
func (r *deviceRunner) close() {
	r.devMu.Lock()
	defer r.devMu.Unlock()
	if r.resident != nil {
		r.resident.batch.Close()
		r.resident = nil
	}
}
