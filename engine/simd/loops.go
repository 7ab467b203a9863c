package simd

import "math"

// MembraneLIF is points 3–7 of MODEL.md §3 for a LIF region with dt > 0:
// integrate where not refractory, spike at v ≥ v_th, reset to v_reset,
// refractory t_ref − dt after a spike, else max(refrac − dt, 0). preV,
// when not nil, gets the pre-reset potential (point 5). The spiking
// neurons' numbers, first + index, are appended to spikes in ascending
// order. All slices have len(V) elements.
func MembraneLIF(V, ISyn, INMDA, Refrac, preV []float32, first int32, spikes []int32, dtOverTau, vth, vreset, tref, dt float32) []int32 {
	return membraneLIF(V, ISyn, INMDA, Refrac, preV, first, spikes, dtOverTau, vth, vreset, tref, dt)
}

// MembraneALIF is points 3–7 for an ALIF region with dt > 0: threshold
// θ = v_th + β·a, soft reset v −= θ, a = ρ·a + z. theta, like preV, is
// filled when not nil.
func MembraneALIF(V, ISyn, INMDA, Refrac, A, preV, theta []float32, first int32, spikes []int32, dtOverTau, vth, beta, rho, tref, dt float32) []int32 {
	return membraneALIF(V, ISyn, INMDA, Refrac, A, preV, theta, first, spikes, dtOverTau, vth, beta, rho, tref, dt)
}

// AddSurrogate adds to S[j] the weighted pseudo-derivative of neuron j,
// max(0, w − |v_j − θ_j|·wi) in float64 (θ_j = vth where theta is nil):
// e-prop's per-step sum for LIF (MODEL.md §4 with w = γ·weight and
// wi = w/v_th). A negative value, −0 included, adds +0.
func AddSurrogate(S []float64, preV, theta []float32, w, vth, wi float64) {
	addSurrogate(S, preV, theta, w, vth, wi)
}

func membraneLIFGo(V, ISyn, INMDA, Refrac, preV []float32, first int32, spikes []int32, dtOverTau, vth, vreset, tref, dt float32) []int32 {
	ISyn, INMDA, Refrac = ISyn[:len(V)], INMDA[:len(V)], Refrac[:len(V)]
	plastic := preV != nil
	if plastic {
		preV = preV[:len(V)]
	}
	after := max(tref-dt, 0) // refrac after a spike
	for i := range V {
		ref := Refrac[i]
		if !(ref <= 0) { // refractory: v is kept
			if plastic { // 5. learning sees the pre-reset v
				preV[i] = V[i]
			}
			Refrac[i] = max(ref-dt, 0)
			continue
		}
		// 3. integrate; with dt > 0, max(ref − dt, 0) is +0 for any
		// ref ≤ 0, so only a refrac other than +0 needs the store.
		v := V[i]
		v = v + dtOverTau*((ISyn[i]-v)+INMDA[i])
		if plastic {
			preV[i] = v
		}
		if v >= vth { // 4. threshold; 6. reset, 7. refractory
			spikes = append(spikes, first+int32(i))
			V[i] = vreset
			Refrac[i] = after
			continue
		}
		V[i] = v
		if math.Float32bits(ref) != 0 {
			Refrac[i] = 0
		}
	}
	return spikes
}

func membraneALIFGo(V, ISyn, INMDA, Refrac, A, preV, thetas []float32, first int32, spikes []int32, dtOverTau, vth, beta, rho, tref, dt float32) []int32 {
	ISyn, INMDA, Refrac, A = ISyn[:len(V)], INMDA[:len(V)], Refrac[:len(V)], A[:len(V)]
	plastic := preV != nil
	if plastic {
		preV, thetas = preV[:len(V)], thetas[:len(V)]
	}
	after := max(tref-dt, 0)
	for i := range V {
		ref, a0, v := Refrac[i], A[i], V[i]
		theta := vth + beta*a0 // 4. threshold
		a := rho * a0
		if !(ref <= 0) { // refractory: v is kept, no spike
			if plastic { // 5.
				preV[i], thetas[i] = v, theta
			}
			A[i] = a
			Refrac[i] = max(ref-dt, 0)
			continue
		}
		v = v + dtOverTau*((ISyn[i]-v)+INMDA[i]) // 3.
		if plastic {                             // 5. learning sees the pre-reset v
			preV[i], thetas[i] = v, theta
		}
		if v >= theta { // 6. soft reset, a = ρ·a + z; 7. refractory
			spikes = append(spikes, first+int32(i))
			v -= theta
			a += 1
			Refrac[i] = after
		} else if math.Float32bits(ref) != 0 {
			Refrac[i] = 0 // max(ref − dt, 0) with ref ≤ 0, dt > 0
		}
		V[i] = v
		A[i] = a
	}
	return spikes
}

// The max(0, ·) is taken without a branch (clearing a negative value's
// bits leaves +0): refractory and far-from-threshold neurons mix with
// near-threshold ones unpredictably, and a branch here mispredicts.
func addSurrogateGo(S []float64, preV, theta []float32, w, vth, wi float64) {
	S = S[:len(preV)]
	if theta == nil {
		for j, v := range preV {
			S[j] += positivePart(w - math.Abs(float64(v)-vth)*wi)
		}
		return
	}
	theta = theta[:len(preV)]
	for j, v := range preV {
		S[j] += positivePart(w - math.Abs(float64(v)-float64(theta[j]))*wi)
	}
}

// positivePart is x with its bits cleared where its sign bit is set.
func positivePart(x float64) float64 {
	b := math.Float64bits(x)
	return math.Float64frombits(b &^ uint64(int64(b)>>63))
}
