package rng

import (
	"fmt"
	"math/bits"
)

// NumPy is NumPy's default generator, numpy.random.default_rng(seed): a
// PCG64 (XSL-RR 128/64) seeded through SeedSequence, with the methods the
// reference implementation wires brains and draws patterns with, computed
// exactly as NumPy 1.24 computes them (testdata/numpy_golden.json holds
// values NumPy produced; numpy_golden.py regenerates them).
//
// Unlike Stream it is one sequential generator: reproducing the reference
// means consuming its draws in the reference's order. Advance jumps ahead
// in O(log n), so independent blocks of a known length can still be drawn
// in parallel.
type NumPy struct {
	hi, lo       uint64 // 128-bit LCG state
	incHi, incLo uint64 // 128-bit increment (odd)
	// inc2 = (a + 1)·inc: the increment of two steps at once (Pair).
	inc2Hi, inc2Lo uint64
	// NumPy's next_uint32 hands out the two 32-bit halves of a 64-bit draw
	// (low half first) and keeps the unused half across calls.
	has32 bool
	buf32 uint32
}

// PCG_DEFAULT_MULTIPLIER_128.
const pcgMulHi, pcgMulLo = 0x2360ed051fc65da4, 0x4385df649fccf645

// The multiplier of two steps, a² mod 2¹²⁸.
var pcgMul2Hi, pcgMul2Lo = mul128(pcgMulHi, pcgMulLo, pcgMulHi, pcgMulLo)

// SeedSequence's constants (numpy/random/bit_generator.pyx).
const (
	ssInitA   = 0x43b0d7e5
	ssMultA   = 0x931e8875
	ssInitB   = 0x8b51f9dd
	ssMultB   = 0x58f38ded
	ssMixL    = 0xca01f9dd
	ssMixR    = 0x4973f715
	ssXShift  = 16
	ssPoolLen = 4
)

// seedSequenceState is SeedSequence(seed).generate_state(4, uint64) for a
// non-negative integer seed with no spawn key.
func seedSequenceState(seed uint64) [4]uint64 {
	// The entropy as 32-bit words, least significant first (0 is [0]).
	entropy := []uint32{uint32(seed)}
	if seed>>32 != 0 {
		entropy = append(entropy, uint32(seed>>32))
	}
	hashConst := uint32(ssInitA)
	hashmix := func(v uint32) uint32 {
		v ^= hashConst
		hashConst *= ssMultA
		v *= hashConst
		return v ^ v>>ssXShift
	}
	mix := func(x, y uint32) uint32 {
		r := ssMixL*x - ssMixR*y
		return r ^ r>>ssXShift
	}
	var pool [ssPoolLen]uint32
	for i := range pool {
		var e uint32
		if i < len(entropy) {
			e = entropy[i]
		}
		pool[i] = hashmix(e)
	}
	for src := range pool {
		for dst := range pool {
			if src != dst {
				pool[dst] = mix(pool[dst], hashmix(pool[src]))
			}
		}
	}
	// (Entropy longer than the pool would be mixed in here; a uint64 seed
	// never is.)
	var words [8]uint32
	hashConst = ssInitB
	for i := range words {
		v := pool[i%ssPoolLen]
		v ^= hashConst
		hashConst *= ssMultB
		v *= hashConst
		words[i] = v ^ v>>ssXShift
	}
	var out [4]uint64
	for i := range out {
		out[i] = uint64(words[2*i]) | uint64(words[2*i+1])<<32
	}
	return out
}

// mul128 returns (ah,al)·(bh,bl) mod 2¹²⁸.
func mul128(ah, al, bh, bl uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(al, bl)
	return hi + al*bh + ah*bl, lo
}

// add128 returns (ah,al)+(bh,bl) mod 2¹²⁸.
func add128(ah, al, bh, bl uint64) (hi, lo uint64) {
	lo, c := bits.Add64(al, bl, 0)
	hi, _ = bits.Add64(ah, bh, c)
	return hi, lo
}

// NewNumPy returns numpy.random.default_rng(seed).
func NewNumPy(seed uint64) *NumPy {
	s := seedSequenceState(seed)
	// pcg64_set_seed: state words (s[0] high, s[1] low), increment words
	// (s[2], s[3]); pcg_setseq_128_srandom_r: inc = initseq<<1 | 1, state
	// 0, step, state += initstate, step.
	g := &NumPy{}
	g.incHi = s[2]<<1 | s[3]>>63
	g.incLo = s[3]<<1 | 1
	h, l := add128(pcgMulHi, pcgMulLo, 0, 1)
	g.inc2Hi, g.inc2Lo = mul128(h, l, g.incHi, g.incLo)
	g.step()
	g.hi, g.lo = add128(g.hi, g.lo, s[0], s[1])
	g.step()
	return g
}

func (g *NumPy) step() {
	g.hi, g.lo = mul128(g.hi, g.lo, pcgMulHi, pcgMulLo)
	g.hi, g.lo = add128(g.hi, g.lo, g.incHi, g.incLo)
}

// State returns the 128-bit LCG state and increment as NumPy's
// bit_generator.state reports them (for tests and provenance).
func (g *NumPy) State() (state, inc [2]uint64) {
	return [2]uint64{g.hi, g.lo}, [2]uint64{g.incHi, g.incLo}
}

// Uint64 is PCG64's next output (random_raw): step, then XSL-RR.
func (g *NumPy) Uint64() uint64 {
	g.step()
	return bits.RotateLeft64(g.hi^g.lo, -int(g.hi>>58))
}

// Pair is two successive Uint64 draws. The state after the second step
// is made from the current one directly (a²·s + (a + 1)·inc), so the two
// 128-bit products do not wait for each other.
func (g *NumPy) Pair() (x0, x1 uint64) {
	h1, l1 := mul128(g.hi, g.lo, pcgMulHi, pcgMulLo)
	h1, l1 = add128(h1, l1, g.incHi, g.incLo)
	h2, l2 := mul128(g.hi, g.lo, pcgMul2Hi, pcgMul2Lo)
	h2, l2 = add128(h2, l2, g.inc2Hi, g.inc2Lo)
	g.hi, g.lo = h2, l2
	return bits.RotateLeft64(h1^l1, -int(h1>>58)), bits.RotateLeft64(h2^l2, -int(h2>>58))
}

// Bernoulli sets keep[m] to whether draw m of len(keep) successive draws
// is below (Below): draw>>11 < below, NumPy's random() < p.
func (g *NumPy) Bernoulli(keep []bool, below uint64) {
	m := 0
	for ; m+1 < len(keep); m += 2 {
		x0, x1 := g.Pair()
		keep[m], keep[m+1] = x0>>11 < below, x1>>11 < below
	}
	if m < len(keep) {
		keep[m] = g.Uint64()>>11 < below
	}
}

// Uint32 is NumPy's next_uint32: the low half of a fresh 64-bit draw, and
// its high half on the next call.
func (g *NumPy) Uint32() uint32 {
	if g.has32 {
		g.has32 = false
		return g.buf32
	}
	x := g.Uint64()
	g.has32, g.buf32 = true, uint32(x>>32)
	return uint32(x)
}

// Random is Generator.random(): (next64 >> 11)·2⁻⁵³ in [0, 1).
func (g *NumPy) Random() float64 { return float64(g.Uint64()>>11) * (1.0 / (1 << 53)) }

// Fill is Generator.random(len(dst)): one Random per element, in order.
func (g *NumPy) Fill(dst []float64) {
	for i := range dst {
		dst[i] = g.Random()
	}
}

// Below returns ceil(p·2⁵³), the integer threshold with
// Random() < p ⇔ Uint64()>>11 < Below(p) for every draw: the draw's
// mantissa is an integer m and m·2⁻⁵³ < p ⇔ m < p·2⁵³ ⇔ m < ⌈p·2⁵³⌉
// (scaling by a power of two is exact). It lets a Bernoulli row compare
// integers instead of converting each draw.
func Below(p float64) uint64 {
	switch {
	case !(p > 0):
		return 0
	case p >= 1:
		return 1 << 53
	}
	t := p * (1 << 53)
	u := uint64(t)
	if float64(u) < t {
		u++
	}
	return u
}

// Advance jumps the generator n raw draws ahead, as if Uint64 had been
// called n times (bit_generator.advance(n)). A half kept by Uint32 is
// dropped, as NumPy's advance does.
func (g *NumPy) Advance(n uint64) {
	// Brown's jump-ahead for an LCG: fold the multiplier and increment of
	// 2^i steps for every bit i set in n.
	accMulHi, accMulLo := uint64(0), uint64(1)
	accAddHi, accAddLo := uint64(0), uint64(0)
	curMulHi, curMulLo := uint64(pcgMulHi), uint64(pcgMulLo)
	curAddHi, curAddLo := g.incHi, g.incLo
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			accMulHi, accMulLo = mul128(accMulHi, accMulLo, curMulHi, curMulLo)
			accAddHi, accAddLo = mul128(accAddHi, accAddLo, curMulHi, curMulLo)
			accAddHi, accAddLo = add128(accAddHi, accAddLo, curAddHi, curAddLo)
		}
		h, l := add128(curMulHi, curMulLo, 0, 1)
		curAddHi, curAddLo = mul128(h, l, curAddHi, curAddLo)
		curMulHi, curMulLo = mul128(curMulHi, curMulLo, curMulHi, curMulLo)
	}
	g.hi, g.lo = mul128(accMulHi, accMulLo, g.hi, g.lo)
	g.hi, g.lo = add128(g.hi, g.lo, accAddHi, accAddLo)
	g.has32 = false
}

// bounded is random_bounded_uint64(0, max, 0, use_masked=false): a uniform
// integer in [0, max] by Lemire's multiply-shift with rejection, on 32-bit
// draws when max fits in 32 bits, as NumPy does.
func (g *NumPy) bounded(max uint64) uint64 {
	switch {
	case max == 0:
		return 0
	case max == 0xffffffff:
		return uint64(g.Uint32())
	case max < 0xffffffff:
		excl := uint32(max) + 1
		m := uint64(g.Uint32()) * uint64(excl)
		if uint32(m) < excl {
			threshold := (-excl) % excl // (2³²−1−max) mod excl
			for uint32(m) < threshold {
				m = uint64(g.Uint32()) * uint64(excl)
			}
		}
		return m >> 32
	case max == ^uint64(0):
		return g.Uint64()
	}
	excl := max + 1
	hi, lo := bits.Mul64(g.Uint64(), excl)
	if lo < excl {
		threshold := (-excl) % excl
		for lo < threshold {
			hi, lo = bits.Mul64(g.Uint64(), excl)
		}
	}
	return hi
}

// shuffleTail is NumPy's _shuffle_int(n, first, data): a Fisher–Yates pass
// from the last element down to index first.
func (g *NumPy) shuffleTail(data []int64, first int) {
	for i := len(data) - 1; i >= first; i-- {
		j := g.bounded(uint64(i))
		data[i], data[j] = data[j], data[i]
	}
}

// Choice is Generator.choice(n, k, replace=False) (shuffle=True, no
// weights): k distinct integers of [0, n) in NumPy's order. Like NumPy it
// takes Floyd's algorithm and then shuffles, except for populations over
// 10,000 with k > n/50, where it shuffles the tail of arange(n).
func (g *NumPy) Choice(n, k int) ([]int64, error) {
	if n < 0 || k < 0 || k > n {
		return nil, fmt.Errorf("choice: need 0 ≤ k ≤ n, got n %d, k %d", n, k)
	}
	if n > 10000 && k > n/50 {
		idx := make([]int64, n)
		for i := range idx {
			idx[i] = int64(i)
		}
		g.shuffleTail(idx, max(n-k, 1))
		return idx[n-k:], nil
	}
	idx := make([]int64, k)
	seen := make(map[int64]struct{}, k)
	for j := n - k; j < n; j++ {
		v := int64(g.bounded(uint64(j)))
		if _, dup := seen[v]; dup {
			v = int64(j)
		}
		seen[v] = struct{}{}
		idx[j-(n-k)] = v
	}
	g.shuffleTail(idx, 1)
	return idx, nil
}
