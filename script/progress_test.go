package script

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	if p.live {
		t.Fatal("a buffer is not a terminal")
	}
	p.start = time.Now().Add(-10 * time.Second)
	p.unitsTotal.Store(20)
	p.unitsDone.Store(4)
	p.unitsSkip.Store(1)
	p.setPhase("conditioning")
	p.addSteps(50000, 0.1) // 5 s of one brain in 10 s of wall time
	line := p.line()
	for _, want := range []string{"units 5/20 (1 reused)", "conditioning", "5.0 s simulated", "5000 steps/s", "real-time factor 0.500", "ETA 38s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
}
