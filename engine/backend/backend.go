// Package backend is the seam between what decides a run and what
// computes it. The script layer and the CLI hand a Backend jobs — brains
// to advance by some steps, with their input and recorders — and never
// know where a brain's state lives; the CPU engine (CPU, here) and the
// CUDA backend (gpu/, registered as "cuda" in the cuda build) compute
// them, spike for spike the same.
//
// A brain's host copy (its sim.Brain, its network's weights and its
// learner, sim.Brain.Plastic) is current except while a backend holds
// it: from an Advance until Host. Whoever reads or changes a brain
// between runs (statistics, snapshots, rewards) calls Host first; weights
// changed on the host are announced with sim.Brain.WeightsChanged (e-prop
// does so), which a backend holding a copy of them checks (WeightGen).
package backend

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/encephagen/encephagen/engine/sim"
)

// A Job advances brains by Steps steps with input and recording.
type Job struct {
	Brains []*sim.Brain
	Steps  int
	// Ext[i] is brain i's external input per neuron, mV per step; Ext or
	// an entry may be nil (no input).
	Ext [][]float32
	// Recs[i] records brain i; Recs or an entry may be nil.
	Recs []*sim.Recorder
	// Workers is the number of cores the job may use on the CPU (0: all):
	// a job of one brain spreads its step over them, a batch its brains.
	// Results never depend on it.
	Workers int
}

// Backend advances brains. Its methods may be called from several
// goroutines, for different brains.
type Backend interface {
	// Name is the backend as provenance records it ("cpu", or "cuda: "
	// and the device).
	Name() string
	// Advance runs the job. On error or cancellation (ctx), brains stop
	// within a chunk of steps, in a consistent state.
	Advance(ctx context.Context, job Job) error
	// Host makes the host copy of brains (state and learner) current and
	// leaves it so until the next Advance of each.
	Host(brains []*sim.Brain) error
	// Step is the number of steps brain b has simulated, wherever its
	// state is.
	Step(b *sim.Brain) int64
	// Close releases what the backend holds, bringing every brain it
	// holds back to the host first.
	Close() error
}

// Gathering is implemented by backends that advance the jobs of
// concurrent callers together (a GPU runs one batch of all of them
// best). Advance then waits until every live caller waits in Advance;
// a caller that starts running jobs on a new goroutine calls Enter,
// and Leave when that goroutine has no more to run (or waits for
// others). One caller, the one that opened the backend, is live from
// the start.
type Gathering interface {
	Enter()
	Leave()
}

// Config is what a backend is opened with.
type Config struct {
	// Note, when set, receives one-line notes for the user ("brains with
	// supervised e-prop run on the CPU").
	Note func(string)
}

// Factory opens a registered backend. Available says whether it can run
// on this machine, and names the device or the reason it cannot.
type Factory struct {
	Open      func(Config) (Backend, error)
	Available func() (ok bool, why string)
}

var (
	registryMu sync.Mutex
	registry   = map[string]Factory{"cpu": {
		Open:      func(Config) (Backend, error) { return CPU{}, nil },
		Available: func() (bool, string) { return true, "the CPU engine" },
	}}
)

// Register makes a backend available under name (the cuda build's gpu
// package registers "cuda" in its init).
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("backend: registered twice: " + name)
	}
	registry[name] = f
}

// Lookup returns the factory registered under name.
func Lookup(name string) (Factory, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	f, ok := registry[name]
	return f, ok
}

// Names lists the registered backends.
func Names() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open opens the backend registered under name.
func Open(name string, cfg Config) (Backend, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("backend %q is not in this build (have %v)", name, Names())
	}
	return f.Open(cfg)
}

// CPU is the CPU engine: every brain's state is always on the host.
type CPU struct{}

func (CPU) Name() string { return "cpu" }

// Advance runs one brain with its step spread over the job's workers, a
// batch of brains over the workers one brain per core.
func (CPU) Advance(ctx context.Context, job Job) error {
	if err := job.Check(); err != nil {
		return err
	}
	if len(job.Brains) == 1 {
		b := job.Brains[0]
		b.Workers = job.Workers // bit for bit the same on any number
		var ext []float32
		var rec *sim.Recorder
		if job.Ext != nil {
			ext = job.Ext[0]
		}
		if job.Recs != nil {
			rec = job.Recs[0]
		}
		return b.Run(ctx, job.Steps, ext, rec)
	}
	bt := sim.Batch{Brains: job.Brains, Workers: job.Workers}
	return bt.Run(ctx, job.Steps, job.Ext, job.Recs)
}

func (CPU) Host([]*sim.Brain) error { return nil }
func (CPU) Step(b *sim.Brain) int64 { return b.Step() }
func (CPU) Close() error            { return nil }

// Check reports a malformed job (lengths that disagree, a brain twice).
func (j *Job) Check() error {
	if j.Ext != nil && len(j.Ext) != len(j.Brains) {
		return fmt.Errorf("backend: %d inputs for %d brains", len(j.Ext), len(j.Brains))
	}
	if j.Recs != nil && len(j.Recs) != len(j.Brains) {
		return fmt.Errorf("backend: %d recorders for %d brains", len(j.Recs), len(j.Brains))
	}
	if j.Steps < 0 {
		return fmt.Errorf("backend: %d steps", j.Steps)
	}
	for i, b := range j.Brains {
		if slices.Contains(j.Brains[:i], b) {
			return fmt.Errorf("backend: brain %d is in the job twice", i)
		}
	}
	return nil
}
