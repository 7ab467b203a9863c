package network

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/parallel"
	"github.com/encephagen/encephagen/engine/rng"
)

// Network is one brain's wiring. Synapses are stored in CSR form by
// presynaptic neuron: the synapses of neuron i are [Start[i], Start[i+1]),
// local ones first (posts ascending), then long-range ones by target region
// ascending (posts ascending). Global neuron index = region·npr + k; the
// first NExc neurons of a region are excitatory.
type Network struct {
	Params  Params
	Conn    *connectome.Connectome // the connectome it was built from
	Regions int
	NPR     int // neurons per region
	NExc    int // excitatory neurons per region
	N       int // neurons in all

	Start []uint32  // len N+1
	Post  []uint32  // postsynaptic neuron of each synapse
	W     []float32 // weight in mV (the brain's plastic weights)
	// Delay of each synapse in steps, or nil when the network has no delays.
	Delay    []uint16
	MaxDelay int
	NLocal   int // local synapses (the rest are long-range)
	// NMDA[i] says whether neuron i carries an NMDA current.
	NMDA []bool
}

// Synapses is the number of synapses.
func (n *Network) Synapses() int { return len(n.Post) }

// Bytes is the memory held by the network's arrays.
func (n *Network) Bytes() int64 {
	return int64(len(n.Start))*4 + int64(len(n.Post))*4 + int64(len(n.W))*4 + int64(len(n.Delay))*2 + int64(len(n.NMDA))
}

// inhibitoryEdge is the reference rule for the basal-ganglia pathways that
// inhibit: pallidum → thalamus, caudate/putamen → pallidum. Labels are
// compared upper-cased (TVB96 spells them "BG-Pa_R"), like the groups.
func inhibitoryEdge(src, dst string) bool {
	s, d := strings.ToUpper(src), strings.ToUpper(dst)
	return (strings.Contains(s, "BG-PA") && strings.Contains(d, "TM-")) ||
		((strings.Contains(s, "BG-CD") || strings.Contains(s, "BG-PU")) && strings.Contains(d, "BG-PA"))
}

// pathway is one long-range edge as the builder uses it.
type pathway struct {
	dst   int
	p     float64 // connection probability per (exc pre, post) pair
	w     float32 // weight onto excitatory targets
	wInh  float32 // weight onto inhibitory targets (3·w for feed-forward inhibition)
	delay uint16
	// stream seeds the edge's own generator (WiringEncephagen); draw is the
	// position of the edge's first number in the reference's single NumPy
	// stream (WiringNumPy).
	stream uint64
	draw   uint64
}

// longRangeScale is the normalisation of MODEL.md §2: w_norm = w/w_max, or
// log1p(1000·w)/max(log1p(1000·w)) when max/min > 100, the maximum and
// minimum taken over every positive entry of the matrix, self-loops
// included (as the reference does).
func longRangeScale(c *connectome.Connectome) func(w float64) float64 {
	wmax, wmin := 0.0, math.Inf(1)
	for _, w := range c.Weights {
		if w > 0 {
			wmax, wmin = max(wmax, w), min(wmin, w)
		}
	}
	if !(wmax/wmin > 100) {
		return func(w float64) float64 { return w / wmax }
	}
	logMax := 0.0
	for _, w := range c.Weights {
		if w > 0 {
			logMax = max(logMax, math.Log1p(1000*w))
		}
	}
	return func(w float64) float64 { return math.Log1p(1000*w) / logMax }
}

// pathways derives, for every source region, its long-range edges in
// ascending target order (MODEL.md §2 rules, or the report's v1 rules, and
// §5 delays). Edges whose probability is below 1e-6 are dropped before
// any draw, as the reference does.
func pathways(c *connectome.Connectome, p *Params) ([][]pathway, int, error) {
	norm := longRangeScale(c)
	jeff, jinh := p.JEff(), p.JInh()
	npr, nexc := uint64(p.NeuronsPerRegion), uint64(p.NExc())
	// The reference draws every region's local rows first, then one row
	// per excitatory neuron of each kept edge in row-major order.
	draw := uint64(c.N()) * npr * npr
	out := make([][]pathway, c.N())
	maxDelay := 0
	for _, e := range c.Edges() {
		pw := pathway{dst: e.Dst}
		if p.LongRange == LongRangeV1 {
			// The report's model: raw weights scaled by the coupling, every
			// target alike, no inhibitory pathways.
			pw.p = min(1, p.PBet*e.W*p.GlobalCoupling)
			s := float32(jeff * e.W * p.GlobalCoupling)
			pw.w, pw.wInh = s, s
		} else {
			wn := norm(e.W)
			pw.p = min(1, p.PBet*wn)
			if inhibitoryEdge(c.Labels[e.Src], c.Labels[e.Dst]) {
				s := float32(-jinh * p.GlobalCoupling * wn)
				pw.w, pw.wInh = s, s
			} else {
				s := jeff * p.GlobalCoupling * wn
				pw.w, pw.wInh = float32(s), float32(3*s)
			}
		}
		if pw.p < 1e-6 {
			continue
		}
		pw.stream = rng.Mix(p.WiringSeed, 3, uint64(e.Src), uint64(e.Dst))
		pw.draw = draw
		draw += nexc * npr
		if p.VelocityMMPerMs > 0 {
			mm, ok := c.DistanceMM(e.Src, e.Dst)
			if !ok {
				return nil, 0, fmt.Errorf("delays need tract lengths or region centres, and connectome %q has neither", c.Name)
			}
			d := math.RoundToEven(mm / (p.VelocityMMPerMs * p.DtMs))
			if d > math.MaxUint16 {
				return nil, 0, fmt.Errorf("delay of %s→%s is %.0f steps (max %d): raise velocity_mm_per_ms", c.Labels[e.Src], c.Labels[e.Dst], d, math.MaxUint16)
			}
			pw.delay = uint16(d)
			maxDelay = max(maxDelay, int(d))
		}
		out[e.Src] = append(out[e.Src], pw)
	}
	return out, maxDelay, nil
}

// Estimate is the expected size of a brain before it is built.
type Estimate struct {
	Synapses float64 // expected synapse count
	Bytes    float64 // expected memory of network and simulation state
}

// EstimateSize computes the expected synapse count and memory of a brain
// analytically, so that impossible brains are refused before any large
// allocation.
func EstimateSize(c *connectome.Connectome, p Params) (Estimate, error) {
	if err := p.Validate(c.N()); err != nil {
		return Estimate{}, err
	}
	pws, maxDelay, err := pathways(c, &p)
	if err != nil {
		return Estimate{}, err
	}
	npr, nexc := float64(p.NeuronsPerRegion), float64(p.NExc())
	syn := float64(c.N()) * (nexc*(npr-1) + (npr-nexc)*npr) * p.PInt
	for _, list := range pws {
		for _, pw := range list {
			syn += nexc * npr * pw.p
		}
	}
	n := float64(c.N()) * npr
	perSyn := 8.0
	if p.VelocityMMPerMs > 0 {
		perSyn += 2
	}
	// Per neuron: CSR start, NMDA flag, five float32 state variables, spike
	// counts, and one float32 per delay slot of the input ring.
	bytes := syn*perSyn + n*(4+1+5*4+4) + n*4*float64(maxDelay+1)
	return Estimate{Synapses: syn, Bytes: bytes}, nil
}

// availableMemory reads MemAvailable from /proc/meminfo; ok is false where
// that is not possible (then no memory check is made).
func availableMemory() (bytes float64, ok bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err == nil {
				return kb * 1024, true
			}
		}
	}
	return 0, false
}

// MemoryLimit, when > 0, replaces the machine's available memory in the
// check Build makes (tests use it to exercise the refusal).
var MemoryLimit float64

// Build samples one brain's synapses from the connectome (MODEL.md §2).
// The result depends only on (c, p), never on the number of cores used:
// with WiringEncephagen every block of synapses has its own random stream
// derived from p.WiringSeed and the region pair; with WiringNumPy each
// region's rows start at their known position in the reference's single
// stream (NumPy.Advance).
func Build(c *connectome.Connectome, p Params) (*Network, error) {
	if c.N() == 0 {
		return nil, fmt.Errorf("connectome %q has no regions", c.Name)
	}
	est, err := EstimateSize(c, p)
	if err != nil {
		return nil, err
	}
	limit, ok := MemoryLimit, MemoryLimit > 0
	if !ok {
		limit, ok = availableMemory()
	}
	if ok && est.Bytes > 0.9*limit {
		return nil, fmt.Errorf("a brain of %d regions × %d neurons needs about %.1f GB (%.3g synapses), more than the %.1f GB available",
			c.N(), p.NeuronsPerRegion, est.Bytes/1e9, est.Synapses, limit/1e9)
	}
	if est.Synapses >= math.MaxUint32*0.9 {
		return nil, fmt.Errorf("a brain of %.3g synapses exceeds the engine's limit of 3.8e9", est.Synapses)
	}
	pws, maxDelay, err := pathways(c, &p)
	if err != nil {
		return nil, err
	}
	R, npr, nexc := c.N(), p.NeuronsPerRegion, p.NExc()
	net := &Network{
		Params: p, Conn: c,
		Regions: R, NPR: npr, NExc: nexc, N: R * npr, MaxDelay: maxDelay,
	}
	// Sample each source region's synapses concurrently into its own
	// segment, then concatenate in region order.
	segs := make([]segment, R)
	parallel.For(R, 0, func(r int) {
		if p.WiringRNG == WiringNumPy {
			segs[r] = drawRegionNumPy(r, &p, pws[r])
		} else {
			segs[r] = drawRegionStreams(r, &p, pws[r])
		}
	})

	total := 0
	for r := range segs {
		total += len(segs[r].post)
		net.NLocal += segs[r].nLocal
	}
	net.Start = make([]uint32, net.N+1)
	net.Post = make([]uint32, 0, total)
	net.W = make([]float32, 0, total)
	if p.VelocityMMPerMs > 0 {
		net.Delay = make([]uint16, 0, total)
	}
	for r := range segs {
		s := &segs[r]
		base := uint32(len(net.Post))
		for k := 0; k < npr; k++ {
			net.Start[r*npr+k] = base + s.start[k]
		}
		net.Post = append(net.Post, s.post...)
		net.W = append(net.W, s.w...)
		if net.Delay != nil {
			net.Delay = append(net.Delay, s.delay...)
		}
		segs[r] = segment{}
	}
	net.Start[net.N] = uint32(len(net.Post))
	if len(p.AttractorRegions) > 0 && p.AttractorWeightFactor != 1 {
		net.strengthenAssemblies()
	}
	net.NMDA = make([]bool, net.N)
	for _, r := range p.NMDARegions {
		for k := 0; k < npr; k++ {
			net.NMDA[r*npr+k] = true
		}
	}
	return net, nil
}

// segment is the CSR slice of one source region's neurons.
type segment struct {
	start  []uint32 // per local pre neuron, offset into post/w/delay
	post   []uint32
	w      []float32
	delay  []uint16
	nLocal int
}

type synapse struct {
	pre   int32 // local index of the presynaptic neuron
	post  uint32
	w     float32
	delay uint16
}

// bernoulliPairs calls emit(i) for each index i in [0, m) independently
// with probability p, in ascending order, using geometric skips so the
// cost is proportional to the number of successes, not to m.
func bernoulliPairs(r *rng.Stream, m int, p float64, emit func(i int)) {
	switch {
	case p <= 0 || m <= 0:
		return
	case p >= 1:
		for i := 0; i < m; i++ {
			emit(i)
		}
		return
	}
	logq := math.Log1p(-p)
	i := -1
	for {
		skip := math.Floor(math.Log(r.Float64Open()) / logq)
		if skip >= float64(m-i) {
			return
		}
		i += 1 + int(skip)
		if i >= m {
			return
		}
		emit(i)
	}
}

// drawRegionStreams samples region r's synapses (WiringEncephagen): local
// excitatory, local inhibitory and each pathway from their own streams.
func drawRegionStreams(r int, p *Params, pws []pathway) segment {
	npr, nexc := p.NeuronsPerRegion, p.NExc()
	jeff, jinh := float32(p.JEff()), float32(p.JInh())
	base := uint32(r * npr)
	var syns []synapse
	// Local excitatory: k → every other neuron of the region, p_int.
	st := rng.New(p.WiringSeed, 1, uint64(r))
	bernoulliPairs(&st, nexc*npr, p.PInt, func(i int) {
		k, m := i/npr, i%npr
		if k != m {
			syns = append(syns, synapse{int32(k), base + uint32(m), jeff, 0})
		}
	})
	// Local inhibitory: k → every neuron of the region, self included (as
	// the reference does), p_int.
	st = rng.New(p.WiringSeed, 2, uint64(r))
	bernoulliPairs(&st, (npr-nexc)*npr, p.PInt, func(i int) {
		k, m := nexc+i/npr, i%npr
		syns = append(syns, synapse{int32(k), base + uint32(m), -jinh, 0})
	})
	nLocal := len(syns)
	// Long-range: every excitatory neuron of r → every neuron of dst.
	for _, pw := range pws {
		st := rng.New(pw.stream)
		dbase := uint32(pw.dst * npr)
		bernoulliPairs(&st, nexc*npr, pw.p, func(i int) {
			k, m := i/npr, i%npr
			w := pw.w
			if m >= nexc {
				w = pw.wInh
			}
			syns = append(syns, synapse{int32(k), dbase + uint32(m), w, pw.delay})
		})
	}
	return newSegment(syns, nLocal, p)
}

// drawRegionNumPy samples region r's synapses with the reference's draw
// (WiringNumPy, MODEL.md §2 "The reference's draw"): NumPy's
// default_rng(WiringSeed), one random(npr) row per presynaptic neuron
// compared < p: the region's excitatory rows (the self-synapse dropped
// after its draw), its inhibitory rows, then one row per excitatory neuron
// for each pathway. Region r's local rows start at draw r·npr² of the
// stream and each pathway's rows at its pathway.draw.
func drawRegionNumPy(r int, p *Params, pws []pathway) segment {
	npr, nexc := p.NeuronsPerRegion, p.NExc()
	jeff, jinh := float32(p.JEff()), float32(p.JInh())
	base := uint32(r * npr)
	seeded := rng.NewNumPy(p.WiringSeed)
	var syns []synapse
	g := *seeded
	g.Advance(uint64(r) * uint64(npr) * uint64(npr))
	below := rng.Below(p.PInt)
	keep := make([]bool, npr) // one row of draws: pre k to every m
	for k := 0; k < npr; k++ {
		w := jeff
		if k >= nexc {
			w = -jinh
		}
		g.Bernoulli(keep, below)
		for m, ok := range keep {
			if ok && (k != m || k >= nexc) {
				syns = append(syns, synapse{int32(k), base + uint32(m), w, 0})
			}
		}
	}
	nLocal := len(syns)
	for _, pw := range pws {
		g := *seeded
		g.Advance(pw.draw)
		below := rng.Below(pw.p)
		dbase := uint32(pw.dst * npr)
		for k := 0; k < nexc; k++ {
			g.Bernoulli(keep, below)
			for m, ok := range keep {
				if ok {
					w := pw.w
					if m >= nexc {
						w = pw.wInh
					}
					syns = append(syns, synapse{int32(k), dbase + uint32(m), w, pw.delay})
				}
			}
		}
	}
	return newSegment(syns, nLocal, p)
}

// newSegment lays a region's synapses out in CSR form. The stable counting
// sort by presynaptic neuron keeps, within each neuron, local synapses
// first and targets ascending.
func newSegment(syns []synapse, nLocal int, p *Params) segment {
	npr := p.NeuronsPerRegion
	seg := segment{start: make([]uint32, npr+1), nLocal: nLocal}
	for _, s := range syns {
		seg.start[s.pre+1]++
	}
	for k := 0; k < npr; k++ {
		seg.start[k+1] += seg.start[k]
	}
	seg.post = make([]uint32, len(syns))
	seg.w = make([]float32, len(syns))
	withDelay := p.VelocityMMPerMs > 0
	if withDelay {
		seg.delay = make([]uint16, len(syns))
	}
	cur := append([]uint32(nil), seg.start[:npr]...)
	for _, s := range syns {
		j := cur[s.pre]
		cur[s.pre]++
		seg.post[j], seg.w[j] = s.post, s.w
		if withDelay {
			seg.delay[j] = s.delay
		}
	}
	seg.start = seg.start[:npr]
	return seg
}

// strengthenAssemblies is the attractor option (Params.AttractorRegions):
// in each attractor region, the local excitatory synapses within an
// assembly get their weight multiplied by f = AttractorWeightFactor, and
// those from one assembly to another by f− = max(0, (A − f)/(A − 1)),
// A = AttractorAssemblies (so that while every assembly fires at the same
// rate a neuron's mean input is as without the option, when the
// assemblies cover the excitatory neurons), in float64 and rounded once
// to float32. Only weights change: the synapse set is the one drawn
// without the option.
func (n *Network) strengthenAssemblies() {
	p := &n.Params
	A := p.AttractorAssemblies
	size := n.NExc / A
	f, fm := p.AttractorWeightFactor, 1.0
	if A > 1 {
		fm = max(0, (float64(A)-f)/float64(A-1))
	}
	done := map[int]bool{}
	for _, r := range p.AttractorRegions {
		if done[r] {
			continue
		}
		done[r] = true
		base := r * n.NPR
		lo, hi := uint32(base), uint32(base+size*A)
		for k := 0; k < size*A; k++ {
			a := uint32(k / size)
			for s := n.Start[base+k]; s < n.Start[base+k+1]; s++ {
				j := n.Post[s]
				if j < lo || j >= hi {
					continue
				}
				if (j-lo)/uint32(size) == a {
					n.W[s] = float32(float64(n.W[s]) * f)
				} else {
					n.W[s] = float32(float64(n.W[s]) * fm)
				}
			}
		}
	}
}
