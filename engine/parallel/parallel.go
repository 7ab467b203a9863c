// Package parallel runs independent pieces of work (brains, learners,
// regions) on a fixed number of goroutines, each taking the next piece as
// it comes free. It is the engine's one worker pool; the order in which
// pieces finish never matters to results, which callers keep per index.
package parallel

import (
	"context"
	"runtime"
	"sync"
)

// Workers is the number of goroutines For and ForEach use for n pieces
// when asked for workers: GOMAXPROCS when workers ≤ 0, never more than n.
func Workers(workers, n int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return max(1, min(workers, n))
}

// For calls f(i) for every i in [0, n) on Workers(workers, n) goroutines
// and returns when all calls have.
func For(n, workers int, f func(i int)) {
	ForEach(context.Background(), n, workers, func(_ context.Context, i int) error {
		f(i)
		return nil
	})
}

// ForEach calls f(ctx, i) for every i in [0, n) on Workers(workers, n)
// goroutines. After the first error, or when ctx ends, no further index
// is started and the context given to the calls still running is
// cancelled; ForEach waits for them and returns that first error (nil
// when every call succeeded; ctx's error is the caller's to check).
func ForEach(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	if n <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
	)
	for w := 0; w < Workers(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return first
}
