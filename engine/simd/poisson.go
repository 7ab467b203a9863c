package simd

import "math/bits"

// PoissonCounts fills counts with background event counts (MODEL.md §3
// point 1) for consecutive neurons, drawn from the wyrand stream whose
// state is *state (engine/rng.Stream; inc and mix are its constants):
// each draw s += inc, hi:lo = s·(s ^ mix), x = hi ^ lo gives two neurons,
// the high 32 bits first; an odd last neuron takes the high half of one
// more draw. A count is the smallest k with u < table[k] (inverse CDF,
// engine/rng.Poisson), found without a branch for 0 and 1.
func PoissonCounts(counts []int32, state *uint64, inc, mix uint64, table []uint32) {
	poissonCounts(counts, state, inc, mix, table)
}

// cuts returns the comparison values for counts 0 and 1: u < t0 gives 0,
// u < t1 gives at most 1. With fewer table entries the cut 2³² is never
// passed.
func cuts(table []uint32) (t0, t1 uint64) {
	last := len(table) - 1
	t0, t1 = uint64(table[0]), 1<<32
	if last == 0 {
		t0 = 1 << 32
	}
	if last >= 2 {
		t1 = uint64(table[1])
	}
	return t0, t1
}

// count is the Poisson count of the 32-bit uniform u: [u ≥ t0] + [u ≥ t1]
// by the sign of a subtraction, and only u ≥ t1 (rare) walks the table.
func count(u, t0, t1 uint64, table []uint32) int32 {
	c := int32(2 - (u-t0)>>63 - (u-t1)>>63)
	if u >= t1 {
		c = int32(tailCount(table, uint32(u)))
	}
	return c
}

// tailCount is the count of u ≥ table[1]: the smallest k ≥ 2 with
// u < table[k], or the last index.
func tailCount(table []uint32, u uint32) int {
	n, last := 2, len(table)-1
	for n < last && u >= table[n] {
		n++
	}
	return n
}

func poissonCountsGo(counts []int32, state *uint64, inc, mix uint64, table []uint32) {
	t0, t1 := cuts(table)
	s := *state
	n := len(counts)
	i := 0
	for ; i+1 < n; i += 2 {
		s += inc
		hi, lo := bits.Mul64(s, s^mix)
		x := hi ^ lo
		counts[i] = count(x>>32, t0, t1, table)
		counts[i+1] = count(x&0xffffffff, t0, t1, table)
	}
	if i < n {
		s += inc
		hi, lo := bits.Mul64(s, s^mix)
		counts[i] = count((hi^lo)>>32, t0, t1, table)
	}
	*state = s
}
