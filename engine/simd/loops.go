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

// ALIFPsi writes ψ_j = γ·max(0, 1 − |v_j − θ_j|·inv) of every neuron to
// row, in float32 (ALIF e-prop's history, MODEL.md §4; inv = 1/v_th),
// computed in float64 as d < 0 ? −d : d and x < 0 ? +0 : x.
func ALIFPsi(row, preV, theta []float32, gamma, inv float64) {
	alifPsi(row, preV, theta, gamma, inv)
}

// ALIFForward applies the maps of consecutive steps to the forward
// products Φ of ALIF e-prop (engine/eprop, alif.go). Step m (0 ≤ m <
// len(an)) has its ψ of neuron j at hist[m·stride + j] and an[m] for
// α^(k+1); its map, with q = ρ − β·ψ and a = ψ·an[m], is EZ ← q·EZ + a,
// EE ← q·EE, PZ ← κ·PZ + c1·a − cb·q·EZ, PE ← κ·PE − cb·q·EE (EZ, EE the
// values before the step). The vector form keeps four neurons in
// registers through eight steps at a time; each neuron's operations are
// the plain loop's, in its order.
func ALIFForward(hist []float32, stride int, an, EZ, EE, PZ, PE []float64, kappa, rho, beta, c1, cb float64) {
	if len(an) == 0 || len(EZ) == 0 {
		return
	}
	_ = hist[(len(an)-1)*stride+len(EZ)-1]
	alifForward(hist, stride, an, EZ, EE, PZ, PE, kappa, rho, beta, c1, cb)
}

// ALIFBackward takes one step's map into the backward products Λ of the
// ALIF sweep: LEZ ← α·(LEZ + LEE·ψ), LEE ← LEE·q, LPZ ← α·(LPZ +
// (LPE + kc1)·ψ), LPE ← q·(LPE − kcb), q = ρ − β·ψ.
func ALIFBackward(row []float32, LEZ, LEE, LPZ, LPE []float64, alpha, rho, beta, kc1, kcb float64) {
	alifBackward(row, LEZ, LEE, LPZ, LPE, alpha, rho, beta, kc1, kcb)
}

// ALIFPass takes the block-start ε and e of one neuron's synapses through
// Φ of their targets (the ALIF block pass, engine/eprop): with
// f = phi[posts[m]], eps[m] ← f0·z0 + f1·eps[m] and
// el[m] ← f2·z0 + f3·eps[m] + kn·el[m] (eps[m] the value before).
func ALIFPass(posts []uint32, eps, el []float32, phi [][4]float64, z0, kn float64) {
	alifPass(posts, eps, el, phi, z0, kn)
}

func alifPassGo(posts []uint32, eps, el []float32, phi [][4]float64, z0, kn float64) {
	eps, el = eps[:len(posts)], el[:len(posts)]
	for m, j := range posts {
		e0, p0 := float64(eps[m]), float64(el[m])
		f := &phi[j]
		eps[m] = float32(f[0]*z0 + f[1]*e0)
		el[m] = float32(f[2]*z0 + f[3]*e0 + kn*p0)
	}
}

func alifPsiGo(row, preV, theta []float32, gamma, inv float64) {
	preV, theta = preV[:len(row)], theta[:len(row)]
	for j, v := range preV {
		// Bit masks chosen by conditional moves instead of branches,
		// whose outcome is a coin toss here (−0 and NaN kept as they are).
		d := float64(v) - float64(theta[j])
		var neg uint64
		if d < 0 {
			neg = 1 << 63
		}
		d = math.Float64frombits(math.Float64bits(d) ^ neg)
		x := gamma * (1 - d*inv)
		var below uint64
		if x < 0 {
			below = ^uint64(0)
		}
		x = math.Float64frombits(math.Float64bits(x) &^ below)
		row[j] = float32(x)
	}
}

func alifForwardGo(hist []float32, stride int, an, EZ, EE, PZ, PE []float64, kappa, rho, beta, c1, cb float64) {
	n := len(EZ)
	EE, PZ, PE = EE[:n], PZ[:n], PE[:n]
	for m, an1 := range an {
		row := hist[m*stride : m*stride+n]
		for j, p := range row {
			psi := float64(p)
			q := rho - beta*psi
			pa, cq := psi*an1, cb*q
			ez, ee := EZ[j], EE[j]
			EZ[j] = q*ez + pa
			EE[j] = q * ee
			PZ[j] = kappa*PZ[j] + c1*pa - cq*ez
			PE[j] = kappa*PE[j] - cq*ee
		}
	}
}

func alifBackwardGo(row []float32, LEZ, LEE, LPZ, LPE []float64, alpha, rho, beta, kc1, kcb float64) {
	LEZ, LEE, LPZ, LPE = LEZ[:len(row)], LEE[:len(row)], LPZ[:len(row)], LPE[:len(row)]
	for j, p := range row {
		psi := float64(p)
		q := rho - beta*psi
		lee, lpe := LEE[j], LPE[j]
		LEZ[j] = alpha * (LEZ[j] + lee*psi)
		LEE[j] = lee * q
		LPZ[j] = alpha * (LPZ[j] + (lpe+kc1)*psi)
		LPE[j] = q * (lpe - kcb)
	}
}

// Currents is points 9 (of the previous step) and 1 of MODEL.md §3 for
// a region whose neurons all carry NMDA (nmda) or none do: with I the
// pending input (then cleared), i_syn = i_syn·decaySyn + I + n·j_eff
// (n the background count) and, with nmda,
// i_nmda = i_nmda·decayNMDA + ratio·I.
func Currents(ISyn, INMDA, pending []float32, counts []int32, nmda bool, decaySyn, decayNMDA, ratio, jeff float32) {
	currents(ISyn, INMDA, pending, counts, nmda, decaySyn, decayNMDA, ratio, jeff)
}

func currentsGo(ISyn, INMDA, pending []float32, counts []int32, nmda bool, decaySyn, decayNMDA, ratio, jeff float32) {
	INMDA, pending, counts = INMDA[:len(ISyn)], pending[:len(ISyn)], counts[:len(ISyn)]
	for i, isyn := range ISyn {
		I := pending[i]
		pending[i] = 0
		ISyn[i] = (isyn*decaySyn + I) + float32(counts[i])*jeff
		if nmda {
			INMDA[i] = INMDA[i]*decayNMDA + ratio*I
		}
	}
}

// WeightStats are the statistics of one weight pass: Sum is Σ |Δw| over
// the synapses whose stored weight changed, added in synapse order (so
// that it does not depend on the vector width), Max the largest |Δw|.
type WeightStats struct {
	Sum, Max         float64
	Changed, Clamped int
}

// WeightPass is e-prop's weight update (MODEL.md §4): for every synapse
// s, w = float64(W[s]) + f·float64(E[s]), clamped to [lo, hi] (counted
// in Clamped; NaN is not clamped), stored as float32 where that differs
// from W[s] (!=, so −0 and +0 are equal and NaN always differs).
func WeightPass(W, E []float32, f, lo, hi float64) WeightStats {
	return weightPass(W, E[:len(W)], f, lo, hi, WeightStats{})
}

// WeightPassTo is WeightPass restricted to the synapses s with
// post[Post[s]] (a reward to some regions only): the same arithmetic, so
// with every neuron selected it gives WeightPass's weights and statistics
// exactly. It is a loop of its own, in plain Go, because a mask test
// inside the global reward's loop cost that pass about 10 % (before it
// was a vector loop: 7.7–8.7 ms with two loops, 8.3–9.9 ms with one,
// four alternating runs).
func WeightPassTo(W, E []float32, Post []uint32, post []bool, f, lo, hi float64) WeightStats {
	E, Post = E[:len(W)], Post[:len(W)]
	var st WeightStats
	for s, w0 := range W {
		if s&cleanEvery == 0 {
			Clean()
		}
		if !post[Post[s]] {
			continue
		}
		var w1 float32
		if st, w1 = st.step(w0, E[s], f, lo, hi); w1 != w0 {
			W[s] = w1
			st = st.change(w0, w1)
		}
	}
	return st
}

// cleanEvery + 1 synapses: how often the plain weight passes clear the
// vector registers' upper halves (see Clean).
const cleanEvery = 1<<14 - 1

// step is the weight pass on one synapse: w0 + f·e clamped to [lo, hi],
// a clamp counted in st, rounded to float32. (st goes in and out by
// value, so that the loops keep it in registers.)
func (st WeightStats) step(w0, e float32, f, lo, hi float64) (WeightStats, float32) {
	w := float64(w0) + f*float64(e)
	if w < lo {
		w = lo
		st.Clamped++
	} else if w > hi {
		w = hi
		st.Clamped++
	}
	return st, float32(w)
}

// change adds a stored weight's change from w0 to w1.
func (st WeightStats) change(w0, w1 float32) WeightStats {
	dw := math.Abs(float64(w1) - float64(w0))
	st.Sum += dw
	st.Changed++
	if dw > st.Max {
		st.Max = dw
	}
	return st
}

// weightPassGo continues st (the vector loop's tail continues its sum).
func weightPassGo(W, E []float32, f, lo, hi float64, st WeightStats) WeightStats {
	E = E[:len(W)]
	for s, w0 := range W {
		if s&cleanEvery == 0 {
			Clean()
		}
		var w1 float32
		if st, w1 = st.step(w0, E[s], f, lo, hi); w1 != w0 {
			W[s] = w1
			st = st.change(w0, w1)
		}
	}
	return st
}
