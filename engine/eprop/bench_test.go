package eprop

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// benchRebase overrides the LIF epoch length in the step benchmark (0:
// the default), to weigh rebase cost against precision.
var benchRebase = 0

// tvb96Brain builds the benchmark brain: TVB96, npr 200, NMDA on the
// prefrontal group (as sim's step benchmark), warmed up for 1,000 steps.
func tvb96Brain(b *testing.B, alif, delays bool) *sim.Brain {
	c := enginetest.TVB96(b)
	p := network.Defaults()
	p.NMDARegions, _ = c.Group("prefrontal")
	p.ALIF = alif
	if delays {
		p.VelocityMMPerMs = 3.5
	}
	net, err := network.Build(c, p)
	if err != nil {
		b.Fatal(err)
	}
	br := sim.NewBrain(net, 1)
	if err := br.Run(context.Background(), 1000, nil, nil); err != nil {
		b.Fatal(err)
	}
	return br
}

// BenchmarkStepTVB96 is one step of one TVB96 brain (npr 200) on one core
// with learning off and on (ns/op = time per step; compare the two). With
// learning on, the amortised rebase/settling and every spike's synapse
// updates are included because b.N spans many epochs.
func BenchmarkStepTVB96(b *testing.B) {
	for _, alif := range []bool{false, true} {
		for _, learn := range []bool{false, true} {
			b.Run(fmt.Sprintf("alif=%v/learning=%v", alif, learn), func(b *testing.B) {
				br := tvb96Brain(b, alif, false)
				var l *Learner
				if learn {
					var err error
					lp := Defaults()
					lp.RebaseSteps = benchRebase
					if l, err = New(br, lp); err != nil {
						b.Fatal(err)
					}
					l.Enable()
				}
				// Same warm-up either way (spike rates still drift early).
				br.Run(context.Background(), 2000, nil, nil)
				rec := &sim.Recorder{}
				b.ResetTimer()
				br.Run(context.Background(), b.N, nil, rec)
				b.StopTimer()
				b.ReportMetric(float64(rec.Total())/float64(b.N), "spikes/step")
				if l != nil {
					l.Snapshot() // count the snapshot too
					b.ReportMetric(float64(l.Bytes())/float64(br.Net.Synapses()), "B/synapse")
				}
			})
		}
	}
}

// BenchmarkRewardTVB96 is one reward application on TVB96 (npr 200),
// 2.4 M synapses: the weight pass from the snapshot, and from the current
// trace after 500 steps of learning (settling what the learner has not
// yet settled, then the weight pass). For ALIF that settling grows with
// the steps of the block so far: each reward settles the block, so 500
// steps later 500 steps of a 512-step block wait to be settled, but only
// 4 of a 248-step one. BenchmarkALIFBlockTVB96 times ALIF's rewards at
// fixed points of a block.
func BenchmarkRewardTVB96(b *testing.B) {
	for _, alif := range []bool{false, true} {
		for _, from := range []Trace{FromSnapshot, FromCurrent} {
			b.Run(fmt.Sprintf("alif=%v/from=%v", alif, from), func(b *testing.B) {
				br := tvb96Brain(b, alif, false)
				l, err := New(br, Defaults())
				if err != nil {
					b.Fatal(err)
				}
				l.Enable()
				br.Run(context.Background(), 500, nil, nil)
				l.Snapshot()
				var d time.Duration
				for i := 0; i < b.N; i++ {
					if from == FromCurrent {
						br.Run(context.Background(), 500, nil, nil)
					}
					l.hasSnap = true
					t0 := time.Now()
					if _, err := l.Reward(1, from); err != nil {
						b.Fatal(err)
					}
					d += time.Since(t0)
				}
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N)/1e6, "ms/reward")
			})
		}
	}
}

// BenchmarkSnapshotTVB96 is one snapshot (settling plus copy) after 500
// steps of learning.
func BenchmarkSnapshotTVB96(b *testing.B) {
	br := tvb96Brain(b, false, false)
	l, err := New(br, Defaults())
	if err != nil {
		b.Fatal(err)
	}
	l.Enable()
	var d time.Duration
	for i := 0; i < b.N; i++ {
		br.Run(context.Background(), 500, nil, nil)
		t0 := time.Now()
		l.Snapshot()
		d += time.Since(t0)
	}
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N)/1e6, "ms/snapshot")
}

// BenchmarkALIFBlockTVB96 weighs the ALIF learner's block length B: the
// ψ history is 4·B bytes per neuron, and every block costs a pass over
// the synapses. Per block length (0: the learner's choice, 248 steps
// here): the step with learning (ns/op, as BenchmarkStepTVB96), the
// learning state with a snapshot (B/synapse), and the median of five
// rewards from the current trace when the block is half done and when
// it lacks one step (the cost of such a reward grows with the steps not
// yet settled). "block=0,workers=2" is the learner's choice on a brain
// that spreads its step over 2 cores (Brain.Workers), the learner's
// block pass too.
func BenchmarkALIFBlockTVB96(b *testing.B) {
	for _, c := range []struct{ B, workers int }{{0, 1}, {128, 1}, {256, 1}, {512, 1}, {1024, 1}, {0, 2}} {
		name := fmt.Sprintf("block=%d", c.B)
		if c.workers > 1 {
			name += fmt.Sprintf(",workers=%d", c.workers)
		}
		b.Run(name, func(b *testing.B) {
			br := tvb96Brain(b, true, false)
			br.Workers = c.workers
			lp := Defaults()
			lp.BlockSteps = c.B
			l, err := New(br, lp)
			if err != nil {
				b.Fatal(err)
			}
			l.Enable()
			br.Run(context.Background(), 2000, nil, nil)
			b.ResetTimer()
			br.Run(context.Background(), b.N, nil, nil)
			b.StopTimer()
			l.Snapshot()
			b.ReportMetric(float64(l.Bytes())/float64(br.Net.Synapses()), "B/synapse")
			e := l.eng.(*alif)
			for _, at := range []struct {
				n    int
				unit string
			}{{e.B / 2, "ms/reward-half"}, {e.B - 1, "ms/reward-full"}} {
				var ms []float64
				for range 5 {
					// After the reward (n = 0), a block and then c.n steps.
					br.Run(context.Background(), e.B+at.n, nil, nil)
					if e.n != at.n {
						b.Fatalf("%d steps of the block observed, want %d", e.n, at.n)
					}
					t0 := time.Now()
					if _, err := l.Reward(1, FromCurrent); err != nil {
						b.Fatal(err)
					}
					ms = append(ms, float64(time.Since(t0).Nanoseconds())/1e6)
				}
				slices.Sort(ms)
				b.ReportMetric(ms[2], at.unit)
			}
		})
	}
}
