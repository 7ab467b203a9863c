package sim

import (
	"errors"
	"testing"
)

func TestSteps(t *testing.T) {
	for _, c := range []struct {
		ms, dt float64
		want   int
		err    error
	}{
		{0.3, 0.1, 3, nil}, // 0.3/0.1 = 2.9999999999999996: truncation would say 2
		{300, 0.1, 3000, nil},
		{0, 0.1, 0, nil},
		{1e-5, 0.1, 0, ErrStepsNotMultiple},
		{0.25, 0.1, 0, ErrStepsNotMultiple},
		{-1, 0.1, 0, ErrStepsNegative},
		{1e12, 0.1, 0, ErrStepsTooMany},
		{214748364.7, 0.1, MaxRunSteps, nil},
	} {
		n, err := Steps(c.ms, c.dt)
		if n != c.want || !errors.Is(err, c.err) {
			t.Errorf("Steps(%v, %v) = %d, %v; want %d, %v", c.ms, c.dt, n, err, c.want, c.err)
		}
	}
}
