package gpu

import (
	"testing"

	"github.com/encephagen/encephagen/engine/enginetest"
	"github.com/encephagen/encephagen/engine/network"
)

// BenchmarkPlanTVB96 measures the host-side layout of 20 TVB96 brains at
// npr 200 with delays (the GPU benchmark's batch): ns/op per batch.
func BenchmarkPlanTVB96(b *testing.B) {
	c := enginetest.TVB96(b)
	pfc, _ := c.Group("prefrontal")
	var nets []*network.Network
	var seeds []uint64
	for i := 0; i < 20; i++ {
		p := network.Defaults()
		p.NMDARegions = pfc
		p.WiringSeed = uint64(42 + i)
		p.VelocityMMPerMs = 3.5
		net, err := network.Build(c, p)
		if err != nil {
			b.Fatal(err)
		}
		nets = append(nets, net)
		seeds = append(seeds, uint64(i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := newPlan(nets, seeds)
		if err != nil {
			b.Fatal(err)
		}
		st := p.stats()
		b.ReportMetric(float64(st.DeviceBytes)/1e9, "device-GB")
		b.ReportMetric(float64(st.Entries)/float64(st.Synapses), "entries/synapse")
	}
}
