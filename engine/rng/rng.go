// Package rng is the engine's random number source: a small, fast, seeded
// generator (wyrand) and the derivation of independent streams from a seed
// and a path of integers, so that results never depend on how work is
// scheduled over cores.
package rng

import (
	"math"
	"math/bits"

	"github.com/encephagen/encephagen/engine/simd"
)

// Stream is a wyrand generator: one 64-bit add and one 64×64→128 multiply
// per draw; passes BigCrush and PractRand; 2^64 period per stream.
type Stream struct{ s uint64 }

// Mix hashes a seed and a path of integers into a 64-bit stream seed
// (splitmix64 finaliser applied per component).
func Mix(seed uint64, path ...uint64) uint64 {
	h := splitmix(seed ^ 0x6a09e667f3bcc909)
	for _, p := range path {
		h = splitmix(h ^ splitmix(p+0x9e3779b97f4a7c15))
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// New returns the stream for (seed, path...).
func New(seed uint64, path ...uint64) Stream { return Stream{Mix(seed, path...)} }

// Uint64 returns the next 64 random bits.
func (r *Stream) Uint64() uint64 {
	r.s += wyInc
	hi, lo := bits.Mul64(r.s, r.s^wyMix)
	return hi ^ lo
}

// The generator's constants (wyrand).
const (
	wyInc = 0xa0761d6478bd642f
	wyMix = 0xe7037ed1a0b428db
)

// PoissonCounts fills dst with the counts of p for consecutive neurons,
// two per draw (the high 32 bits first, an odd last one from the high
// half of a draw of its own): the draws of len(dst)/2 rounded up calls of
// Uint64, each half mapped by p.Count. engine/simd does it, in vector
// form where it can.
func (r *Stream) PoissonCounts(dst []int32, p Poisson) {
	simd.PoissonCounts(dst, &r.s, wyInc, wyMix, p.T)
}

// Skip advances the stream by n outputs at once (the state after n draws
// is the seed plus n increments), as if Uint64 had been called n times.
func (r *Stream) Skip(n uint64) { r.s += n * wyInc }

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (r *Stream) Float64() float64 { return float64(r.Uint64()>>11) * (1.0 / (1 << 53)) }

// Float64Open returns a uniform number in (0, 1], safe for log().
func (r *Stream) Float64Open() float64 { return float64(r.Uint64()>>11+1) * (1.0 / (1 << 53)) }

// Float32 returns a uniform number in [0, 1) with 24 random bits.
func (r *Stream) Float32() float32 { return float32(r.Uint64()>>40) * (1.0 / (1 << 24)) }

// Intn returns a uniform integer in [0, n); n must be > 0. Lemire's
// multiply-shift with rejection, so there is no modulo bias.
func (r *Stream) Intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), un)
	if lo < un {
		t := -un % un
		for lo < t {
			hi, lo = bits.Mul64(r.Uint64(), un)
		}
	}
	return int(hi)
}

// Normal returns a standard normal deviate (Box–Muller, one of the pair).
func (r *Stream) Normal() float64 {
	u := r.Float64Open()
	v := r.Float64()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// Poisson draws Poisson counts by inverse CDF from one 32-bit uniform:
// count = the smallest k with u < T[k], T[k] = ⌊P(N ≤ k)·2³²⌋. With the
// small rates of background input (λ ≈ 0.2) nearly every draw ends at the
// first comparison. The table is cut where the tail probability is below
// 2⁻³², so counts above len(T) never occur.
type Poisson struct {
	T []uint32
}

// NewPoisson tabulates Poisson(lambda); lambda must be in [0, 50].
func NewPoisson(lambda float64) Poisson {
	if !(lambda >= 0 && lambda <= 50) {
		panic("rng: Poisson lambda out of [0, 50]")
	}
	var t []uint32
	p := math.Exp(-lambda)
	c := 0.0
	for k := 0; ; k++ {
		c += p
		v := c * (1 << 32)
		if v >= (1<<32)-1 || k > 1000 {
			t = append(t, math.MaxUint32)
			break
		}
		t = append(t, uint32(v))
		p *= lambda / float64(k+1)
	}
	return Poisson{T: t}
}

// Count maps a 32-bit uniform to a Poisson count.
func (p Poisson) Count(u uint32) int {
	k := 0
	for k < len(p.T)-1 && u >= p.T[k] {
		k++
	}
	return k
}
