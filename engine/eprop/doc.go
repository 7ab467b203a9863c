// Package eprop is reward-modulated e-prop (Bellec et al. 2020) exactly as
// MODEL.md §4 defines it, maintained event-driven: per step the work is
// proportional to the neurons plus spikes × fan-out, and every synapse's
// trace is read only at snapshot, reward and inspection time. The
// reference code updates all ≈ 2.4 M traces every 0.1 ms step; the
// learners here give the same numbers (tests against the naive oracle in
// engine/oracle: relative error ≤ 1e-4) at a fraction of the cost.
//
// # The model, and the order within a step
//
// At step t, after the brain's spikes z(t) are known and before the reset
// (MODEL.md §3 point 5), with v the pre-reset potential and θ the
// threshold (v_th, or v_th + β·a with ALIF):
//
//	z̄_i ← α·z̄_i + (1−α)·z_i(t)              α = e^(−dt/tau_m)
//	ψ_j  = γ·max(0, 1 − |v_j − θ_j|/v_th)
//	ê_ij = ψ_j·z̄_i                            (z̄ already includes z(t))
//	ALIF: ε_ij ← ê_ij + (ρ − β·ψ_j)·ε_ij;  ê_ij ← ê_ij − β·ε_ij
//	e_ij ← κ·e_ij + (1−κ)·ê_ij                 κ = e^(−dt/τ_e)
//
// So a spike at step t enters z̄ first, and e(t) pairs it with ψ(t) of the
// same step. Enable starts from z̄ = ε = e = 0 before the first observed
// step.
//
// # LIF: epochs and offsets (lif.go)
//
// Within an epoch that began after step O, let k = t − O and define, per
// presynaptic neuron, A_i(t) = (1−κ)·α^(−k)·z̄_i(t) — constant between i's
// spikes, since z̄ decays as α^k — and, per postsynaptic neuron,
// S_j(t) = Σ_{s=O+1..t} (α/κ)^(s−O)·ψ_j(s). Then
//
//	e_ij(t) = κ^k·(A_i(t)·S_j(t) + c_ij)
//
// with one offset c_ij per synapse: between spikes e(t) − κ·e(t−1) =
// κ^k·A·(α/κ)^k·ψ(t) = (1−κ)·z̄(t)·ψ(t), the recurrence. When i spikes at
// step t, A_i jumps by ΔA = (1−κ)(1−α)·α^(−k) and each of i's synapses
// takes c_ij −= ΔA·S_j(t−1), which leaves e(t−1) unchanged; ψ(t) then
// enters S, so e(t) sees the new z̄ and this step's ψ. That is the whole
// per-step work: N updates of S, and fan-out updates of c per spike.
//
// A rebase ends the epoch: c ← κ^k·(A·S + c) (now c = e exactly),
// A ← α^k·A (= (1−κ)·z̄), S ← 0. It runs every RebaseSteps steps (default
// 512) and at every snapshot, reward, inspection and Disable, at
// O(synapses) cost. Powers are tabulated as exp(k·log x), one rounding
// each; A, S are float64 and c is float32. Because every quantity is
// re-referenced each epoch, nothing grows with the length of the run
// (tested over 10⁶ steps). The one numerical cost is cancellation: for a
// synapse whose presynaptic neuron fired late in the epoch, A·S and c are
// both ≈ ΔA·S_j(t−1), much larger than the fresh e. The float32 rounding
// of c then costs an absolute error of about
// 2⁻²⁴·(1−κ)(1−α)·ψ̄·(e^(g·K)−1)/g, g = dt/tau_m − dt/τ_e; at the
// defaults that is ≈ 1e-10 (≈ 1e-7 of a typical max |e|). The epoch is
// shortened automatically for other time constants to keep e^(g·K) ≤ e⁴.
//
// # ALIF: blocks and a backward sweep (alif.go)
//
// With ALIF the step map acting on (z̄_i, ε_ij, e_ij) is
//
//	z̄ ← α·z̄;  ε ← q·ε + ψ·z̄;  e ← κ·e + (1−κ)·(ψ·z̄ − β·ε),   q = ρ − β·ψ_j
//
// plus, at a spike of i, the jump J = (1, ψ, (1−κ)(1−β)·ψ)·(1−α). Its
// coefficients depend on the postsynaptic neuron only, but the offset
// trick above fails: ψ ≈ v/40 while v sits below threshold, so q ≈ 0.5–0.7
// and Π q spans 10^±100 within a few hundred steps, and the κ-filtered ε
// term would be the difference of two such prefix sums. Instead, steps
// are grouped in blocks of BlockSteps (by default twice the mean fan-out,
// between 64 and 512 steps: the history no larger than the traces).
// During a block each neuron keeps its ψ history, and the forward product
// Φ_j of its step maps is made from it eight steps at a time (each neuron
// kept in registers through them; every step when supervised, which
// reads Φ per step); at the end of the block every synapse's
// block-start state goes through Φ of its target (one pass), then a
// backward sweep over the block keeps Λ_j(m), the product of the maps after step m, and adds each
// spike's jump through it to the spiking neuron's synapses. Only products
// of the step maps appear, nothing is differenced, so the result is exact
// to rounding for any sign of ρ − β·ψ (only ρ − β·γ ≤ −1, where the model
// itself diverges, is refused). Cost: O(N) per step forward and O(N) per
// step in the sweep, spikes × fan-out, and O(synapses) per block.
//
// # Rewards, snapshots, the supervised variant
//
// Snapshot copies e. Reward(r, from) updates the baseline first,
// b = decay·b + (1−decay)·r, then W = clamp(W + lr·(r − b)·E, w_min,
// w_max) for every synapse, E named explicitly: FromSnapshot (the research
// report's method; the snapshot is consumed) or FromCurrent (the
// reference code's final version). The supervised variant accumulates
// G_ij = Σ_t L_j(t)·e_ij(t), L = B·(z_out − target), over a presentation
// (per-neuron sums in the LIF learner, an extra row of the step maps in
// the ALIF learner) and applies W −= lr·G at its end.
//
// # One brain on all cores
//
// When the brain spreads its step over several cores (sim.Brain.Workers
// > 1), the learner's passes over the synapses spread over as many
// goroutines, 256 rows at a time: the LIF rebase and reward from the
// current trace, and the ALIF block pass. Rows are independent of each
// other and a reward's Σ|Δw| is added in the order one core adds it, so
// traces, weights and statistics are those of one core bit for bit
// (TestWorkersSettleBitForBit, with 2 and 3 workers).
//
// # Local reward (an option; issue 16)
//
// RewardRegions(r, from, regions) is a reward delivered to chosen regions
// only, as dopamine reaches some targets and not others. The baseline is
// the learner's one baseline, updated exactly as by Reward; then
// W_ij = clamp(W_ij + lr·(r − b)·E_ij, w_min, w_max) for the synapses
// whose postsynaptic neuron j lies in one of the regions (neuron j is in
// region j / neurons per region), and every other weight is left alone.
// Traces, snapshot consumption and the step are as for Reward: the option
// only masks the weight pass, so it costs nothing when unused (Reward's
// path is unchanged), and listing every region gives Reward's weights and
// update bit for bit (tested).
//
// # Memory
//
// Per synapse: LIF 4 bytes (c), ALIF 8 (ε, e), plus 4 for a snapshot and
// 4 for the supervised accumulation when used. Per neuron: 16–104 bytes,
// and with ALIF 4·BlockSteps bytes of ψ history. On TVB96 at 200 neurons
// per region that is 8.1 bytes per synapse for LIF with a snapshot and
// about 21 for ALIF with a snapshot (8.2 of it the history).
package eprop
