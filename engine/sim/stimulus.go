package sim

import (
	"fmt"

	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/rng"
)

// Input is one external stimulus: AmplitudeMV added to i_syn every step
// (MODEL.md §3 point 2) of every neuron k of each region in Regions for
// which Pattern[k] is true (every neuron when Pattern is nil).
type Input struct {
	Regions     []int
	Pattern     []bool
	AmplitudeMV float64
}

// Stimulus is a set of inputs applied together; a neuron targeted by
// several receives the sum of their amplitudes.
type Stimulus []Input

// Dense returns the per-neuron input in mV for net, or nil when the
// stimulus is empty.
func (s Stimulus) Dense(net *network.Network) ([]float32, error) {
	if len(s) == 0 {
		return nil, nil
	}
	sum := make([]float64, net.N)
	for n, in := range s {
		if in.Pattern != nil && len(in.Pattern) != net.NPR {
			return nil, fmt.Errorf("stimulus %d: pattern has %d entries for %d neurons per region", n, len(in.Pattern), net.NPR)
		}
		for _, r := range in.Regions {
			if r < 0 || r >= net.Regions {
				return nil, fmt.Errorf("stimulus %d: region %d out of range [0, %d)", n, r, net.Regions)
			}
			for k := 0; k < net.NPR; k++ {
				if in.Pattern == nil || in.Pattern[k] {
					sum[r*net.NPR+k] += in.AmplitudeMV
				}
			}
		}
	}
	out := make([]float32, net.N)
	for i, v := range sum {
		out[i] = float32(v)
	}
	return out, nil
}

// PatternsNumPy draws count patterns as the reference does: each is
// default_rng(seed).choice(n, k, replace=False) from one generator, in
// order (MODEL.md §2 "The reference's draw"; seed 42, k 60, n 200 gives
// the reference's five patterns).
func PatternsNumPy(seed uint64, count, k, n int) ([][]bool, error) {
	if n < 1 || k < 0 || k > n {
		return nil, fmt.Errorf("patterns: need 0 ≤ k ≤ n and n ≥ 1, got k=%d n=%d", k, n)
	}
	if count < 0 {
		return nil, fmt.Errorf("patterns: count must be ≥ 0, got %d", count)
	}
	g := rng.NewNumPy(seed)
	out := make([][]bool, count)
	for c := range out {
		idx, err := g.Choice(n, k)
		if err != nil {
			return nil, err
		}
		out[c] = make([]bool, n)
		for _, i := range idx {
			out[c][i] = true
		}
	}
	return out, nil
}

// Patterns draws count patterns, each of k active neurons out of n, from
// one generator seeded with seed, in order (so pattern 0 is the same
// whether 1 or 5 patterns are drawn). Each pattern is a uniform k-subset
// (partial Fisher–Yates).
func Patterns(seed uint64, count, k, n int) ([][]bool, error) {
	if n < 1 || k < 0 || k > n {
		return nil, fmt.Errorf("patterns: need 0 ≤ k ≤ n and n ≥ 1, got k=%d n=%d", k, n)
	}
	if count < 0 {
		return nil, fmt.Errorf("patterns: count must be ≥ 0, got %d", count)
	}
	st := rng.New(seed, 0x9a77e2)
	idx := make([]int, n)
	out := make([][]bool, count)
	for c := range out {
		for i := range idx {
			idx[i] = i
		}
		p := make([]bool, n)
		for i := 0; i < k; i++ {
			j := i + st.Intn(n-i)
			idx[i], idx[j] = idx[j], idx[i]
			p[idx[i]] = true
		}
		out[c] = p
	}
	return out, nil
}
