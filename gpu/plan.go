package gpu

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/parallel"
	"github.com/encephagen/encephagen/engine/rng"
	"github.com/encephagen/encephagen/engine/sim"
)

// The records the kernels read (brainRecord, task, path), their sizes,
// and the constants shared with step.cu (flagALIF, the run flags runExt …
// runLearn, sentinel, maxBlock) are generated from the kernel interface
// table: abi_gen.go.

// plan is the device layout of a batch of brains. Building it is the only
// place where the networks are read; the CUDA backend uploads it and the
// reference executor runs on it.
type plan struct {
	nets   []*network.Network
	Block  int // threads per block: a multiple of 32, at most 1024
	H      int // spike-history slots: the largest delay + 2
	TN     int // neurons in all brains
	TW     int // spike words per history slot
	TR     int // regions in all brains
	brains []brainRecord
	tasks  []task
	paths  []path
	// Entries: presynaptic neuron (index inside its region) and weight.
	ePre    []uint32
	eW      []float32
	entries int
	// Per brain: its first entry, and the entry (from there) of every
	// synapse of its network in CSR order, to replace weights (SetNetwork).
	entryOff []int
	entryOf  [][]uint32
	// Per neuron and per region.
	nmda    []uint8
	seeds   []uint64 // background stream seed of every region
	poisson []uint32
	v0      []float32 // initial potentials
}

// blockLimit caps the block size (tests lower it to give regions several
// blocks); a multiple of 32, at most maxBlock.
var blockLimit = maxBlock

// newPlan lays out a batch. Every brain may have its own network (any
// size, delays, parameters) and noise seed.
func newPlan(nets []*network.Network, seeds []uint64) (*plan, error) {
	if len(nets) == 0 {
		return nil, fmt.Errorf("gpu: a batch needs at least one brain")
	}
	if len(seeds) != len(nets) {
		return nil, fmt.Errorf("gpu: %d noise seeds for %d brains", len(seeds), len(nets))
	}
	p := &plan{nets: nets}
	maxNPR, maxDelay := 0, 0
	for b, net := range nets {
		if net == nil {
			return nil, fmt.Errorf("gpu: brain %d has no network", b)
		}
		if err := checkNetwork(net); err != nil {
			return nil, fmt.Errorf("gpu: brain %d: %w", b, err)
		}
		maxNPR = max(maxNPR, net.NPR)
		maxDelay = max(maxDelay, net.MaxDelay)
	}
	p.Block = min(blockLimit, (maxNPR+31)/32*32)
	p.H = maxDelay + 2
	// Brains are laid out concurrently, then concatenated in order.
	parts := make([]*part, len(nets))
	errs := make([]error, len(nets))
	parallel.For(len(nets), 0, func(b int) {
		parts[b], errs[b] = buildPart(nets[b], seeds[b], p.Block)
	})
	entries := 0
	for b := range nets {
		if errs[b] != nil {
			return nil, fmt.Errorf("gpu: brain %d: %w", b, errs[b])
		}
		entries += parts[b].entries
	}
	if entries >= math.MaxUint32 {
		return nil, fmt.Errorf("gpu: batch too large: %d synapse entries (max 2^32)", entries)
	}
	p.ePre = make([]uint32, entries)
	p.eW = make([]float32, entries)
	p.entryOff = make([]int, len(nets))
	p.entryOf = make([][]uint32, len(nets))
	for b := range nets {
		p.entryOff[b] = p.entries
		p.assemble(parts[b])
	}
	// Fill every brain's entries in place, concurrently.
	parallel.For(len(nets), 0, func(b int) {
		lo, hi := p.entryOff[b], p.entryOff[b]+parts[b].entries
		pre := p.ePre[lo:hi]
		for i := range pre {
			pre[i] = sentinel
		}
		p.entryOf[b] = make([]uint32, len(nets[b].Post))
		parts[b].fill(pre, p.eW[lo:hi], p.entryOf[b])
		parts[b] = nil
	})
	if int64(p.TW)*int64(p.H) >= math.MaxUint32 || p.TN >= math.MaxUint32 {
		return nil, fmt.Errorf("gpu: batch too large for 32-bit indices (%d neurons, %d history words)", p.TN, int64(p.TW)*int64(p.H))
	}
	return p, nil
}

// checkNetwork refuses networks whose arrays do not agree with their sizes.
func checkNetwork(net *network.Network) error {
	switch {
	case net.NPR < 1 || net.Regions < 1 || net.N != net.NPR*net.Regions:
		return fmt.Errorf("network shape %d regions × %d neurons ≠ %d neurons", net.Regions, net.NPR, net.N)
	case len(net.Start) != net.N+1 || len(net.NMDA) != net.N:
		return fmt.Errorf("network arrays do not match its %d neurons", net.N)
	case len(net.Post) != len(net.W) || int(net.Start[net.N]) != len(net.Post):
		return fmt.Errorf("network synapse arrays disagree")
	case net.Delay != nil && len(net.Delay) != len(net.Post):
		return fmt.Errorf("network has %d delays for %d synapses", len(net.Delay), len(net.Post))
	case net.MaxDelay < 0 || net.MaxDelay > math.MaxUint16:
		return fmt.Errorf("network max delay %d out of range", net.MaxDelay)
	}
	return nil
}

// incoming is one synapse seen from its target.
type incoming struct {
	delay uint32
	pre   uint32 // global neuron index inside the brain
	w     float32
	s     uint32 // the synapse's index in the network (CSR)
}

// part is one brain's share of a plan, with indices local to the brain
// (entries, pathways, neurons, regions, words); assemble shifts them.
type part struct {
	br      brainRecord
	tasks   []task
	paths   []path
	entries int
	// fill writes the part's synapse entries into ePre and eW (of length
	// entries, ePre preset to sentinel) and the entry of every synapse
	// into entryOf.
	fill    func(ePre []uint32, eW []float32, entryOf []uint32)
	nmda    []uint8
	seeds   []uint64
	poisson []uint32
	v0      []float32
	words   int
}

// buildPart lays out one brain (MODEL.md §3 constants, §5 delays).
func buildPart(net *network.Network, seed uint64, block int) (*part, error) {
	par := &net.Params
	npr := net.NPR
	words := (npr + 31) / 32
	poisson := rng.NewPoisson(par.Lambda())
	pt := &part{words: words, poisson: poisson.T}
	pt.br = brainRecord{
		NPR: uint32(npr), Words: uint32(words), Draws: uint32((npr + 1) / 2),
		PoissonLast: uint32(len(poisson.T) - 1),
	}
	k := sim.StepConstants(par) // the CPU engine's very values
	pt.br.JEff, pt.br.DtOverTau, pt.br.VTh, pt.br.VReset, pt.br.TRef, pt.br.Dt = k.JEff, k.DtOverTau, k.VTh, k.VReset, k.TRef, k.Dt
	pt.br.DecaySyn, pt.br.DecayNMDA, pt.br.NMDARatio, pt.br.Beta, pt.br.Rho = k.DecaySyn, k.DecayNMDA, k.NMDARatio, k.Beta, k.Rho
	if par.ALIF {
		pt.br.Flags |= flagALIF
	}
	pt.nmda = make([]uint8, net.N)
	for i, on := range net.NMDA {
		if on {
			pt.nmda[i] = 1
		}
	}
	vth := float32(par.VThMV)
	pt.v0 = make([]float32, 0, net.N)
	for r := 0; r < net.Regions; r++ {
		init := rng.New(seed, sim.StreamInit, uint64(r))
		for k := 0; k < npr; k++ {
			pt.v0 = append(pt.v0, init.Float32()*vth)
		}
		pt.seeds = append(pt.seeds, rng.Mix(seed, sim.StreamBackground, uint64(r)))
	}

	// Incoming synapses of every neuron, in CSR order: presynaptic neuron
	// ascending, then synapse index ascending.
	in := make([]int32, net.N+1) // counts, then starts
	for _, post := range net.Post {
		if int(post) >= net.N {
			return nil, fmt.Errorf("synapse target %d out of range [0, %d)", post, net.N)
		}
		in[post+1]++
	}
	for i := 0; i < net.N; i++ {
		in[i+1] += in[i]
	}
	syn := make([]incoming, len(net.Post))
	fill := slices.Clone(in[:net.N])
	for pre := 0; pre < net.N; pre++ {
		for s := net.Start[pre]; s < net.Start[pre+1]; s++ {
			post := net.Post[s]
			d := uint32(0)
			if net.Delay != nil {
				d = uint32(net.Delay[s])
			}
			if int(d) > net.MaxDelay {
				return nil, fmt.Errorf("synapse %d has delay %d above the network's max %d", s, d, net.MaxDelay)
			}
			syn[fill[post]] = incoming{d, uint32(pre), net.W[s], uint32(s)}
			fill[post]++
		}
	}

	// Pass 1, region by region: the pathways in summation order (delay
	// descending, i.e. emission step ascending, then source region
	// ascending), the pathway of every incoming synapse, and the rows of
	// every pathway (the most synapses one neuron has in it).
	pathOf := make([]int32, len(syn))
	type regionPaths struct{ start, end int }
	regs := make([]regionPaths, net.Regions)
	var count []int32
	entries := 0
	for r := 0; r < net.Regions; r++ {
		lo, hi := in[r*npr], in[(r+1)*npr]
		seen := map[uint64]int32{}
		var keys []uint64 // delay<<32 | source region
		for j := lo; j < hi; j++ {
			s := &syn[j]
			kk := uint64(s.delay)<<32 | uint64(s.pre/uint32(npr))
			if _, ok := seen[kk]; !ok {
				seen[kk] = 0
				keys = append(keys, kk)
			}
		}
		slices.SortFunc(keys, func(a, b uint64) int {
			if da, db := a>>32, b>>32; da != db {
				return cmp.Compare(db, da)
			}
			return cmp.Compare(uint32(a), uint32(b))
		})
		for i, kk := range keys {
			seen[kk] = int32(i)
		}
		for j := lo; j < hi; j++ {
			s := &syn[j]
			pathOf[j] = seen[uint64(s.delay)<<32|uint64(s.pre/uint32(npr))]
		}
		rows := make([]int32, len(keys))
		count = slices.Grow(count[:0], len(keys))[:len(keys)]
		for k := 0; k < npr; k++ {
			clear(count)
			post := r*npr + k
			for j := in[post]; j < in[post+1]; j++ {
				i := pathOf[j]
				count[i]++
				rows[i] = max(rows[i], count[i])
			}
		}
		regs[r].start = len(pt.paths)
		for i, kk := range keys {
			pt.paths = append(pt.paths, path{
				Src:       uint32(kk),
				Delay:     uint32(kk >> 32),
				SrcWord:   uint32(int(uint32(kk)) * words),
				EntryBase: uint32(entries),
				Rows:      uint32(rows[i]),
			})
			entries += int(rows[i]) * npr
		}
		regs[r].end = len(pt.paths)
		for first := 0; first < npr; first += block {
			pt.tasks = append(pt.tasks, task{
				Region: uint32(r), LocalRegion: uint32(r),
				First: uint32(first), PathStart: uint32(regs[r].start), PathEnd: uint32(regs[r].end),
			})
		}
	}
	// Pass 2 (later, into the batch's arrays): fill the columns.
	// Iterating each neuron's synapses in CSR order keeps presynaptic
	// neurons ascending inside every pathway.
	if entries >= math.MaxUint32 {
		return nil, fmt.Errorf("too large: %d synapse entries", entries)
	}
	pt.entries = entries
	pt.fill = func(ePre []uint32, eW []float32, entryOf []uint32) {
		var count []int32
		for r := 0; r < net.Regions; r++ {
			paths := pt.paths[regs[r].start:regs[r].end]
			count = slices.Grow(count[:0], len(paths))[:len(paths)]
			for k := 0; k < npr; k++ {
				clear(count)
				post := r*npr + k
				for j := in[post]; j < in[post+1]; j++ {
					i := pathOf[j]
					e := int(paths[i].EntryBase) + int(count[i])*npr + k
					count[i]++
					ePre[e] = syn[j].pre % uint32(npr)
					eW[e] = syn[j].w
					entryOf[syn[j].s] = uint32(e)
				}
			}
		}
	}
	return pt, nil
}

// assemble appends a brain's part (all but its synapse entries, which
// fill writes later), shifting its local indices.
func (p *plan) assemble(pt *part) {
	b := uint32(len(p.brains))
	br := pt.br
	br.NeuronOff, br.RegionOff, br.WordOff = uint32(p.TN), uint32(p.TR), uint32(p.TW)
	br.PoissonOff = uint32(len(p.poisson))
	entryOff := p.entries
	p.entries += pt.entries
	pathOff := uint32(len(p.paths))
	for _, t := range pt.tasks {
		t.Brain = b
		t.Region += uint32(p.TR)
		t.PathStart += pathOff
		t.PathEnd += pathOff
		p.tasks = append(p.tasks, t)
	}
	for _, q := range pt.paths {
		q.Src += uint32(p.TR)
		q.SrcWord += uint32(p.TW)
		q.EntryBase += uint32(entryOff)
		p.paths = append(p.paths, q)
	}
	p.nmda = append(p.nmda, pt.nmda...)
	p.seeds = append(p.seeds, pt.seeds...)
	p.poisson = append(p.poisson, pt.poisson...)
	p.v0 = append(p.v0, pt.v0...)
	p.brains = append(p.brains, br)
	p.TN += int(br.NPR) * len(pt.seeds)
	p.TR += len(pt.seeds)
	p.TW += len(pt.seeds) * pt.words
}

// flatRecords returns records as the flat words the device holds: W is
// uint32 for records of 32-bit fields, uint64 for those of 64-bit ones.
// The Go records (abi_gen.go) have no padding of their own, their blank
// fields are zero, and every field is one word (float fields as their
// bits), so the words are the records' memory.
func flatRecords[W uint32 | uint64, R brainRecord | task | path | learnRecord | alifRecord](rs []R) []W {
	var r R
	var w W
	if unsafe.Sizeof(r)%unsafe.Sizeof(w) != 0 {
		panic("gpu: flatRecords: a record is not a whole number of words")
	}
	n := len(rs) * int(unsafe.Sizeof(r)/unsafe.Sizeof(w))
	if n == 0 {
		return []W{}
	}
	return slices.Clone(unsafe.Slice((*W)(unsafe.Pointer(unsafe.SliceData(rs))), n))
}

// stats summarises a plan's size (for logs and benchmarks).
type planStats struct {
	Synapses, Entries, Paths, Tasks int
	DeviceBytes                     int64
}

func (p *plan) stats() planStats {
	s := planStats{Entries: len(p.ePre), Paths: len(p.paths), Tasks: len(p.tasks)}
	for _, n := range p.nets {
		s.Synapses += n.Synapses()
	}
	s.DeviceBytes = int64(len(p.ePre))*8 + int64(len(p.paths))*pathWords*4 +
		int64(p.TN)*(6*4+1) + int64(p.H)*(int64(p.TW)*4+int64(p.TR)*8)
	return s
}
