// Package simd holds the per-neuron loops that dominate a step and
// e-prop's per-step work, each in two forms: plain Go, and vector
// instructions (AVX2, 8 float32 or 4 float64 lanes) in builds with
// GOEXPERIMENT=simd on amd64 (the experimental simd/archsimd package of
// Go 1.26; `make build` uses it where the toolchain has it). The vector
// form runs only where the processor has AVX2 (Describe says which form
// runs here), and does per element the float operations of the plain
// form, on the same operands, in the same order, with no fused
// multiply-add: the two give the same bits, which TestVectorMatchesGo and
// its siblings check on random and edge-case inputs (±0, NaN, infinities,
// refractory and at-threshold neurons; PoissonCounts against engine/rng's
// draws and table in rng's tests, which simd cannot import). So a
// build with or without the experiment simulates the same brains spike
// for spike. Clean is for long scalar passes elsewhere (see its doc).
package simd
