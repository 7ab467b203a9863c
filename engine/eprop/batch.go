package eprop

import (
	"fmt"

	"github.com/encephagen/encephagen/engine/parallel"
	"github.com/encephagen/encephagen/engine/sim"
)

// Batch is one learner per brain of a sim.Batch, driven together. Each
// learner runs inside its brain's goroutine during Batch.Run; the
// O(synapses) operations here (snapshot, reward, stats) run the brains in
// parallel.
type Batch struct {
	Learners []*Learner
	// Workers is the number of goroutines for the parallel operations; 0
	// means GOMAXPROCS.
	Workers int
}

// NewBatch makes a learner for every brain of bt. Brains must not share a
// weight array (learning writes it): give each its own network, or call
// PrivateWeights on each brain first.
func NewBatch(bt *sim.Batch, p Params) (*Batch, error) {
	seen := map[*float32]int{}
	out := &Batch{}
	for i, b := range bt.Brains {
		if len(b.Net.W) > 0 {
			if j, ok := seen[&b.Net.W[0]]; ok {
				return nil, errorf("brains %d and %d share a weight array; learning would mix their weights (call eprop.PrivateWeights on each brain first)", j, i)
			}
			seen[&b.Net.W[0]] = i
		}
		l, err := New(b, p)
		if err != nil {
			return nil, fmt.Errorf("brain %d: %w", i, err)
		}
		out.Learners = append(out.Learners, l)
	}
	return out, nil
}

// each runs f for every learner on the workers and returns the first error.
func (b *Batch) each(f func(i int, l *Learner) error) error {
	errs := make([]error, len(b.Learners))
	parallel.For(len(b.Learners), b.Workers, func(i int) { errs[i] = f(i, b.Learners[i]) })
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("brain %d: %w", i, err)
		}
	}
	return nil
}

// Enable enables every learner with fresh state.
func (b *Batch) Enable() error {
	return b.each(func(_ int, l *Learner) error { return l.Enable() })
}

// Resume resumes every learner with its kept traces.
func (b *Batch) Resume() error {
	return b.each(func(_ int, l *Learner) error { return l.Resume() })
}

// Disable disables every learner.
func (b *Batch) Disable() {
	b.each(func(_ int, l *Learner) error { l.Disable(); return nil })
}

// Snapshot takes every learner's snapshot.
func (b *Batch) Snapshot() error {
	return b.each(func(_ int, l *Learner) error { return l.Snapshot() })
}

// Reward gives every brain the same reward.
func (b *Batch) Reward(r float64, from Trace) ([]Update, error) {
	out := make([]Update, len(b.Learners))
	err := b.each(func(i int, l *Learner) (err error) {
		out[i], err = l.Reward(r, from)
		return err
	})
	return out, err
}

// RewardEach gives brain i reward r[i].
func (b *Batch) RewardEach(r []float64, from Trace) ([]Update, error) {
	if len(r) != len(b.Learners) {
		return nil, errorf("%d rewards for %d brains", len(r), len(b.Learners))
	}
	out := make([]Update, len(b.Learners))
	err := b.each(func(i int, l *Learner) (err error) {
		out[i], err = l.Reward(r[i], from)
		return err
	})
	return out, err
}

// RewardEachRegions gives brain i reward r[i] in regions[i] only
// (Learner.RewardRegions).
func (b *Batch) RewardEachRegions(r []float64, from Trace, regions [][]int) ([]Update, error) {
	if len(r) != len(b.Learners) || len(regions) != len(b.Learners) {
		return nil, errorf("%d rewards and %d region lists for %d brains", len(r), len(regions), len(b.Learners))
	}
	out := make([]Update, len(b.Learners))
	err := b.each(func(i int, l *Learner) (err error) {
		out[i], err = l.RewardRegions(r[i], from, regions[i])
		return err
	})
	return out, err
}

// Stats measures every learner.
func (b *Batch) Stats() []Stats {
	out := make([]Stats, len(b.Learners))
	b.each(func(i int, l *Learner) error { out[i] = l.Stats(); return nil })
	return out
}
