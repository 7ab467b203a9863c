package eprop

import (
	"fmt"
	"math"
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
	// doc). Memory is 4·N·BlockSteps bytes. 0 means 512.
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

const (
	defaultRebaseSteps = 512
	defaultBlockSteps  = 512
	maxEpochSteps      = 1 << 16
)

// Validate refuses parameters that cannot work, naming the parameter, the
// allowed range and the value given.
func (p *Params) Validate() error {
	bad := func(name, want string, got any) error {
		return fmt.Errorf("eprop: %s must be %s, got %v", name, want, got)
	}
	finite := func(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }
	switch {
	case !finite(p.LearningRate):
		return bad("learning_rate", "finite", p.LearningRate)
	case !(p.TauEMs > 0) || !finite(p.TauEMs):
		return bad("tau_e_ms", "> 0", p.TauEMs)
	case !(p.Gamma >= 0) || !finite(p.Gamma):
		return bad("gamma", "≥ 0", p.Gamma)
	case !finite(p.WMinMV) || !finite(p.WMaxMV) || !(p.WMinMV <= p.WMaxMV):
		return fmt.Errorf("eprop: weight bounds must be finite with w_min ≤ w_max, got [%v, %v]", p.WMinMV, p.WMaxMV)
	case !(p.RewardDecay >= 0 && p.RewardDecay <= 1):
		return bad("reward_decay", "in [0, 1]", p.RewardDecay)
	case p.RebaseSteps < 0 || p.RebaseSteps > maxEpochSteps:
		return bad("rebase_steps", fmt.Sprintf("in [0, %d] (0 = %d)", maxEpochSteps, defaultRebaseSteps), p.RebaseSteps)
	case p.BlockSteps < 0 || p.BlockSteps > maxEpochSteps:
		return bad("block_steps", fmt.Sprintf("in [0, %d] (0 = %d)", maxEpochSteps, defaultBlockSteps), p.BlockSteps)
	}
	return nil
}
