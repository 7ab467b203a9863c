package eprop

import (
	"fmt"
)

// Params are the learning parameters of MODEL.md §4. The neuron constants
// (tau_m for α, τ_a and β for ALIF, v_th, dt) come from the brain's
// network parameters.
type Params struct {
	LearningRate float64 // lr
	TauEMs       float64 // τ_e, the eligibility filter's time constant
	Gamma        float64 // γ, the pseudo-derivative's height
	WMinMV       float64 // lower weight bound
	WMaxMV       float64 // upper weight bound
	RewardDecay  float64 // the baseline's decay per reward

	// RebaseSteps is the epoch length of the LIF learner: every synapse is
	// re-referenced (its offset turned back into its eligibility) after
	// this many steps, which bounds the cancellation in the offsets (see
	// the package doc). 0 means 512.
	RebaseSteps int
	// BlockSteps is the block length of the ALIF learner: the
	// pseudo-derivative of every neuron is kept for this many steps and
	// the block is then settled in one backward sweep (see the package
	// doc). Memory is 4·N·BlockSteps bytes. 0 chooses it from the
	// network: the history no larger than ε and e (8 bytes per synapse),
	// between 64 and 512 steps (see blockSteps).
	BlockSteps int
}

// Defaults returns the parameters of the reference experiments 22/23: lr
// 0.1, τ_e 50 ms, γ 0.5, w in [−15, 15] mV, reward decay 0.99.
func Defaults() Params {
	return Params{
		LearningRate: 0.1,
		TauEMs:       50,
		Gamma:        0.5,
		WMinMV:       -15,
		WMaxMV:       15,
		RewardDecay:  0.99,
	}
}

// The ranges of the learning parameters and rewards: finite, and narrow
// enough that eligibilities, baselines and weights stay finite in float32.
const (
	MaxLearningRate = 1e6
	MaxWeightMV     = 10000.0
	MaxReward       = 1e6
)

const (
	defaultRebaseSteps = 512
	maxBlockSteps      = 512
	maxEpochSteps      = 1 << 16
)

// Validate refuses parameters that cannot work, naming the parameter, the
// allowed range and the value given.
func (p *Params) Validate() error {
	bad := func(name, want string, got any) error {
		return errorf("%s must be %s, got %v", name, want, got)
	}
	in := func(x, lo, hi float64) bool { return x >= lo && x <= hi }
	switch {
	case !in(p.LearningRate, -MaxLearningRate, MaxLearningRate):
		return bad("learning_rate", fmt.Sprintf("in [-%g, %g]", MaxLearningRate, MaxLearningRate), p.LearningRate)
	case !in(p.TauEMs, 0.001, 1e6):
		return bad("tau_e_ms", "in [0.001, 1000000]", p.TauEMs)
	case !in(p.Gamma, 0, 1000):
		return bad("gamma", "in [0, 1000]", p.Gamma)
	case !in(p.WMinMV, -MaxWeightMV, MaxWeightMV) || !in(p.WMaxMV, -MaxWeightMV, MaxWeightMV) || !(p.WMinMV <= p.WMaxMV):
		return errorf("weight bounds must be in [-%g, %g] mV with w_min ≤ w_max, got [%v, %v]", MaxWeightMV, MaxWeightMV, p.WMinMV, p.WMaxMV)
	case !in(p.RewardDecay, 0, 1):
		return bad("reward_decay", "in [0, 1]", p.RewardDecay)
	case p.RebaseSteps < 0 || p.RebaseSteps > maxEpochSteps:
		return bad("rebase_steps", fmt.Sprintf("in [0, %d] (0 = %d)", maxEpochSteps, defaultRebaseSteps), p.RebaseSteps)
	case p.BlockSteps < 0 || p.BlockSteps > maxEpochSteps:
		return bad("block_steps", fmt.Sprintf("in [0, %d] (0: chosen from the network)", maxEpochSteps), p.BlockSteps)
	}
	return nil
}

// Error is an error of the learner's. Its text is "eprop: " and Msg; a
// caller that names the operation itself (the script's eprop.reward)
// takes Msg alone.
type Error struct{ Msg string }

func (e *Error) Error() string { return "eprop: " + e.Msg }

func errorf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }
