// Package gpu is the CUDA backend: a batch of brains — different networks,
// delays, parameters and noise seeds — advanced together on one GPU, one
// kernel launch per step for the whole batch, with the results of the CPU
// engine (package sim) spike for spike.
//
// Build. The default build has no CUDA code and no cgo (and the default
// binary does not link this package: only the cuda build registers the
// backend "cuda", register_cuda.go). With -tags cuda (cgo, the
// CUDA headers and libcuda.so to link; no nvcc) the package drives the GPU
// through gorgonia.org/cu. Such a binary needs a usable GPU to start:
// package cuinit initialises the driver first and, when it cannot, ends
// the process with a message naming the default build (or skips a test
// binary; REQUIRE_GPU=1 makes that a failure). The kernels (kernels/step.cu) are
// compiled to PTX for compute_80 and compute_90 by ptx.sh (make ptx), and
// the PTX is committed and embedded; TestPTXCurrent checks it is current.
//
// Interface. One table, internal/kabi, describes what the Go side and
// the kernels share: every kernel, the order and C type of every kernel
// parameter, the fields of every record and the constants step.cu
// #defines. go generate writes from it abi_gen.go (the Go records that
// are uploaded as their memory, the argument slot of every parameter,
// the kernels' names and parameter lists, the constants) and emu/abi.h
// (the driver emulator's argument unpacking and kernel table, and
// static_asserts of step.cu's record offsets, kernel types and constants,
// which g++ checks when it builds the emulator). step.cu keeps its own
// declarations (its text is hashed into kernels/PTX.sum, and the PTX is
// not rebuilt without nvcc); TestKernelABI checks them against the table
// field by field and parameter by parameter, checks every .entry of the
// committed PTX (parameter count and types), and regenerates both files
// to compare them byte for byte with the committed ones.
//
// Exactness. The kernels repeat the CPU engine's float32 arithmetic
// operation for operation (no fused multiply-add, no flush to zero), draw
// the same background noise from the counter-based form of the same
// per-region streams, and sum synaptic input in the order the model fixes:
// emission step ascending, then presynaptic neuron ascending. Input is
// gathered per postsynaptic neuron rather than scattered with atomics:
// a region's incoming synapses are grouped in pathways (source region,
// delay) sorted in that order; a pathway is read only when its source
// region spiked at the emission step (a per-region, per-step stamp); its
// synapses are laid out column by column so a warp reads them coalesced,
// and a bitset of the last max-delay+2 steps' spikes says which fire.
//
// Hand-over. Load takes brains over from the CPU engine at a step
// boundary (state, step, and the spikes of their last max-delay steps,
// whose input is still in flight) and Store gives them back through
// sim.Brain.Restore, so a script can move brains between the engines
// (Backend, backend.go) without changing a spike.
//
// Learning. LoadLearners hands e-prop learners (LIF and ALIF) to the
// batch (eprop's HandOut: a copy of the learner's state as flat slices,
// one eprop.Handover), whose learn and alif kernels then do their
// per-step work with eprop's event-driven algorithms and float64
// operations element by element; Store gives them back (HandBack) in the
// state the CPU learner would have reached (learn.go).
//
// Proof. NewReference runs the same plan with a Go transcription of the
// kernels; tests show it reproduces package sim exactly (spike trains,
// counts, bins, every state variable bit for bit) for batches of different
// brains, in any block order. gpu/emu.sh runs the cuda-tagged tests
// against a CPU emulator of the driver that executes step.cu itself, and
// gpu/check.sh runs them on a real GPU (make gpu-check).
package gpu

//go:generate go run ./internal/kabi/gen
//go:generate ./ptx.sh
