package sim

import (
	"errors"
	"math"
)

// MaxRunSteps bounds one run, whether given in steps or in ms: 2³¹−1.
const MaxRunSteps = math.MaxInt32

// The ways a duration can fail to be a number of steps (Steps).
var (
	ErrStepsNegative    = errors.New("duration must be ≥ 0 and finite")
	ErrStepsNotMultiple = errors.New("duration must be a multiple of dt")
	ErrStepsTooMany     = errors.New("duration exceeds MaxRunSteps steps")
)

// Steps is the one rule, shared by the CLI and scripts, that turns a
// duration of ms milliseconds into steps of dt: ms/dt rounded to the
// nearest integer, accepted only when ms is within a relative 1e-6 of a
// multiple of dt. So 0.3 ms at dt 0.1 is 3 steps, although 0.3/0.1 is
// 2.9999999999999996 in floating point (truncation would give 2), and
// 0.25 ms is refused rather than silently rounded. The errors are
// ErrStepsNegative, ErrStepsNotMultiple and ErrStepsTooMany (more than
// MaxRunSteps); callers word them for their own flags or keywords.
func Steps(ms, dt float64) (int, error) {
	if !(ms >= 0) || math.IsInf(ms, 0) {
		return 0, ErrStepsNegative
	}
	x := ms / dt
	n := math.Round(x)
	if math.Abs(x-n) > 1e-6*math.Max(1, x) {
		return 0, ErrStepsNotMultiple
	}
	if n > MaxRunSteps {
		return 0, ErrStepsTooMany
	}
	return int(n), nil
}
