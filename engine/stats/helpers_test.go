package stats

import (
	"math"
	"testing"
)

// near reports whether got is within atol + rtol·|want| of want (the
// numpy.testing.assert_allclose rule). NaN is never near anything.
func near(got, want, rtol, atol float64) bool {
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= atol+rtol*math.Abs(want)
}

func assertNear(t *testing.T, what string, got, want, rtol, atol float64) {
	t.Helper()
	if !near(got, want, rtol, atol) {
		t.Errorf("%s = %.17g, want %.17g (rtol %g, atol %g)", what, got, want, rtol, atol)
	}
}

// mustPanic fails the test unless f panics.
func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}
