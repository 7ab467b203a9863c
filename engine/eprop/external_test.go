package eprop

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/sim"
)

// TestHandOver: HandOut copies the learner's state (changing the copy
// changes nothing), HandBack of an unchanged copy leaves the state as it
// was and counts the steps, and HandBack refuses, changing nothing, a
// state of the wrong kind or shape.
func TestHandOver(t *testing.T) {
	for _, alif := range []bool{false, true} {
		net := smallNet(t, alif)
		b := sim.NewBrain(net, 1)
		l, err := New(b, Defaults())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.HandOut(); !errors.Is(err, ErrNotHandedOut) || l.CanHandOut() {
			t.Fatalf("ALIF %v: a disabled learner handed out: %v", alif, err)
		}
		if err := l.Enable(); err != nil {
			t.Fatal(err)
		}
		run(t, b, 300, stimulus(t, net, []int{0}, 12))
		h, err := l.HandOut()
		if err != nil || !l.CanHandOut() {
			t.Fatalf("ALIF %v: %v", alif, err)
		}
		if h.ALIF != alif || h.Pos <= 0 || h.Pos >= h.Len {
			t.Fatalf("ALIF %v: handed out ALIF %v at step %d of %d", alif, h.ALIF, h.Pos, h.Len)
		}
		steps := l.steps // (Stats would flush the epoch or block)
		orig, _ := l.HandOut()
		// The hand-over owns its slices.
		for _, x := range [][]float32{h.C, h.Eps, h.E, h.Hist} {
			for i := range x {
				x[i] = 7
			}
		}
		for _, x := range [][]float64{h.A, h.S, h.Zeta, h.FEZ} {
			for i := range x {
				x[i] = 7
			}
		}
		if now, _ := l.HandOut(); !reflect.DeepEqual(now, orig) {
			t.Fatalf("ALIF %v: changing a hand-over changed the learner", alif)
		}
		// Refused hand-backs change nothing.
		bad := []func(h *Handover){
			func(h *Handover) { h.ALIF = !h.ALIF },
			func(h *Handover) { h.Pos = h.Len },
			func(h *Handover) { h.Pos = -1 },
		}
		if alif {
			bad = append(bad,
				func(h *Handover) { h.Eps = h.Eps[1:] },
				func(h *Handover) { h.FPE = h.FPE[1:] },
				func(h *Handover) { h.Hist = h.Hist[1:] },
				func(h *Handover) { h.SpikeOff = h.SpikeOff[1:] },
				func(h *Handover) { h.Spikes = append(h.Spikes, 0) })
		} else {
			bad = append(bad,
				func(h *Handover) { h.C = h.C[1:] },
				func(h *Handover) { h.S = append(h.S, 0) })
		}
		for k, f := range bad {
			h, _ := l.HandOut()
			for i := range h.A {
				h.A[i]++
			}
			for i := range h.Zeta {
				h.Zeta[i]++
			}
			f(h)
			if err := l.HandBack(h, 10); err == nil {
				t.Fatalf("ALIF %v: bad hand-back %d accepted", alif, k)
			} else if !strings.HasPrefix(err.Error(), "eprop: hand back") {
				t.Fatalf("ALIF %v: bad hand-back %d: %v", alif, k, err)
			}
			if now, _ := l.HandOut(); !reflect.DeepEqual(now, orig) || l.steps != steps {
				t.Fatalf("ALIF %v: refused hand-back %d changed the learner", alif, k)
			}
		}
		// An unchanged state comes back as it was, 25 more steps counted.
		same, _ := l.HandOut()
		if err := l.HandBack(same, 25); err != nil {
			t.Fatal(err)
		}
		if now, _ := l.HandOut(); !reflect.DeepEqual(now, orig) || l.steps != steps+25 {
			t.Fatalf("ALIF %v: a round trip changed the learner (steps %d → %d)", alif, steps, l.steps)
		}
		// A changed one is taken.
		moved, _ := l.HandOut()
		if alif {
			moved.Zeta[0] += 1
		} else {
			moved.C[0] += 1
		}
		if err := l.HandBack(moved, 0); err != nil {
			t.Fatal(err)
		}
		if now, _ := l.HandOut(); !reflect.DeepEqual(now, moved) {
			t.Fatalf("ALIF %v: the handed-back state was not taken", alif)
		}
	}
}
