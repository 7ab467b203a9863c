package gpu

import "testing"

// BenchmarkPlanTVB96 measures the host-side layout of 20 TVB96 brains at
// npr 200 with delays (the GPU benchmark's batch): ns/op per batch.
func BenchmarkPlanTVB96(b *testing.B) {
	nets, seeds := tvb96Batch(b, 20, true)
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
