package connectome

import (
	"fmt"
	"math/rand/v2"

	"github.com/encephagen/encephagen/engine/rng"
)

// pcgStream is the second PCG word of every null-model generator
// (rand.NewPCG(seed, pcgStream)), fixed so that a seed alone names a graph.
// It spells "encephag" in ASCII.
const pcgStream = 0x656e636570686167

// derived is a new connectome on c's regions (labels, centres and tract
// lengths copied, so they stay attached to regions and region pairs) with
// an empty weight matrix.
func derived(c *Connectome, how string) *Connectome {
	d := c.Clone()
	for i := range d.Weights {
		d.Weights[i] = 0
	}
	from := c.Name
	if from == "" {
		from = c.Source
	}
	d.Source = fmt.Sprintf("%s of %s", how, from)
	return d
}

// bitset marks region pairs (src*N+dst) that carry an edge.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) clear(i int)    { b[i>>6] &^= 1 << (uint(i) & 63) }

// Rewire is the degree-preserving Maslov–Sneppen null model of MODEL.md §1,
// as the reference code does it: over the E off-diagonal edges (row-major
// order), 10·E attempts each pick two distinct edges a→b, c→d uniformly
// and, unless a==d, c==b, a→d or c→b already exists, replace them by a→d
// (first edge's weight) and c→b (second's). In- and out-degrees and the
// weight multiset are kept. The diagonal (self-loops, never used for
// synapses) is dropped: the result's diagonal is 0. The generator is
// math/rand/v2 PCG seeded with (seed, pcgStream); the same seed gives the
// same graph on every platform.
func Rewire(c *Connectome, seed uint64) *Connectome {
	d := derived(c, fmt.Sprintf("rewire(seed=%d)", seed))
	r := rand.New(rand.NewPCG(seed, pcgStream))
	swapEdges(d, c.Edges(), func(m int) (int, int) {
		i := r.IntN(m)
		j := r.IntN(m - 1)
		if j >= i {
			j++
		}
		return i, j
	})
	return d
}

// RewireNumPy is the reference implementation's own rewiring with its own
// draws (randomize_connectome in the reference's Exp 22/23): NumPy's
// default_rng(seed), and per attempt choice(E, 2, replace=False) over the
// E positive entries in row-major order, self-loops included. So it
// differs from Rewire in one respect besides the generator: a self-loop
// takes part in swaps (a→a with c→d gives a→d and c→a), which moves most
// of TVB96's 79 self-loops off the diagonal and adds them to the long-range
// edges (seed 1000: 3,931 off-diagonal edges instead of 3,860). No swap
// makes a self-loop. The surviving self-loops are kept. With fewer than 2
// edges the result is a copy.
func RewireNumPy(c *Connectome, seed uint64) *Connectome {
	d := derived(c, fmt.Sprintf("rewire(seed=%d, rng=numpy)", seed))
	n := c.N()
	var es []Edge
	for i, w := range c.Weights {
		if w > 0 {
			es = append(es, Edge{i / n, i % n, w})
		}
	}
	g := rng.NewNumPy(seed)
	swapEdges(d, es, func(m int) (int, int) {
		pick, _ := g.Choice(m, 2)
		return int(pick[0]), int(pick[1])
	})
	return d
}

// swapEdges runs the 10·E Maslov–Sneppen attempts of MODEL.md §1 on es
// (pick draws two distinct edge indices of [0, E)) and writes the result
// into d's empty weight matrix. With fewer than 2 edges nothing is drawn.
func swapEdges(d *Connectome, es []Edge, pick func(m int) (int, int)) {
	n, m := d.N(), len(es)
	exists := newBitset(n * n)
	for _, e := range es {
		exists.set(e.Src*n + e.Dst)
	}
	for it := 0; m >= 2 && it < 10*m; it++ {
		i, j := pick(m)
		a, b := es[i].Src, es[i].Dst
		cc, dd := es[j].Src, es[j].Dst
		if a == dd || cc == b || exists.has(a*n+dd) || exists.has(cc*n+b) {
			continue
		}
		exists.clear(a*n + b)
		exists.clear(cc*n + dd)
		exists.set(a*n + dd)
		exists.set(cc*n + b)
		es[i].Dst, es[j].Dst = dd, b
	}
	for _, e := range es {
		d.Weights[e.Src*n+e.Dst] = e.W
	}
}

// ErdosRenyi places as many directed off-diagonal edges as c has uniformly
// at random (no self-loops, no duplicates; Floyd's sampling of pair slots)
// and gives them a random permutation of c's edge weights. Degrees are not
// kept. The diagonal of the result is 0. Generator as for Rewire.
func ErdosRenyi(c *Connectome, seed uint64) *Connectome {
	n := c.N()
	d := derived(c, fmt.Sprintf("erdos_renyi(seed=%d)", seed))
	es := c.Edges()
	m := len(es)
	if m == 0 {
		return d
	}
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	slots := n * (n - 1) // off-diagonal pairs: slot k is row k/(n-1), column k%(n-1) skipping the diagonal
	chosen := newBitset(slots)
	for j := slots - m; j < slots; j++ {
		t := rng.IntN(j + 1)
		if chosen.has(t) {
			chosen.set(j)
		} else {
			chosen.set(t)
		}
	}
	perm := rng.Perm(m)
	k := 0
	for s := 0; s < slots; s++ {
		if !chosen.has(s) {
			continue
		}
		src, r := s/(n-1), s%(n-1)
		dst := r
		if r >= src {
			dst = r + 1
		}
		d.Weights[src*n+dst] = es[perm[k]].W
		k++
	}
	return d
}
