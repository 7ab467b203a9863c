//go:build cuda

package gpu

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/encephagen/encephagen/engine/network"
)

// NewBatch lays out a batch of brains on the GPU: every network and its
// state are copied to the device once; runs then exchange only inputs and
// measurements. It fails with a clear message when no usable GPU is found.
func NewBatch(nets []*network.Network, noiseSeeds []uint64) (*Batch, error) {
	d, err := getDevice()
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	return newBatch(nets, noiseSeeds, func(p *plan) (executor, string, error) {
		e, err := newCUDAExec(d, p)
		if err != nil {
			return nil, "", err
		}
		return e, "cuda: " + d.String(), nil
	})
}

// The argument slots of every launch (argX, largX, aargX) and their
// counts are generated from the kernel interface table: abi_gen.go.

// cudaExec is a batch's device memory and launches.
type cudaExec struct {
	d       *device
	p       *plan
	deliver int // kDeliver or kDeliverU1 (deliverUnroll)
	args    [numArgs]uint64
	allocs  []devptr
	// the per-step buffers (chunkSteps rows), allocated on first use
	regPtr, rasPtr uint64
	regCap, rasCap int // their sizes, in 64-bit words
	// learning (learn.go), set up on first use
	L     *learnState
	largs [numLearnArgs]uint64
	aargs [numAlifArgs]uint64
	// pointers at args, largs and aargs (by signature), for the launches
	params          [numSigs][]unsafe.Pointer
	recCap, tabCap  int // capacity of the record and table buffers, in words
	arecCap         int
	alifReady       bool // the ALIF arrays are allocated
	histCap, spkCap int
}

func newCUDAExec(d *device, p *plan) (*cudaExec, error) {
	e := &cudaExec{d: d, p: p, deliver: kDeliver}
	e.params = [numSigs][]unsafe.Pointer{sigStep: kernelParams(e.args[:]), sigLearn: kernelParams(e.largs[:]), sigAlif: kernelParams(e.aargs[:])}
	if deliverUnroll == 1 {
		e.deliver = kDeliverU1
	}
	err := d.do(func() error {
		if err := e.upload(); err != nil {
			e.free()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	return e, nil
}

// alloc allocates bytes (at least 4) and records the buffer in argument
// slot a.
func (e *cudaExec) alloc(a int, bytes int) (devptr, error) {
	ptr, err := e.allocTo(&e.args[a], bytes)
	return ptr, err
}

// allocTo allocates bytes (at least 4) and stores the buffer's address in
// *arg.
func (e *cudaExec) allocTo(arg *uint64, bytes int) (devptr, error) {
	ptr, err := cuMemAlloc(max(bytes, 4))
	if err != nil {
		if free, total, ierr := cuMemGetInfo(); ierr == nil {
			err = fmt.Errorf("%w (%.2f GB free of %.2f GB)", err, float64(free)/1e9, float64(total)/1e9)
		}
		return 0, err
	}
	e.allocs = append(e.allocs, ptr)
	*arg = uint64(ptr)
	return ptr, nil
}

// put allocates a buffer for a slice and copies it to the device.
func put[T any](e *cudaExec, a int, xs []T) error { return putTo(e, &e.args[a], xs) }

// putTo allocates a buffer for a slice, copies it to the device and stores
// its address in *arg.
func putTo[T any](e *cudaExec, arg *uint64, xs []T) error {
	var zero T
	n := len(xs) * int(unsafe.Sizeof(zero))
	ptr, err := e.allocTo(arg, (n+7)/8*8)
	if err != nil {
		return err
	}
	if n > 0 {
		return cuMemcpyHtoD(ptr, unsafe.Pointer(&xs[0]), n)
	}
	return nil
}

// zeros allocates words 32-bit words of zeros.
func (e *cudaExec) zeros(a int, words int) error {
	ptr, err := e.alloc(a, words*4)
	if err != nil {
		return err
	}
	return cuMemsetD32(ptr, 0, max(words, 1))
}

func (e *cudaExec) upload() error {
	p := e.p
	steps := []func() error{
		func() error { return put(e, argTasks, flatRecords[uint32](p.tasks)) },
		func() error { return put(e, argBrains, flatRecords[uint32](p.brains)) },
		func() error { return put(e, argPaths, flatRecords[uint32](p.paths)) },
		func() error { return put(e, argEPre, p.ePre) },
		func() error { return put(e, argEW, p.eW) },
		func() error { return e.zeros(argHist, p.H*p.TW) },
		func() error { return e.zeros(argStamps, 2*p.H*p.TR) },
		func() error { return put(e, argSeeds, p.seeds) },
		func() error { return put(e, argPoisson, p.poisson) },
		func() error { return put(e, argNMDA, p.nmda) },
		func() error { return put(e, argV, p.v0) },
		func() error { return e.zeros(argISyn, p.TN) },
		func() error { return e.zeros(argINMDA, p.TN) },
		func() error { return e.zeros(argRefrac, p.TN) },
		func() error { return e.zeros(argA, p.TN) },
		func() error { return e.zeros(argCounts, p.TN) },
		func() error { return e.zeros(argExt, p.TN) },
		func() error { return e.zeros(argRunFlags, len(p.brains)) },
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	e.args[argH], e.args[argTW], e.args[argTR] = uint64(p.H), uint64(p.TW), uint64(p.TR)
	return cuCtxSynchronize()
}

// free releases every buffer; it runs on the device thread.
func (e *cudaExec) free() error {
	var errs []error
	for _, ptr := range e.allocs {
		errs = append(errs, cuMemFree(ptr))
	}
	e.allocs = nil
	return errors.Join(errs...)
}

func (e *cudaExec) close() error {
	return e.d.do(e.free)
}

func (e *cudaExec) beginRun(flags []uint32, ext []float32) error {
	return e.d.do(func() error {
		if err := cuMemcpyHtoD(devptr(e.args[argRunFlags]), unsafe.Pointer(&flags[0]), 4*len(flags)); err != nil {
			return err
		}
		if ext != nil {
			if err := cuMemcpyHtoD(devptr(e.args[argExt]), unsafe.Pointer(&ext[0]), 4*len(ext)); err != nil {
				return err
			}
		}
		return cuMemsetD32(devptr(e.args[argCounts]), 0, e.p.TN)
	})
}

func (e *cudaExec) beginChunk(rows int, bins, raster bool) error {
	return e.d.do(func() error {
		e.args[argRegCount], e.args[argRaster] = 0, 0
		if bins {
			if err := e.growTo(&e.regPtr, &e.regCap, (chunkSteps*e.p.TR+1)/2); err != nil {
				return err
			}
			e.args[argRegCount] = e.regPtr
			if err := cuMemsetD32(devptr(e.regPtr), 0, rows*e.p.TR); err != nil {
				return err
			}
		}
		if raster {
			if err := e.growTo(&e.rasPtr, &e.rasCap, (chunkSteps*e.p.TW+1)/2); err != nil {
				return err
			}
			// Every word of every step is written (brains without a
			// raster leave theirs unread), so no clearing is needed.
			e.args[argRaster] = e.rasPtr
		}
		return nil
	})
}

func (e *cudaExec) steps(t0 uint64, rows int) error {
	grid, block := len(e.p.tasks), e.p.Block
	return e.d.do(func() error {
		launcher := func(k int) func(launch) error {
			return func(l launch) error {
				e.args[argT], e.args[argSlot] = l.t, l.slot
				e.args[argNStep], e.args[argNSlot], e.args[argRel] = l.nstep, l.nslot, l.rel
				e.args[argNext] = 0
				if l.next {
					e.args[argNext] = 1
				}
				return e.launch(grid, block, k)
			}
		}
		var learn func(launch) error
		if lif, alif := e.L.learning(), e.L.alifLearning(); lif || alif {
			learn = func(l launch) error {
				if lif {
					e.largs[largT], e.largs[largSlot] = l.nstep, l.nslot
					if err := e.launch(grid, block, kLearnSpikes, kLearnPsi); err != nil {
						return err
					}
					if e.L.epochEnds(l.nstep) {
						if err := e.launch(grid, block, kLearnFlush, kLearnEnd); err != nil {
							return err
						}
					}
				}
				if alif {
					return e.alifLaunches(l, grid, block)
				}
				return nil
			}
		}
		return forSteps(t0, rows, uint64(e.p.H), launcher(kNeuron), launcher(e.deliver), learn)
	})
}

func (e *cudaExec) endChunk(rows int, bins, raster bool) (reg, ras []uint32, err error) {
	err = e.d.do(func() error {
		if err := cuCtxSynchronize(); err != nil {
			return fmt.Errorf("running the kernels: %w", err)
		}
		if bins {
			reg = make([]uint32, rows*e.p.TR)
			if err := cuMemcpyDtoH(unsafe.Pointer(&reg[0]), devptr(e.regPtr), 4*len(reg)); err != nil {
				return err
			}
		}
		if raster {
			ras = make([]uint32, rows*e.p.TW)
			if err := cuMemcpyDtoH(unsafe.Pointer(&ras[0]), devptr(e.rasPtr), 4*len(ras)); err != nil {
				return err
			}
		}
		return nil
	})
	return reg, ras, err
}

func (e *cudaExec) counts() ([]uint32, error) {
	out := make([]uint32, e.p.TN)
	err := e.d.do(func() error {
		return cuMemcpyDtoH(unsafe.Pointer(&out[0]), devptr(e.args[argCounts]), 4*len(out))
	})
	return out, err
}

func (e *cudaExec) state(off, n int) (State, error) {
	st := State{V: make([]float32, n), ISyn: make([]float32, n), INMDA: make([]float32, n), Refrac: make([]float32, n), A: make([]float32, n)}
	err := e.d.do(func() error {
		for _, x := range []struct {
			a   int
			dst []float32
		}{{argV, st.V}, {argISyn, st.ISyn}, {argINMDA, st.INMDA}, {argRefrac, st.Refrac}, {argA, st.A}} {
			if n == 0 {
				break
			}
			if err := cuMemcpyDtoH(unsafe.Pointer(&x.dst[0]), devptr(e.args[x.a])+devptr(4*off), 4*n); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

func (e *cudaExec) setState(off int, st State) error {
	n := len(st.V)
	if n == 0 {
		return nil
	}
	return e.d.do(func() error {
		for _, x := range []struct {
			a   int
			src []float32
		}{{argV, st.V}, {argISyn, st.ISyn}, {argINMDA, st.INMDA}, {argRefrac, st.Refrac}} {
			if err := cuMemcpyHtoD(devptr(e.args[x.a])+devptr(4*off), unsafe.Pointer(&x.src[0]), 4*n); err != nil {
				return err
			}
		}
		if st.A == nil {
			return cuMemsetD32(devptr(e.args[argA])+devptr(4*off), 0, n)
		}
		return cuMemcpyHtoD(devptr(e.args[argA])+devptr(4*off), unsafe.Pointer(&st.A[0]), 4*n)
	})
}

func (e *cudaExec) history() ([]uint32, []uint64, error) {
	hist := make([]uint32, e.p.H*e.p.TW)
	stamps := make([]uint64, e.p.H*e.p.TR)
	err := e.d.do(func() error {
		if err := cuMemcpyDtoH(unsafe.Pointer(&hist[0]), devptr(e.args[argHist]), 4*len(hist)); err != nil {
			return err
		}
		return cuMemcpyDtoH(unsafe.Pointer(&stamps[0]), devptr(e.args[argStamps]), 8*len(stamps))
	})
	return hist, stamps, err
}

func (e *cudaExec) setHistory(hist []uint32, stamps []uint64) error {
	return e.d.do(func() error {
		if err := cuMemcpyHtoD(devptr(e.args[argHist]), unsafe.Pointer(&hist[0]), 4*len(hist)); err != nil {
			return err
		}
		return cuMemcpyHtoD(devptr(e.args[argStamps]), unsafe.Pointer(&stamps[0]), 8*len(stamps))
	})
}

func (e *cudaExec) setWeights(lo, hi int) error {
	if hi <= lo {
		return nil
	}
	return e.d.do(func() error {
		return cuMemcpyHtoD(devptr(e.args[argEW])+devptr(4*lo), unsafe.Pointer(&e.p.eW[lo]), 4*(hi-lo))
	})
}

func (e *cudaExec) learnSetup(ls *learnState) error {
	e.L = ls
	return e.d.do(func() error {
		p := e.p
		la := &e.largs
		la[largTasks], la[largBrains], la[largHist] = e.args[argTasks], e.args[argBrains], e.args[argHist]
		la[largTW] = uint64(p.TW)
		for _, f := range []func() error{
			func() error { return putTo(e, &la[largStart], ls.start) },
			func() error { return putTo(e, &la[largPost], ls.post) },
			func() error { _, err := e.allocTo(&la[largC], 4*ls.synapses); return err },
			func() error { _, err := e.allocTo(&la[largA], 8*p.TN); return err },
			func() error { _, err := e.allocTo(&la[largS], 8*p.TN); return err },
			func() error { _, err := e.allocTo(&e.args[argPrev], 4*p.TN); return err },
			func() error { _, err := e.allocTo(&e.args[argPTheta], 4*p.TN); return err },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		la[largPrev] = e.args[argPrev]
		a := &e.aargs
		a[aargTasks], a[aargBrains], a[aargHist] = e.args[argTasks], e.args[argBrains], e.args[argHist]
		a[aargStart], a[aargPost], a[aargPrev], a[aargPTheta] = la[largStart], la[largPost], e.args[argPrev], e.args[argPTheta]
		a[aargTW] = uint64(p.TW)
		return nil
	})
}

// growTo makes *arg a buffer of at least words 64-bit words (*capacity
// tracks it); the old contents are not kept.
func (e *cudaExec) growTo(arg *uint64, capacity *int, words int) error {
	if words <= *capacity {
		return nil
	}
	if _, err := e.allocTo(arg, 8*words); err != nil {
		return err
	}
	*capacity = words
	return nil
}

func (e *cudaExec) learnRecords(ls *learnState) error {
	return e.d.do(func() error {
		p := e.p
		rec, arec := flatRecords[uint64](ls.rec), flatRecords[uint64](ls.arec)
		if err := e.growTo(&e.largs[largRec], &e.recCap, len(rec)); err != nil {
			return err
		}
		if err := e.growTo(&e.aargs[aargRec], &e.arecCap, len(arec)); err != nil {
			return err
		}
		if err := e.growTo(&e.largs[largTab], &e.tabCap, len(ls.tab)); err != nil {
			return err
		}
		e.aargs[aargTab] = e.largs[largTab]
		if ls.alifLearning() && !e.alifReady {
			a := &e.aargs
			for _, x := range []struct {
				arg   *uint64
				bytes int
			}{{&a[aargEps], 4 * ls.synapses}, {&a[aargE], 4 * ls.synapses}, {&a[aargZeta], 8 * p.TN},
				{&a[aargFEZ], 8 * p.TN}, {&a[aargFEE], 8 * p.TN}, {&a[aargFPZ], 8 * p.TN}, {&a[aargFPE], 8 * p.TN}} {
				if _, err := e.allocTo(x.arg, x.bytes); err != nil {
					return err
				}
			}
			e.alifReady = true
		}
		if err := e.growTo(&e.aargs[aargAHist], &e.histCap, (ls.histLen+1)/2); err != nil {
			return err
		}
		if err := e.growTo(&e.aargs[aargSpk], &e.spkCap, (ls.spkLen+1)/2); err != nil {
			return err
		}
		for _, x := range []struct {
			dst uint64
			src []uint64
		}{{e.largs[largRec], rec}, {e.aargs[aargRec], arec}} {
			if err := cuMemcpyHtoD(devptr(x.dst), unsafe.Pointer(&x.src[0]), 8*len(x.src)); err != nil {
				return err
			}
		}
		if len(ls.tab) > 0 {
			return cuMemcpyHtoD(devptr(e.largs[largTab]), unsafe.Pointer(&ls.tab[0]), 8*len(ls.tab))
		}
		return nil
	})
}

func (e *cudaExec) learnMove(up bool, buf learnBuf, off int, host any) error {
	base := map[learnBuf]uint64{
		bufC: e.largs[largC], bufA: e.largs[largA], bufS: e.largs[largS],
		bufEps: e.aargs[aargEps], bufE: e.aargs[aargE], bufZeta: e.aargs[aargZeta],
		bufFEZ: e.aargs[aargFEZ], bufFEE: e.aargs[aargFEE], bufFPZ: e.aargs[aargFPZ], bufFPE: e.aargs[aargFPE],
		bufHist: e.aargs[aargAHist], bufSpk: e.aargs[aargSpk],
	}[buf]
	var ptr unsafe.Pointer
	var size, n int
	switch h := host.(type) {
	case []float32:
		ptr, size, n = unsafe.Pointer(unsafe.SliceData(h)), 4, len(h)
	case []float64:
		ptr, size, n = unsafe.Pointer(unsafe.SliceData(h)), 8, len(h)
	case []uint32:
		ptr, size, n = unsafe.Pointer(unsafe.SliceData(h)), 4, len(h)
	default:
		return fmt.Errorf("gpu: learnMove: host memory of type %T", host)
	}
	if n == 0 {
		return nil
	}
	dev := devptr(base + uint64(size*off))
	return e.d.do(func() error {
		if up {
			return cuMemcpyHtoD(dev, ptr, size*n)
		}
		return cuMemcpyDtoH(ptr, dev, size*n)
	})
}

// launch launches kernels ks in order, each with the argument array of
// its parameter list (kernelSig).
func (e *cudaExec) launch(grid, block int, ks ...int) error {
	for _, k := range ks {
		if err := cuLaunch(e.d.fn[k], grid, block, e.params[kernelSig[k]]); err != nil {
			return fmt.Errorf("%s: %w", kernelNames[k], err)
		}
	}
	return nil
}

// alifLaunches runs the ALIF learning kernels after the neurons of step
// l.nstep: alif_observe, and at the end of a block the flush and sweep.
func (e *cudaExec) alifLaunches(l launch, grid, block int) error {
	a := &e.aargs
	a[aargT], a[aargSlot], a[aargM] = l.nstep, l.nslot, 0
	if err := e.launch(grid, block, kAlifObserve); err != nil {
		return err
	}
	if !e.L.blockEnds(l.nstep) {
		return nil
	}
	if err := e.launch(grid, block, kAlifPass, kAlifIdentity); err != nil {
		return err
	}
	for m := e.L.blockB; m >= 1; m-- {
		a[aargM] = uint64(m)
		if err := e.launch(grid, block, kAlifSweepSpikes); err != nil {
			return err
		}
		if m > 1 {
			if err := e.launch(grid, block, kAlifSweepNeurons); err != nil {
				return err
			}
		}
	}
	return e.launch(grid, block, kAlifZeta)
}
