package sim

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Batch is a set of brains advanced together by one protocol phase. Brains
// are independent, so results do not depend on the number of workers.
type Batch struct {
	Brains []*Brain
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Run advances every brain by steps steps. ext[i] and rec[i] are brain i's
// external input and recorder; either slice may be nil, and entries may be
// nil. The first error (or ctx's) is returned after all workers stop.
func (bt *Batch) Run(ctx context.Context, steps int, ext [][]float32, rec []*Recorder) error {
	if ext != nil && len(ext) != len(bt.Brains) {
		return fmt.Errorf("batch: %d inputs for %d brains", len(ext), len(bt.Brains))
	}
	if rec != nil && len(rec) != len(bt.Brains) {
		return fmt.Errorf("batch: %d recorders for %d brains", len(rec), len(bt.Brains))
	}
	workers := bt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(bt.Brains))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var e []float32
				var r *Recorder
				if ext != nil {
					e = ext[i]
				}
				if rec != nil {
					r = rec[i]
				}
				if err := bt.Brains[i].Run(ctx, steps, e, r); err != nil {
					once.Do(func() { first = fmt.Errorf("brain %d: %w", i, err); cancel() })
				}
			}
		}()
	}
feed:
	for i := range bt.Brains {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
