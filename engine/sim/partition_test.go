package sim

import "testing"

// TestPartition checks the parts of a parallel step: they cover the
// regions in order, each worker's lane holds its equal share, and within
// a lane the parts shrink to a single region.
func TestPartition(t *testing.T) {
	for _, c := range []struct{ R, W int }{{2, 2}, {3, 2}, {96, 2}, {96, 3}, {96, 16}, {998, 2}, {998, 64}, {5, 5}} {
		regions, lanes := partition(c.R, c.W)
		if regions[0] != 0 || regions[len(regions)-1] != c.R {
			t.Fatalf("R=%d W=%d: parts cover [%d, %d)", c.R, c.W, regions[0], regions[len(regions)-1])
		}
		if len(lanes) != c.W+1 || lanes[0] != 0 || lanes[c.W] != len(regions)-1 {
			t.Fatalf("R=%d W=%d: lanes %v for %d parts", c.R, c.W, lanes, len(regions)-1)
		}
		for w := range c.W {
			lo, hi := regions[lanes[w]], regions[lanes[w+1]]
			if lo != w*c.R/c.W || hi != (w+1)*c.R/c.W {
				t.Errorf("R=%d W=%d: lane %d is regions [%d, %d)", c.R, c.W, w, lo, hi)
			}
			prev := hi - lo + 1
			for p := lanes[w]; p < lanes[w+1]; p++ {
				size := regions[p+1] - regions[p]
				if size < 1 || size > prev {
					t.Errorf("R=%d W=%d: lane %d: part %d has %d regions after one of %d", c.R, c.W, w, p, size, prev)
				}
				prev = size
			}
			if prev != 1 {
				t.Errorf("R=%d W=%d: lane %d ends with a part of %d regions", c.R, c.W, w, prev)
			}
		}
	}
}
