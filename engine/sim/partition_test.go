package sim

import (
	"slices"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
)

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

// TestSplitRuns checks that the runs of a split list every synapse of
// every presynaptic neuron once, in the network's order, each in the part
// that holds its target, with delays and the 79 self-loops of TVB96.
func TestSplitRuns(t *testing.T) {
	c := enginetest.TVB96(t)
	p := network.Defaults()
	p.NeuronsPerRegion = 6
	p.VelocityMMPerMs = 3.5
	net, err := network.Build(c, p)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBrain(net, 1)
	for _, workers := range []int{2, 3, 7} {
		regions, _ := partition(net.Regions, workers)
		sp := b.splitFor(regions)
		for i := 0; i < net.N; i++ {
			next := net.Start[i] // the next synapse of i each part should list
			var got []uint32
			for w := range len(regions) - 1 {
				last := net.Start[i] // a part's runs come in the network's order
				rs := sp.runsOf(i, w)
				for k := 0; k+1 < len(rs); k += 2 {
					s0, s1 := rs[k], rs[k+1]
					if s0 >= s1 || s0 < last || s1 > net.Start[i+1] {
						t.Fatalf("%d workers: neuron %d, part %d: run [%d, %d) outside its row [%d, %d)", workers, i, w, s0, s1, net.Start[i], net.Start[i+1])
					}
					for s := s0; s < s1; s++ {
						if r := int(net.Post[s]) / net.NPR; r < regions[w] || r >= regions[w+1] {
							t.Fatalf("%d workers: synapse %d onto region %d listed in part %d (regions %d–%d)", workers, s, r, w, regions[w], regions[w+1]-1)
						}
						got = append(got, s)
					}
					last = s1
				}
			}
			slices.Sort(got)
			for _, s := range got {
				if s != next {
					t.Fatalf("%d workers: neuron %d: synapse %d listed where %d was due", workers, i, s, next)
				}
				next++
			}
			if next != net.Start[i+1] {
				t.Fatalf("%d workers: neuron %d: %d of its %d synapses listed", workers, i, next-net.Start[i], net.Start[i+1]-net.Start[i])
			}
		}
	}
}
