//go:build goexperiment.simd && amd64

package simd

import (
	"math/bits"
	"simd/archsimd"
)

var avx2 = archsimd.X86.AVX2()

var (
	membraneLIF   = pick(membraneLIFAVX2, membraneLIFGo)
	membraneALIF  = pick(membraneALIFAVX2, membraneALIFGo)
	addSurrogate  = pick(addSurrogateAVX2, addSurrogateGo)
	alifPsi       = pick(alifPsiAVX2, alifPsiGo)
	alifForward   = pick(alifForwardAVX2, alifForwardGo)
	alifBackward  = pick(alifBackwardAVX2, alifBackwardGo)
	alifPass      = pick(alifPassAVX2, alifPassGo)
	currents      = pick(currentsAVX2, currentsGo)
	poissonCounts = pick(poissonCountsAVX2, poissonCountsGo)
	weightPass    = pick(weightPassAVX2, weightPassGo)
)

func pick[F any](vector, plain F) F {
	if avx2 {
		return vector
	}
	return plain
}

// The vector loops take 8 (float32) or 4 (float64) neurons at a time and
// leave the rest to the plain loop. Where the plain loop branches, they
// compute both sides and select by mask. Two instruction details keep the
// bits the same: VMAXPS returns its second operand when either is NaN or
// both are zero, so max(x, 0) is written zero.Max(x) (NaN propagates, as
// with Go's max; x = −0 cannot occur: it needs refrac = −0 and dt = 0);
// and each x·y + z is a multiply then an add, as the plain loop compiles.
// Each loop ends with VZEROUPPER (ClearAVXUpperBits), which the compiler
// does not emit: scalar (SSE) float code run while the upper halves of the
// vector registers are dirty is slower on many processors. (The runtime
// dirties them too: see Clean.)

func membraneLIFAVX2(V, ISyn, INMDA, Refrac, preV []float32, first int32, spikes []int32, dtOverTau, vth, vreset, tref, dt float32) []int32 {
	n := len(V) &^ 7
	ISyn, INMDA, Refrac = ISyn[:len(V)], INMDA[:len(V)], Refrac[:len(V)]
	if preV != nil {
		preV = preV[:len(V)]
	}
	kdt := archsimd.BroadcastFloat32x8(dt)
	kdot := archsimd.BroadcastFloat32x8(dtOverTau)
	kth := archsimd.BroadcastFloat32x8(vth)
	kreset := archsimd.BroadcastFloat32x8(vreset)
	kafter := archsimd.BroadcastFloat32x8(max(tref-dt, 0))
	zero := archsimd.BroadcastFloat32x8(0)
	for i := 0; i < n; i += 8 {
		ref := archsimd.LoadFloat32x8Slice(Refrac[i : i+8])
		v := archsimd.LoadFloat32x8Slice(V[i : i+8])
		is := archsimd.LoadFloat32x8Slice(ISyn[i : i+8])
		in := archsimd.LoadFloat32x8Slice(INMDA[i : i+8])
		active := ref.LessEqual(zero)
		// 3. integrate where active, keep v where refractory.
		v = v.Add(kdot.Mul(is.Sub(v).Add(in))).Merge(v, active)
		if preV != nil {
			v.StoreSlice(preV[i : i+8])
		}
		spike := v.GreaterEqual(kth).And(active) // 4.
		kreset.Merge(v, spike).StoreSlice(V[i : i+8])
		kafter.Merge(zero.Max(ref.Sub(kdt)), spike).StoreSlice(Refrac[i : i+8])
		for m := spike.ToBits(); m != 0; m &= m - 1 {
			spikes = append(spikes, first+int32(i+bits.TrailingZeros8(m)))
		}
	}
	var pv []float32
	if preV != nil {
		pv = preV[n:]
	}
	archsimd.ClearAVXUpperBits()
	return membraneLIFGo(V[n:], ISyn[n:], INMDA[n:], Refrac[n:], pv, first+int32(n), spikes, dtOverTau, vth, vreset, tref, dt)
}

func membraneALIFAVX2(V, ISyn, INMDA, Refrac, A, preV, thetas []float32, first int32, spikes []int32, dtOverTau, vth, beta, rho, tref, dt float32) []int32 {
	n := len(V) &^ 7
	ISyn, INMDA, Refrac, A = ISyn[:len(V)], INMDA[:len(V)], Refrac[:len(V)], A[:len(V)]
	if preV != nil {
		preV, thetas = preV[:len(V)], thetas[:len(V)]
	}
	kdt := archsimd.BroadcastFloat32x8(dt)
	kdot := archsimd.BroadcastFloat32x8(dtOverTau)
	kth := archsimd.BroadcastFloat32x8(vth)
	kbeta := archsimd.BroadcastFloat32x8(beta)
	krho := archsimd.BroadcastFloat32x8(rho)
	kafter := archsimd.BroadcastFloat32x8(max(tref-dt, 0))
	one := archsimd.BroadcastFloat32x8(1)
	zero := archsimd.BroadcastFloat32x8(0)
	for i := 0; i < n; i += 8 {
		ref := archsimd.LoadFloat32x8Slice(Refrac[i : i+8])
		v := archsimd.LoadFloat32x8Slice(V[i : i+8])
		a0 := archsimd.LoadFloat32x8Slice(A[i : i+8])
		is := archsimd.LoadFloat32x8Slice(ISyn[i : i+8])
		in := archsimd.LoadFloat32x8Slice(INMDA[i : i+8])
		theta := kth.Add(kbeta.Mul(a0)) // 4.
		a := krho.Mul(a0)
		active := ref.LessEqual(zero)
		v = v.Add(kdot.Mul(is.Sub(v).Add(in))).Merge(v, active) // 3.
		if preV != nil {
			v.StoreSlice(preV[i : i+8])
			theta.StoreSlice(thetas[i : i+8])
		}
		spike := v.GreaterEqual(theta).And(active)
		v.Sub(theta).Merge(v, spike).StoreSlice(V[i : i+8]) // 6.
		a.Add(one).Merge(a, spike).StoreSlice(A[i : i+8])
		kafter.Merge(zero.Max(ref.Sub(kdt)), spike).StoreSlice(Refrac[i : i+8]) // 7.
		for m := spike.ToBits(); m != 0; m &= m - 1 {
			spikes = append(spikes, first+int32(i+bits.TrailingZeros8(m)))
		}
	}
	var pv, th []float32
	if preV != nil {
		pv, th = preV[n:], thetas[n:]
	}
	archsimd.ClearAVXUpperBits()
	return membraneALIFGo(V[n:], ISyn[n:], INMDA[n:], Refrac[n:], A[n:], pv, th, first+int32(n), spikes, dtOverTau, vth, beta, rho, tref, dt)
}

func addSurrogateAVX2(S []float64, preV, theta []float32, w, vth, wi float64) {
	S = S[:len(preV)]
	n := len(preV) &^ 3
	kw := archsimd.BroadcastFloat64x4(w)
	kwi := archsimd.BroadcastFloat64x4(wi)
	kth := archsimd.BroadcastFloat64x4(vth)
	sign := archsimd.BroadcastInt64x4(-1 << 63)
	zero := archsimd.BroadcastInt64x4(0)
	if theta != nil {
		theta = theta[:len(preV)]
	}
	for j := 0; j < n; j += 4 {
		v := archsimd.LoadFloat32x4Slice(preV[j : j+4]).ConvertToFloat64()
		th := kth
		if theta != nil {
			th = archsimd.LoadFloat32x4Slice(theta[j : j+4]).ConvertToFloat64()
		}
		d := v.Sub(th).AsInt64x4().AndNot(sign).AsFloat64x4() // |v − θ|
		x := kw.Sub(d.Mul(kwi)).AsInt64x4()
		x = x.Masked(x.GreaterEqual(zero)) // sign bit set: +0
		s := archsimd.LoadFloat64x4Slice(S[j : j+4])
		s.Add(x.AsFloat64x4()).StoreSlice(S[j : j+4])
	}
	var th []float32
	if theta != nil {
		th = theta[n:]
	}
	archsimd.ClearAVXUpperBits()
	addSurrogateGo(S[n:], preV[n:], th, w, vth, wi)
}

// Describe says which loops are in use, for version and bench output.
func Describe() string {
	if avx2 {
		return "AVX2 vector loops"
	}
	return "plain Go loops (this processor has no AVX2)"
}

func alifPsiAVX2(row, preV, theta []float32, gamma, inv float64) {
	n := len(row) &^ 3
	preV, theta = preV[:len(row)], theta[:len(row)]
	kg := archsimd.BroadcastFloat64x4(gamma)
	kinv := archsimd.BroadcastFloat64x4(inv)
	one := archsimd.BroadcastFloat64x4(1)
	zero := archsimd.BroadcastFloat64x4(0)
	sign := archsimd.BroadcastInt64x4(-1 << 63)
	for j := 0; j < n; j += 4 {
		v := archsimd.LoadFloat32x4Slice(preV[j : j+4]).ConvertToFloat64()
		th := archsimd.LoadFloat32x4Slice(theta[j : j+4]).ConvertToFloat64()
		d := v.Sub(th)
		d = d.AsInt64x4().Xor(sign.Masked(d.Less(zero))).AsFloat64x4() // d < 0 ? −d : d
		x := kg.Mul(one.Sub(d.Mul(kinv)))
		x = zero.Merge(x, x.Less(zero)) // x < 0 ? +0 : x
		x.ConvertToFloat32().StoreSlice(row[j : j+4])
	}
	archsimd.ClearAVXUpperBits()
	alifPsiGo(row[n:], preV[n:], theta[n:], gamma, inv)
}

func alifForwardAVX2(hist []float32, stride int, an, EZ, EE, PZ, PE []float64, kappa, rho, beta, c1, cb float64) {
	n := len(EZ) &^ 3
	EE, PZ, PE = EE[:len(EZ)], PZ[:len(EZ)], PE[:len(EZ)]
	kk := archsimd.BroadcastFloat64x4(kappa)
	kr := archsimd.BroadcastFloat64x4(rho)
	kb := archsimd.BroadcastFloat64x4(beta)
	kc1 := archsimd.BroadcastFloat64x4(c1)
	kcb := archsimd.BroadcastFloat64x4(cb)
	// Four neurons at a time through eight steps in registers: Φ is read
	// and written once per eight steps, and the eight ψ rows' lines stay
	// in the first-level cache for the next neurons (a block's worth of
	// steps per neuron would wait on the chain of dependent operations
	// and on address translation for a row each: slower than step by
	// step).
	const chunk = 8
	for m0 := 0; m0 < len(an); m0 += chunk {
		ans := an[m0:min(m0+chunk, len(an))]
		h := hist[m0*stride:]
		for j := 0; j < n; j += 4 {
			ez := archsimd.LoadFloat64x4Slice(EZ[j : j+4])
			ee := archsimd.LoadFloat64x4Slice(EE[j : j+4])
			pz := archsimd.LoadFloat64x4Slice(PZ[j : j+4])
			pe := archsimd.LoadFloat64x4Slice(PE[j : j+4])
			k := j
			for _, an1 := range ans {
				psi := archsimd.LoadFloat32x4Slice(h[k : k+4]).ConvertToFloat64()
				k += stride
				q := kr.Sub(kb.Mul(psi))
				pa, cq := psi.Mul(archsimd.BroadcastFloat64x4(an1)), kcb.Mul(q)
				pz = kk.Mul(pz).Add(kc1.Mul(pa)).Sub(cq.Mul(ez))
				pe = kk.Mul(pe).Sub(cq.Mul(ee))
				ez = q.Mul(ez).Add(pa)
				ee = q.Mul(ee)
			}
			ez.StoreSlice(EZ[j : j+4])
			ee.StoreSlice(EE[j : j+4])
			pz.StoreSlice(PZ[j : j+4])
			pe.StoreSlice(PE[j : j+4])
		}
	}
	archsimd.ClearAVXUpperBits()
	if n < len(EZ) {
		alifForwardGo(hist[n:], stride, an, EZ[n:], EE[n:], PZ[n:], PE[n:], kappa, rho, beta, c1, cb)
	}
}

func alifBackwardAVX2(row []float32, LEZ, LEE, LPZ, LPE []float64, alpha, rho, beta, kc1, kcb float64) {
	n := len(row) &^ 3
	LEZ, LEE, LPZ, LPE = LEZ[:len(row)], LEE[:len(row)], LPZ[:len(row)], LPE[:len(row)]
	ka := archsimd.BroadcastFloat64x4(alpha)
	kr := archsimd.BroadcastFloat64x4(rho)
	kb := archsimd.BroadcastFloat64x4(beta)
	k1 := archsimd.BroadcastFloat64x4(kc1)
	kB := archsimd.BroadcastFloat64x4(kcb)
	for j := 0; j < n; j += 4 {
		psi := archsimd.LoadFloat32x4Slice(row[j : j+4]).ConvertToFloat64()
		q := kr.Sub(kb.Mul(psi))
		lez := archsimd.LoadFloat64x4Slice(LEZ[j : j+4])
		lee := archsimd.LoadFloat64x4Slice(LEE[j : j+4])
		lpz := archsimd.LoadFloat64x4Slice(LPZ[j : j+4])
		lpe := archsimd.LoadFloat64x4Slice(LPE[j : j+4])
		ka.Mul(lez.Add(lee.Mul(psi))).StoreSlice(LEZ[j : j+4])
		lee.Mul(q).StoreSlice(LEE[j : j+4])
		ka.Mul(lpz.Add(lpe.Add(k1).Mul(psi))).StoreSlice(LPZ[j : j+4])
		q.Mul(lpe.Sub(kB)).StoreSlice(LPE[j : j+4])
	}
	archsimd.ClearAVXUpperBits()
	alifBackwardGo(row[n:], LEZ[n:], LEE[n:], LPZ[n:], LPE[n:], alpha, rho, beta, kc1, kcb)
}

// alifPassAVX2 takes 4 synapses at a time: their targets' rows of Φ are
// loaded whole (one cache line each) and transposed into the vectors of
// f0, f1, f2, f3 by two shuffles and two lane swaps per pair.
func alifPassAVX2(posts []uint32, eps, el []float32, phi [][4]float64, z0, kn float64) {
	n := len(posts) &^ 3
	eps, el = eps[:len(posts)], el[:len(posts)]
	kz := archsimd.BroadcastFloat64x4(z0)
	kk := archsimd.BroadcastFloat64x4(kn)
	for m := 0; m < n; m += 4 {
		p := posts[m : m+4]
		r0 := archsimd.LoadFloat64x4(&phi[p[0]])
		r1 := archsimd.LoadFloat64x4(&phi[p[1]])
		r2 := archsimd.LoadFloat64x4(&phi[p[2]])
		r3 := archsimd.LoadFloat64x4(&phi[p[3]])
		a := r0.SelectFromPairGrouped(0, 2, r1) // f0 f0 f2 f2 of synapses 0, 1
		b := r0.SelectFromPairGrouped(1, 3, r1) // f1 f1 f3 f3 of 0, 1
		c := r2.SelectFromPairGrouped(0, 2, r3) // the same of 2, 3
		d := r2.SelectFromPairGrouped(1, 3, r3)
		f0 := a.Select128FromPair(0, 2, c)
		f2 := a.Select128FromPair(1, 3, c)
		f1 := b.Select128FromPair(0, 2, d)
		f3 := b.Select128FromPair(1, 3, d)
		e0 := archsimd.LoadFloat32x4Slice(eps[m : m+4]).ConvertToFloat64()
		p0 := archsimd.LoadFloat32x4Slice(el[m : m+4]).ConvertToFloat64()
		f0.Mul(kz).Add(f1.Mul(e0)).ConvertToFloat32().StoreSlice(eps[m : m+4])
		f2.Mul(kz).Add(f3.Mul(e0)).Add(kk.Mul(p0)).ConvertToFloat32().StoreSlice(el[m : m+4])
	}
	archsimd.ClearAVXUpperBits()
	alifPassGo(posts[n:], eps[n:], el[n:], phi, z0, kn)
}

// Clean clears the upper halves of the vector registers (VZEROUPPER). Go
// 1.26's runtime, built with GOEXPERIMENT=simd, saves and restores the
// 256-bit registers when it preempts a goroutine (every 10 ms for a long
// computation) and leaves them dirty; until the next VZEROUPPER the
// processor then runs scalar float code (SSE, all of Go's) slower: the
// weight pass, a loop without vector code, took 12–14 ms instead of
// 5.6–6.2 (GODEBUG=asyncpreemptoff=1 gave the plain figure back). So
// long scalar passes call Clean every few thousand elements.
func Clean() {
	if avx2 {
		archsimd.ClearAVXUpperBits()
	}
}

func currentsAVX2(ISyn, INMDA, pending []float32, counts []int32, nmda bool, decaySyn, decayNMDA, ratio, jeff float32) {
	n := len(ISyn) &^ 7
	INMDA, pending, counts = INMDA[:len(ISyn)], pending[:len(ISyn)], counts[:len(ISyn)]
	kds := archsimd.BroadcastFloat32x8(decaySyn)
	kdn := archsimd.BroadcastFloat32x8(decayNMDA)
	kr := archsimd.BroadcastFloat32x8(ratio)
	kj := archsimd.BroadcastFloat32x8(jeff)
	zero := archsimd.BroadcastFloat32x8(0)
	for i := 0; i < n; i += 8 {
		I := archsimd.LoadFloat32x8Slice(pending[i : i+8])
		zero.StoreSlice(pending[i : i+8])
		s := archsimd.LoadFloat32x8Slice(ISyn[i : i+8])
		c := archsimd.LoadInt32x8Slice(counts[i : i+8]).ConvertToFloat32()
		s.Mul(kds).Add(I).Add(c.Mul(kj)).StoreSlice(ISyn[i : i+8])
		if nmda {
			m := archsimd.LoadFloat32x8Slice(INMDA[i : i+8])
			m.Mul(kdn).Add(kr.Mul(I)).StoreSlice(INMDA[i : i+8])
		}
	}
	archsimd.ClearAVXUpperBits()
	currentsGo(ISyn[n:], INMDA[n:], pending[n:], counts[n:], nmda, decaySyn, decayNMDA, ratio, jeff)
}

// weightPassAVX2 takes four synapses at a time. A lane whose weight does
// not change adds +0 to the sum, which leaves it as it is, and the lanes
// are added one by one in synapse order, so the sum has the plain loop's
// bits; the largest |Δw| is the same whatever the order (no NaN is taken,
// no −0 occurs). The store keeps W[s] where w1 == W[s] (−0 stays −0).
func weightPassAVX2(W, E []float32, f, lo, hi float64, st WeightStats) WeightStats {
	n := len(W) &^ 3
	E = E[:len(W)]
	kf := archsimd.BroadcastFloat64x4(f)
	klo := archsimd.BroadcastFloat64x4(lo)
	khi := archsimd.BroadcastFloat64x4(hi)
	zero := archsimd.BroadcastFloat64x4(0)
	abs := archsimd.BroadcastInt64x4(1<<63 - 1)
	mx := zero
	var d [4]float64
	for s := 0; s < n; s += 4 {
		w0 := archsimd.LoadFloat32x4Slice(W[s : s+4]).ConvertToFloat64()
		e := archsimd.LoadFloat32x4Slice(E[s : s+4]).ConvertToFloat64()
		w := w0.Add(kf.Mul(e))
		below, above := w.Less(klo), w.Greater(khi)
		w = klo.Merge(khi.Merge(w, above), below)
		w1 := w.ConvertToFloat32().ConvertToFloat64()
		changed := w1.NotEqual(w0)
		w1.Merge(w0, changed).ConvertToFloat32().StoreSlice(W[s : s+4])
		dw := w1.Sub(w0).AsInt64x4().And(abs).AsFloat64x4()
		dw = dw.Merge(zero, changed)
		mx = dw.Merge(mx, dw.Greater(mx))
		dw.Store(&d)
		st.Sum += d[0]
		st.Sum += d[1]
		st.Sum += d[2]
		st.Sum += d[3]
		st.Changed += bits.OnesCount8(changed.ToBits())
		st.Clamped += bits.OnesCount8(below.Or(above).ToBits())
	}
	mx.Store(&d)
	archsimd.ClearAVXUpperBits()
	for _, v := range d {
		if v > st.Max {
			st.Max = v
		}
	}
	return weightPassGo(W[n:], E[n:], f, lo, hi, st)
}
