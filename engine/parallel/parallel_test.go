package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestForCallsEveryIndexOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 64} {
		var calls [100]atomic.Int32
		For(len(calls), workers, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Fatalf("workers %d: index %d called %d times", workers, i, c)
			}
		}
	}
	For(0, 2, func(int) { t.Fatal("called for n = 0") })
}

func TestForEachStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	var started atomic.Int32
	err := ForEach(context.Background(), 1000, 1, func(ctx context.Context, i int) error {
		started.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	// One worker: index 4 may already be handed over when 3 fails, no more.
	if s := started.Load(); s > 5 {
		t.Fatalf("%d calls started after the error", s)
	}
	// Calls still running see their context cancelled.
	err = ForEach(context.Background(), 2, 2, func(ctx context.Context, i int) error {
		if i == 0 {
			return boom
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the first one", err)
	}
}

func TestWorkers(t *testing.T) {
	if Workers(8, 3) != 3 || Workers(2, 10) != 2 || Workers(0, 0) != 1 || Workers(-1, 1) != 1 {
		t.Fatal("Workers")
	}
}
