package sim_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

// BenchmarkStepTVB96 measures one step of one TVB96 brain on one core
// (ns/op = time per step), after a 1,000-step warm-up so rates are steady.
func BenchmarkStepTVB96(b *testing.B) {
	c := enginetest.TVB96(b)
	for _, npr := range []int{200, 500} {
		for _, delays := range []bool{false, true} {
			b.Run(fmt.Sprintf("npr=%d/delays=%v", npr, delays), func(b *testing.B) {
				p := network.Defaults()
				p.NeuronsPerRegion = npr
				p.NMDARegions, _ = c.Group("prefrontal")
				if delays {
					p.VelocityMMPerMs = 3.5
				}
				net, err := network.Build(c, p)
				if err != nil {
					b.Fatal(err)
				}
				br := sim.NewBrain(net, 1)
				rec := &sim.Recorder{}
				br.Run(context.Background(), 1000, nil, rec)
				rec = &sim.Recorder{}
				b.ResetTimer()
				br.Run(context.Background(), b.N, nil, rec)
				b.ReportMetric(float64(rec.Total())/float64(b.N), "spikes/step")
			})
		}
	}
}

// BenchmarkBatchTVB96 runs one brain per core: ns/op is the wall time of
// one step of the whole batch; ns/brain-step divides it by the brains.
func BenchmarkBatchTVB96(b *testing.B) {
	c := enginetest.TVB96(b)
	p := network.Defaults()
	p.NMDARegions, _ = c.Group("prefrontal")
	net, err := network.Build(c, p)
	if err != nil {
		b.Fatal(err)
	}
	n := runtime.GOMAXPROCS(0)
	var bt sim.Batch
	for i := 0; i < n; i++ {
		bt.Brains = append(bt.Brains, sim.NewBrain(net, uint64(i)))
	}
	bt.Run(context.Background(), 1000, nil, nil)
	b.ResetTimer()
	bt.Run(context.Background(), b.N, nil, nil)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/brain-step")
}

func BenchmarkBuildTVB96(b *testing.B) {
	c := enginetest.TVB96(b)
	p := network.Defaults()
	for i := 0; i < b.N; i++ {
		if _, err := network.Build(c, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWorkers is one brain's step spread over 1 and 2 cores (run it
// with -cpu 2): ns/op is the wall time per step.
func BenchmarkWorkers(b *testing.B) {
	for _, cs := range []struct {
		file string
		npr  int
	}{{"tvb96.zip", 200}, {"tvb96.zip", 500}, {"tvb998.zip", 200}} {
		c := enginetest.Load(b, cs.file)
		p := network.Defaults()
		p.NeuronsPerRegion = cs.npr
		p.NMDARegions, _ = c.Group("prefrontal")
		net, err := network.Build(c, p)
		if err != nil {
			b.Fatal(err)
		}
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/npr=%d/workers=%d", c.Name, cs.npr, workers), func(b *testing.B) {
				br := sim.NewBrain(net, 1)
				br.Workers = workers
				br.Run(context.Background(), 500, nil, nil)
				b.ResetTimer()
				br.Run(context.Background(), b.N, nil, nil)
			})
		}
	}
}
