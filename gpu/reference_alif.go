package gpu

import (
	"math/bits"
)

// The ALIF learning kernels of step.cu (alif_*), transcribed: eprop's
// alif.observe and alif.flush, element by element.

// alifRec is one brain's ALIF learning record (step.cu's AlifRec).
type alifRec struct {
	startOff, synOff, B, tabOff uint64
	base                        int64
	on                          bool
	histOff, spkOff, wb         uint64
	alpha, kappa, rho, beta     float64
	gamma, invVth, c1, cb, oma  float64
}

func (e *refExec) alifRec(b uint32) alifRec {
	r := &e.arec[b]
	return alifRec{r.StartOff, r.SynOff, r.B, r.TabOff, int64(r.Base), r.On != 0, r.HistOff, r.SpkOff, r.WB,
		r.Alpha, r.Kappa, r.Rho, r.Beta, r.Gamma, r.InvVth, r.C1, r.CB, r.OMA}
}

func (R *alifRec) n(t uint64) int { return epochStep(t, R.base, int(R.B)) }

// alifBrains calls f for every task of the brains that learn with ALIF
// (only those at the end of a block when blockEnd).
func (e *refExec) alifBrains(t uint64, blockEnd bool, f func(T *task, R *alifRec, B *brainRecord)) {
	e.blocks(func(T *task) {
		R := e.alifRec(T.Brain)
		if !R.on || (blockEnd && R.n(t) != int(R.B)) {
			return
		}
		f(T, &R, &e.p.brains[T.Brain])
	})
}

// taskNeurons calls f for the task's neurons (index inside the brain).
func (e *refExec) taskNeurons(T *task, B *brainRecord, f func(il uint32)) {
	for x := 0; x < e.p.Block; x++ {
		k := T.First + uint32(x)
		if k >= B.NPR {
			break
		}
		f(T.LocalRegion*B.NPR + k)
	}
}

// spikingIn calls f for the neurons (index inside the brain) whose bits
// are set in the task's spike words words(w) (w: the word's index inside
// the brain's region-major words).
func (e *refExec) spikingIn(T *task, B *brainRecord, word func(w uint64) uint32, f func(il uint32)) {
	for w := uint32(0); w < uint32(e.p.Block)/32; w++ {
		wk := T.First + w*32
		if wk >= B.NPR {
			break
		}
		bitsw := word(uint64(T.LocalRegion)*uint64(B.Words) + uint64(wk>>5))
		for bitsw != 0 {
			bit := uint32(bits.TrailingZeros32(bitsw))
			bitsw &= bitsw - 1
			f(T.LocalRegion*B.NPR + wk + bit)
		}
	}
}

// alifObserve is alif_observe: ψ of step t into the block's history, the
// step's map into Φ, and the step's spike words kept.
func (e *refExec) alifObserve(t, slot uint64) {
	p := e.p
	e.alifBrains(t, false, func(T *task, R *alifRec, B *brainRecord) {
		n1 := uint64(R.n(t)) // steps in the block after this one
		row := n1 - 1
		an1 := e.ltab[R.tabOff+n1]
		N := uint64(p.nets[T.Brain].N)
		e.taskNeurons(T, B, func(il uint32) {
			i := uint64(B.NeuronOff) + uint64(il)
			d := float64(e.prev[i]) - float64(e.ptheta[i])
			if d < 0 {
				d = -d
			}
			x := R.gamma * (1 - d*R.invVth)
			if x < 0 {
				x = 0
			}
			psi32 := float32(x)
			e.ahist[R.histOff+row*N+uint64(il)] = psi32
			psi := float64(psi32)
			q := R.rho - R.beta*psi
			pa, cq := psi*an1, R.cb*q
			ez, ee := e.fEZ[i], e.fEE[i]
			e.fEZ[i] = q*ez + pa
			e.fEE[i] = q * ee
			e.fPZ[i] = R.kappa*e.fPZ[i] + R.c1*pa - cq*ez
			e.fPE[i] = R.kappa*e.fPE[i] - cq*ee
		})
		for w := uint32(0); w < uint32(p.Block)/32; w++ {
			wk := T.First + w*32
			if wk >= B.NPR {
				break
			}
			lw := uint64(T.LocalRegion)*uint64(B.Words) + uint64(wk>>5)
			e.aspk[R.spkOff+row*R.wb+lw] = e.hist[slot*uint64(p.TW)+uint64(B.WordOff)+lw]
		}
	})
}

// alifBlockEnd is the end of a block: alif_pass, alif_identity, the
// backward sweep (alif_sweep_spikes and alif_sweep_neurons for m = B … 1)
// and alif_zeta.
func (e *refExec) alifBlockEnd(t uint64) {
	p := e.p
	n := uint64(e.L.blockB)
	identity := func(i uint64) { e.fEZ[i], e.fEE[i], e.fPZ[i], e.fPE[i] = 0, 1, 0, 0 }
	// alif_pass: every synapse's block-start state through Φ of its target.
	e.alifBrains(t, true, func(T *task, R *alifRec, B *brainRecord) {
		kn := e.ltab[R.tabOff+(R.B+1)+n]
		e.taskNeurons(T, B, func(il uint32) {
			z0 := e.azeta[uint64(B.NeuronOff)+uint64(il)]
			s0, s1 := e.lstart[R.startOff+uint64(il)], e.lstart[R.startOff+uint64(il)+1]
			for s := s0; s < s1; s++ {
				g := R.synOff + uint64(s)
				j := uint64(B.NeuronOff) + uint64(e.lpst[g])
				e0, p0 := float64(e.aeps[g]), float64(e.ae[g])
				e.aeps[g] = float32(e.fEZ[j]*z0 + e.fEE[j]*e0)
				e.ae[g] = float32(e.fPZ[j]*z0 + e.fPE[j]*e0 + kn*p0)
			}
		})
	})
	// alif_identity: Λ starts at the identity.
	e.alifBrains(t, true, func(T *task, R *alifRec, B *brainRecord) {
		e.taskNeurons(T, B, func(il uint32) { identity(uint64(B.NeuronOff) + uint64(il)) })
	})
	for m := n; m >= 1; m-- {
		// alif_sweep_spikes(m): each spike of the block's step m jumps.
		e.alifBrains(t, true, func(T *task, R *alifRec, B *brainRecord) {
			N := uint64(p.nets[T.Brain].N)
			Kc1 := e.ltab[R.tabOff+(R.B+1)+(n-m)] * R.c1
			row := R.histOff + (m-1)*N
			word := func(w uint64) uint32 { return e.aspk[R.spkOff+(m-1)*R.wb+w] }
			e.spikingIn(T, B, word, func(il uint32) {
				s0, s1 := e.lstart[R.startOff+uint64(il)], e.lstart[R.startOff+uint64(il)+1]
				for s := s0; s < s1; s++ {
					g := R.synOff + uint64(s)
					jl := uint64(e.lpst[g])
					j := uint64(B.NeuronOff) + jl
					psi := float64(e.ahist[row+jl])
					e.aeps[g] = float32(float64(e.aeps[g]) + R.oma*(e.fEZ[j]+e.fEE[j]*psi))
					e.ae[g] = float32(float64(e.ae[g]) + R.oma*(e.fPZ[j]+(e.fPE[j]+Kc1)*psi))
				}
			})
		})
		if m == 1 {
			break
		}
		// alif_sweep_neurons(m): Λ takes step m's map.
		e.alifBrains(t, true, func(T *task, R *alifRec, B *brainRecord) {
			N := uint64(p.nets[T.Brain].N)
			K := e.ltab[R.tabOff+(R.B+1)+(n-m)]
			Kc1, Kcb := K*R.c1, K*R.cb
			e.taskNeurons(T, B, func(il uint32) {
				j := uint64(B.NeuronOff) + uint64(il)
				psi := float64(e.ahist[R.histOff+(m-1)*N+uint64(il)])
				q := R.rho - R.beta*psi
				lee, lpe := e.fEE[j], e.fPE[j]
				e.fEZ[j] = R.alpha * (e.fEZ[j] + lee*psi)
				e.fEE[j] = lee * q
				e.fPZ[j] = R.alpha * (e.fPZ[j] + (lpe+Kc1)*psi)
				e.fPE[j] = q * (lpe - Kcb)
			})
		})
	}
	// alif_zeta: z̄ to the block's end; Φ back to the identity.
	e.alifBrains(t, true, func(T *task, R *alifRec, B *brainRecord) {
		an := e.ltab[R.tabOff+n]
		e.taskNeurons(T, B, func(il uint32) {
			i := uint64(B.NeuronOff) + uint64(il)
			e.azeta[i] *= an
			r, k := uint64(il/B.NPR), il%B.NPR
			for m := uint64(1); m <= n; m++ {
				w := e.aspk[R.spkOff+(m-1)*R.wb+r*uint64(B.Words)+uint64(k>>5)]
				if w>>(k&31)&1 != 0 {
					e.azeta[i] += R.oma * e.ltab[R.tabOff+(n-m)]
				}
			}
			identity(i)
		})
	})
}
