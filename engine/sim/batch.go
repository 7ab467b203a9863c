package sim

import (
	"context"
	"fmt"

	"github.com/encephagen/encephagen/engine/parallel"
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
	err := parallel.ForEach(ctx, len(bt.Brains), bt.Workers, func(ctx context.Context, i int) error {
		var e []float32
		var r *Recorder
		if ext != nil {
			e = ext[i]
		}
		if rec != nil {
			r = rec[i]
		}
		if err := bt.Brains[i].Run(ctx, steps, e, r); err != nil {
			return fmt.Errorf("brain %d: %w", i, err)
		}
		return nil
	})
	if err == nil {
		err = ctx.Err()
	}
	return err
}
