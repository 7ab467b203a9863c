package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3},
		{"tau_m", "tau_m_ms", 3}, {"flaw", "lawn", 2}, {"same", "same", 0},
	} {
		if got := Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

func TestBoundedStopsEarly(t *testing.T) {
	if got := Bounded("kitten", "sitting", 1); got <= 1 {
		t.Fatalf("Bounded above the limit gave %d", got)
	}
	if got := Bounded("kitten", "sitting", 3); got != 3 {
		t.Fatalf("Bounded within the limit gave %d, want 3", got)
	}
	if got := Bounded("a", "abcdef", 2); got <= 2 {
		t.Fatalf("length difference over the limit gave %d", got)
	}
}
