package rundir

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf)
	if p.live {
		t.Fatal("a buffer is not a terminal")
	}
	p.start = time.Now().Add(-10 * time.Second)
	p.unitsTotal.Store(20)
	p.unitsDone.Store(4)
	p.unitsSkip.Store(1)
	p.SetPhase("conditioning")
	p.AddSteps(50000, 0.1) // 5 s of one brain in 10 s of wall time
	line := p.line()
	for _, want := range []string{"units 5/20 (1 reused)", "conditioning", "5.0 s simulated", "5000 steps/s", "real-time factor 0.500", "ETA 38s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
}

// TestProgressETA: the time left comes from the units' own timings. The
// case of `make run`: a minute of setup before run_units, then 16 units
// of 20 s on 2 workers. When the first two finish together (at 80 s),
// 140 s are left; the wall time per unit so far said 560 s (4× off).
func TestProgressETA(t *testing.T) {
	t0 := time.Now()
	p := NewProgress(&bytes.Buffer{})
	p.start = t0
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	p.unitsTotal.Store(16)
	p.UnitsBegin(2)
	a, b := p.UnitStart(at(60)), p.UnitStart(at(60))
	p.UnitEnd(a, at(80), true, false)
	p.UnitEnd(b, at(80), true, false)
	c, d := p.UnitStart(at(80)), p.UnitStart(at(80))
	eta, ok := p.eta(at(80))
	if want := 140 * time.Second; !ok || eta < want*9/10 || eta > want*11/10 {
		t.Errorf("ETA at 80 s: %v, want about %v", eta, want)
	}
	// Half-way through the second pair: 130 s left.
	eta, _ = p.eta(at(90))
	if want := 130 * time.Second; eta < want*9/10 || eta > want*11/10 {
		t.Errorf("ETA at 90 s: %v, want about %v", eta, want)
	}
	// Reused units do not count as instant computations.
	p.UnitEnd(c, at(100), true, false)
	p.UnitEnd(d, at(100), false, true)
	eta, _ = p.eta(at(100))
	if want := 120 * time.Second; eta < want*9/10 || eta > want*11/10 {
		t.Errorf("ETA at 100 s: %v, want about %v", eta, want)
	}
}
