package gpu

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/encephagen/encephagen/engine/network"
)

// NewReference returns a batch run on the CPU by a Go transcription of the
// CUDA kernels (kernels/step.cu): the same plan, the same per-thread code
// and the same block-level publication of spikes. It is slow (one thread)
// and exists to prove the kernels' algorithm: tests show it reproduces the
// CPU engine exactly, and the GPU tests show the kernels reproduce it.
func NewReference(nets []*network.Network, noiseSeeds []uint64) (*Batch, error) {
	return newBatch(nets, noiseSeeds, func(p *plan) (executor, string, error) {
		return newRefExec(p), "reference (Go transcription of the CUDA kernels)", nil
	})
}

// refExec holds the device arrays in host memory.
type refExec struct {
	p                      *plan
	hist                   []uint32
	stamps                 []uint64
	V, ISyn, INMDA, Refrac []float32
	A                      []float32
	cnt                    []uint32
	ext                    []float32
	flags                  []uint32
	regcount, raster       []uint32
	// order, when set, is the order in which blocks run (the device gives
	// none; tests use it to show results do not depend on it).
	order []int
	z     []bool // one block's spikes

	// Learning (learn.go): the records, tables and arrays of step.cu's
	// learn and alif kernels.
	L             *learnState
	lrec          []learnRecord
	arec          []alifRecord
	ltab          []float64
	lc, aeps, ae  []float32
	la, lS, azeta []float64
	fEZ, fEE      []float64
	fPZ, fPE      []float64
	ahist         []float32
	aspk          []uint32
	prev, ptheta  []float32
	lstart, lpst  []uint32
}

func newRefExec(p *plan) *refExec {
	e := &refExec{
		p:      p,
		hist:   make([]uint32, p.H*p.TW),
		stamps: make([]uint64, p.H*p.TR),
		V:      append([]float32(nil), p.v0...),
		ISyn:   make([]float32, p.TN), INMDA: make([]float32, p.TN),
		Refrac: make([]float32, p.TN), A: make([]float32, p.TN),
		cnt: make([]uint32, p.TN),
		z:   make([]bool, p.Block),
	}
	return e
}

func (e *refExec) beginRun(flags []uint32, ext []float32) error {
	e.flags = flags
	e.ext = ext
	clear(e.cnt)
	return nil
}

func (e *refExec) beginChunk(rows int, bins, raster bool) error {
	e.regcount, e.raster = nil, nil
	if bins {
		e.regcount = make([]uint32, rows*e.p.TR)
	}
	if raster {
		e.raster = make([]uint32, rows*e.p.TW)
	}
	return nil
}

func (e *refExec) endChunk(rows int, bins, raster bool) ([]uint32, []uint32, error) {
	return e.regcount, e.raster, nil
}

func (e *refExec) counts() ([]uint32, error) { return e.cnt, nil }

func (e *refExec) state(off, n int) (State, error) {
	c := func(x []float32) []float32 { return append([]float32(nil), x[off:off+n]...) }
	return State{V: c(e.V), ISyn: c(e.ISyn), INMDA: c(e.INMDA), Refrac: c(e.Refrac), A: c(e.A)}, nil
}

func (e *refExec) setState(off int, st State) error {
	n := len(st.V)
	copy(e.V[off:off+n], st.V)
	copy(e.ISyn[off:off+n], st.ISyn)
	copy(e.INMDA[off:off+n], st.INMDA)
	copy(e.Refrac[off:off+n], st.Refrac)
	if st.A != nil {
		copy(e.A[off:off+n], st.A)
	} else {
		clear(e.A[off : off+n])
	}
	return nil
}

func (e *refExec) history() ([]uint32, []uint64, error) {
	return append([]uint32(nil), e.hist...), append([]uint64(nil), e.stamps...), nil
}

func (e *refExec) setHistory(hist []uint32, stamps []uint64) error {
	copy(e.hist, hist)
	copy(e.stamps, stamps)
	return nil
}

// setWeights: the reference executor reads the plan's weights directly.
func (e *refExec) setWeights(lo, hi int) error { return nil }

func (e *refExec) close() error { return nil }

func (e *refExec) blocks(f func(t *task)) {
	if e.order != nil {
		for _, b := range e.order {
			f(&e.p.tasks[b])
		}
		return
	}
	for b := range e.p.tasks {
		f(&e.p.tasks[b])
	}
}

// wyrandAt is the n-th output (n from 0) of the wyrand stream with state
// seed: the state after n+1 draws is seed + (n+1)·0xa0761d6478bd642f.
func wyrandAt(seed, n uint64) uint64 {
	s := seed + (n+1)*0xa0761d6478bd642f
	hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// neuronUpdate is step.cu's neuron_update: points 1–7 of one neuron.
func (e *refExec) neuronUpdate(B *brainRecord, rflags, i, k, g uint32, step uint64, isyn, inmda float32) bool {
	p := e.p
	bitsv := wyrandAt(p.seeds[g], step*uint64(B.Draws)+uint64(k>>1))
	var u uint32
	if k&1 != 0 {
		u = uint32(bitsv)
	} else {
		u = uint32(bitsv >> 32)
	}
	table := p.poisson[B.PoissonOff:]
	n := uint32(0)
	for n < B.PoissonLast && u >= table[n] {
		n++
	}
	isyn = isyn + float32(n)*B.JEff
	if rflags&runExt != 0 {
		isyn = isyn + e.ext[i]
	}
	e.ISyn[i] = isyn
	v, ref := e.V[i], e.Refrac[i]
	active := ref <= 0
	if active {
		v = v + B.DtOverTau*((isyn-v)+inmda)
	}
	alif := B.Flags&flagALIF != 0
	theta := B.VTh
	if alif {
		theta = B.VTh + B.Beta*e.A[i]
	}
	if rflags&runLearn != 0 {
		e.prev[i], e.ptheta[i] = v, theta // 5. learning sees the pre-reset v
	}
	z := active && v >= theta
	if z {
		if alif {
			v = v - theta
		} else {
			v = B.VReset
		}
		ref = B.TRef
	}
	if alif {
		a := B.Rho * e.A[i]
		if z {
			a = a + 1
		}
		e.A[i] = a
	}
	e.V[i] = v
	e.Refrac[i] = fmaxf(ref-B.Dt, 0)
	if z {
		e.cnt[i]++
	}
	return z
}

// fmaxf is CUDA's fmaxf for the values that occur (no NaN).
func fmaxf(a, b float32) float32 {
	if a > b {
		return a
	}
	if a == b && !math.Signbit(float64(a)) { // fmaxf(+0, -0) may return either; +0 here
		return a
	}
	return b
}

// publish is step.cu's publish: the block's spike words, stamp and
// optional raster and region counts.
func (e *refExec) publish(T *task, B *brainRecord, rflags uint32, l launch) {
	p := e.p
	TW, TR := uint64(p.TW), uint64(p.TR)
	cnt := uint32(0)
	for w := 0; w < p.Block/32; w++ {
		var word uint32
		for lane := 0; lane < 32; lane++ {
			if e.z[w*32+lane] {
				word |= 1 << lane
				cnt++
			}
		}
		wk := T.First + uint32(w)*32
		if wk < B.NPR {
			gw := uint64(B.WordOff) + uint64(T.LocalRegion)*uint64(B.Words) + uint64(wk>>5)
			e.hist[l.nslot*TW+gw] = word
			if e.raster != nil && rflags&runRaster != 0 {
				e.raster[l.rel*TW+gw] = word
			}
		}
	}
	if cnt > 0 {
		e.stamps[l.nslot*TR+uint64(T.Region)] = l.nstep + 1
		if e.regcount != nil && rflags&runBins != 0 {
			e.regcount[l.rel*TR+uint64(T.Region)] += cnt
		}
	}
}

func (e *refExec) steps(t0 uint64, rows int) error {
	var learn func(launch) error
	if e.L.learning() || e.L.alifLearning() {
		learn = e.learnStep
	}
	return forSteps(t0, rows, uint64(e.p.H), e.neuron, e.deliver, learn)
}

func (e *refExec) neuron(l launch) error {
	e.blocks(func(T *task) {
		B := &e.p.brains[T.Brain]
		rflags := e.flags[T.Brain]
		for x := 0; x < e.p.Block; x++ {
			k := T.First + uint32(x)
			e.z[x] = false
			if k < B.NPR {
				i := B.NeuronOff + T.LocalRegion*B.NPR + k
				e.z[x] = e.neuronUpdate(B, rflags, i, k, T.Region, l.nstep, e.ISyn[i], e.INMDA[i])
			}
		}
		e.publish(T, B, rflags, l)
	})
	return nil
}

func (e *refExec) deliver(l launch) error {
	p := e.p
	H, TW, TR := uint64(p.H), uint64(p.TW), uint64(p.TR)
	e.blocks(func(T *task) {
		B := &p.brains[T.Brain]
		rflags := e.flags[T.Brain]
		for x := 0; x < p.Block; x++ {
			k := T.First + uint32(x)
			e.z[x] = false
			if k >= B.NPR {
				continue
			}
			i := B.NeuronOff + T.LocalRegion*B.NPR + k
			// 8. pathways in summation order; those whose source region
			// did not spike at the emission step are skipped.
			var I float32
			for q := T.PathStart; q < T.PathEnd; q++ {
				P := &p.paths[q]
				d := uint64(P.Delay)
				if l.t < d {
					continue
				}
				s := l.slot - d
				if l.slot < d {
					s = l.slot + H - d
				}
				if e.stamps[s*TR+uint64(P.Src)] != l.t-d+1 {
					continue
				}
				h := e.hist[s*TW+uint64(P.SrcWord):]
				ent := uint64(P.EntryBase) + uint64(k)
				for row := uint32(0); row < P.Rows; row, ent = row+1, ent+uint64(B.NPR) {
					pre := p.ePre[ent]
					if pre == sentinel {
						break
					}
					if h[pre>>5]>>(pre&31)&1 != 0 {
						I = I + p.eW[ent]
					}
				}
			}
			// 9. currents decay and take the input.
			isyn := e.ISyn[i]*B.DecaySyn + I
			inmda := e.INMDA[i]
			if p.nmda[i] != 0 {
				inmda = inmda*B.DecayNMDA + B.NMDARatio*I
				e.INMDA[i] = inmda
			}
			if l.next {
				e.z[x] = e.neuronUpdate(B, rflags, i, k, T.Region, l.nstep, isyn, inmda)
			} else {
				e.ISyn[i] = isyn
			}
		}
		if l.next {
			e.publish(T, B, rflags, l)
		}
	})
	return nil
}

func (e *refExec) learnSetup(ls *learnState) error {
	e.L = ls
	e.lstart, e.lpst = ls.start, ls.post
	e.lc, e.aeps, e.ae = make([]float32, ls.synapses), make([]float32, ls.synapses), make([]float32, ls.synapses)
	n := e.p.TN
	e.la, e.lS, e.azeta = make([]float64, n), make([]float64, n), make([]float64, n)
	e.fEZ, e.fEE, e.fPZ, e.fPE = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	e.prev, e.ptheta = make([]float32, n), make([]float32, n)
	return nil
}

func (e *refExec) learnRecords(ls *learnState) error {
	e.lrec, e.arec, e.ltab = ls.rec, ls.arec, ls.tab
	if len(e.ahist) < ls.histLen {
		e.ahist = make([]float32, ls.histLen)
	}
	if len(e.aspk) < ls.spkLen {
		e.aspk = make([]uint32, ls.spkLen)
	}
	return nil
}

func (e *refExec) learnMove(up bool, buf learnBuf, off int, host any) error {
	var dev any
	switch buf {
	case bufC:
		dev = e.lc
	case bufA:
		dev = e.la
	case bufS:
		dev = e.lS
	case bufEps:
		dev = e.aeps
	case bufE:
		dev = e.ae
	case bufZeta:
		dev = e.azeta
	case bufFEZ:
		dev = e.fEZ
	case bufFEE:
		dev = e.fEE
	case bufFPZ:
		dev = e.fPZ
	case bufFPE:
		dev = e.fPE
	case bufHist:
		dev = e.ahist
	case bufSpk:
		dev = e.aspk
	}
	switch h := host.(type) {
	case []float32:
		moveSlice(up, dev.([]float32)[off:], h)
	case []float64:
		moveSlice(up, dev.([]float64)[off:], h)
	case []uint32:
		moveSlice(up, dev.([]uint32)[off:], h)
	default:
		return fmt.Errorf("gpu: learnMove: host memory of type %T", host)
	}
	return nil
}

func moveSlice[T any](up bool, dev, host []T) {
	if up {
		copy(dev, host)
	} else {
		copy(host, dev[:len(host)])
	}
}

// learnStep is step.cu's learn launches after the neurons of step l.nstep.
func (e *refExec) learnStep(l launch) error {
	if e.L.learning() {
		e.learnSpikes(l.nstep, l.nslot)
		e.learnPsi(l.nstep)
		if e.L.epochEnds(l.nstep) {
			e.learnFlush(l.nstep)
			e.learnEnd(l.nstep)
		}
	}
	if e.L.alifLearning() {
		e.alifObserve(l.nstep, l.nslot)
		if e.L.blockEnds(l.nstep) {
			e.alifBlockEnd(l.nstep)
		}
	}
	return nil
}

// learnRec is one brain's learning record (step.cu's LearnRec).
type learnRec struct {
	startOff, synOff, K, tabOff uint64
	base                        int64
	on                          bool
	vth, invVth                 float64
}

func (e *refExec) learnRec(b uint32) learnRec {
	r := &e.lrec[b]
	return learnRec{r.StartOff, r.SynOff, r.K, r.TabOff, int64(r.Base), r.On != 0,
		math.Float64frombits(r.VthBits), math.Float64frombits(r.InvVthBits)}
}

func (R *learnRec) k(t uint64) int { return epochStep(t, R.base, int(R.K)) }

// learnSpikes is learn_spikes: each spike of step t lowers its outgoing
// synapses' offsets by dA[k]·S_post and raises its a by dA[k].
func (e *refExec) learnSpikes(t, slot uint64) {
	p := e.p
	e.blocks(func(T *task) {
		R := e.learnRec(T.Brain)
		if !R.on {
			return
		}
		B := &p.brains[T.Brain]
		da := e.ltab[R.tabOff+uint64(R.k(t))]
		for w := uint32(0); w < uint32(p.Block)/32; w++ {
			wk := T.First + w*32
			if wk >= B.NPR {
				break
			}
			word := e.hist[slot*uint64(p.TW)+uint64(B.WordOff)+uint64(T.LocalRegion)*uint64(B.Words)+uint64(wk>>5)]
			for word != 0 {
				bit := uint32(bits.TrailingZeros32(word))
				word &= word - 1
				il := T.LocalRegion*B.NPR + wk + bit
				s0, s1 := e.lstart[R.startOff+uint64(il)], e.lstart[R.startOff+uint64(il)+1]
				for s := s0; s < s1; s++ {
					g := R.synOff + uint64(s)
					j := B.NeuronOff + e.lpst[g]
					e.lc[g] = float32(float64(e.lc[g]) - da*e.lS[j])
				}
				e.la[B.NeuronOff+il] += da
			}
		}
	})
}

// learnNeurons calls f for every neuron (its index inside its brain) of
// the brains that learn — only those at the K-th step of an epoch when
// epochEnd — block by block, as the per-neuron learn kernels run.
func (e *refExec) learnNeurons(t uint64, epochEnd bool, f func(R *learnRec, B *brainRecord, il uint32)) {
	p := e.p
	e.blocks(func(T *task) {
		R := e.learnRec(T.Brain)
		if !R.on || (epochEnd && R.k(t) != int(R.K)) {
			return
		}
		B := &p.brains[T.Brain]
		for x := 0; x < p.Block; x++ {
			k := T.First + uint32(x)
			if k >= B.NPR {
				break
			}
			f(&R, B, T.LocalRegion*B.NPR+k)
		}
	})
}

// learnPsi is learn_psi: S += max(0, w − |v − v_th|·w/v_th), w = γ·(α/κ)^k.
func (e *refExec) learnPsi(t uint64) {
	e.learnNeurons(t, false, func(R *learnRec, B *brainRecord, il uint32) {
		w := e.ltab[R.tabOff+(R.K+1)+uint64(R.k(t))]
		wi := w * R.invVth
		i := B.NeuronOff + il
		y := w - math.Abs(float64(e.prev[i])-R.vth)*wi
		if !(y > 0) {
			y = 0
		}
		e.lS[i] += y
	})
}

// learnFlush is learn_flush, for brains at the K-th step of an epoch:
// c = κ^K·(c + a_pre·S_post) (κ^K·c where a_pre = 0).
func (e *refExec) learnFlush(t uint64) {
	e.learnNeurons(t, true, func(R *learnRec, B *brainRecord, il uint32) {
		kap := e.ltab[R.tabOff+2*(R.K+1)+R.K]
		ai := e.la[B.NeuronOff+il]
		s0, s1 := e.lstart[R.startOff+uint64(il)], e.lstart[R.startOff+uint64(il)+1]
		for s := s0; s < s1; s++ {
			g := R.synOff + uint64(s)
			if ai == 0 {
				e.lc[g] = float32(kap * float64(e.lc[g]))
			} else {
				e.lc[g] = float32(kap * (float64(e.lc[g]) + ai*e.lS[B.NeuronOff+e.lpst[g]]))
			}
		}
	})
}

// learnEnd is learn_end: a ·= α^K, S = 0, for brains that flushed.
func (e *refExec) learnEnd(t uint64) {
	e.learnNeurons(t, true, func(R *learnRec, B *brainRecord, il uint32) {
		i := B.NeuronOff + il
		e.la[i] *= e.ltab[R.tabOff+3*(R.K+1)+R.K]
		e.lS[i] = 0
	})
}
