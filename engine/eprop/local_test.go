package eprop

import (
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/engine/sim"
)

// TestRewardRegions checks the local reward against the global one: from
// identical brains, a reward to every region (listed out of order, with a
// repeat) gives Reward's weights and update bit for bit, over two rewards
// (so the baseline is shared too); a reward to region 1 changes exactly
// the weights onto region 1's neurons, to the values the global reward
// gives them, and leaves every other weight as it was.
func TestRewardRegions(t *testing.T) {
	for _, alif := range []bool{false, true} {
		for _, from := range []Trace{FromSnapshot, FromCurrent} {
			net := smallNet(t, alif)
			ext := stimulus(t, net, []int{0}, 12)
			var brains []*sim.Brain
			var ls []*Learner
			for k := 0; k < 3; k++ {
				b := sim.NewBrain(net, 5)
				PrivateWeights(b)
				l, err := New(b, Defaults())
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Enable(); err != nil {
					t.Fatal(err)
				}
				brains, ls = append(brains, b), append(ls, l)
			}
			all := []int{0} // every region, out of order, region 0 twice
			for g := net.Regions - 1; g >= 0; g-- {
				all = append(all, g)
			}
			w0 := slices.Clone(net.W)
			for trial := 0; trial < 2; trial++ {
				for k, b := range brains {
					if trial == 1 && k == 2 {
						continue
					}
					run(t, b, 300, ext)
					if from == FromSnapshot {
						if err := ls[k].Snapshot(); err != nil {
							t.Fatal(err)
						}
					}
					run(t, b, 100, nil)
				}
				ug, err := ls[0].Reward(1, from)
				if err != nil {
					t.Fatal(err)
				}
				ua, err := ls[1].RewardRegions(1, from, all)
				if err != nil {
					t.Fatal(err)
				}
				if ug != ua || !slices.Equal(brains[0].Net.W, brains[1].Net.W) {
					t.Fatalf("alif %v, %v, reward %d: every region differs from the global reward: %+v against %+v", alif, from, trial, ua, ug)
				}
				if ug.Changed == 0 {
					t.Fatalf("alif %v, %v: the global reward changed no weight; the test needs one that does", alif, from)
				}
				if trial == 1 {
					continue
				}
				u1, err := ls[2].RewardRegions(1, from, []int{1})
				if err != nil {
					t.Fatal(err)
				}
				if u1.Baseline != ug.Baseline || u1.Factor != ug.Factor {
					t.Fatalf("alif %v, %v: local reward's baseline/factor %v/%v, global %v/%v", alif, from, u1.Baseline, u1.Factor, ug.Baseline, ug.Factor)
				}
				W1, Wg := brains[2].Net.W, brains[0].Net.W
				in, out := 0, 0
				for s, w := range W1 {
					inRegion := int(net.Post[s])/net.NPR == 1
					switch {
					case inRegion && w != Wg[s]:
						t.Fatalf("alif %v, %v: synapse %d onto region 1 has %v, the global reward gives %v", alif, from, s, w, Wg[s])
					case !inRegion && w != w0[s]:
						t.Fatalf("alif %v, %v: synapse %d onto region %d changed (%v → %v)", alif, from, s, int(net.Post[s])/net.NPR, w0[s], w)
					case inRegion && w != w0[s]:
						in++
					case !inRegion && Wg[s] != w0[s]:
						out++
					}
				}
				if in == 0 || out == 0 || u1.Changed != in {
					t.Fatalf("alif %v, %v: %d weights changed in region 1 (update says %d), the global reward changed %d elsewhere; need both > 0", alif, from, in, u1.Changed, out)
				}
			}
		}
	}
}

func TestRewardRegionsErrors(t *testing.T) {
	net := smallNet(t, false)
	b := sim.NewBrain(net, 1)
	PrivateWeights(b)
	l, _ := New(b, Defaults())
	if err := l.Enable(); err != nil {
		t.Fatal(err)
	}
	run(t, b, 50, nil)
	w0 := slices.Clone(b.Net.W)
	for _, c := range []struct {
		regions []int
		want    string
	}{
		{nil, "regions is empty"},
		{[]int{0, 10}, "regions[1] must be a region index in [0, 10), got 10"},
		{[]int{-1}, "regions[0] must be a region index in [0, 10), got -1"},
	} {
		_, err := l.RewardRegions(1, FromCurrent, c.regions)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("regions %v: got %v, want an error containing %q", c.regions, err, c.want)
		}
	}
	if st := l.Stats(); st.Baseline != 0 || !slices.Equal(w0, b.Net.W) {
		t.Fatal("a refused reward changed the baseline or the weights")
	}
	if _, err := l.RewardRegions(1, FromSnapshot, []int{0}); err == nil || !strings.Contains(err.Error(), "no snapshot") {
		t.Fatalf("a snapshot reward without a snapshot: %v", err)
	}
}
