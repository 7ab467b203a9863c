package connectome

import (
	"reflect"
	"strings"
	"testing"
)

// The TVB96 table of MODEL.md §1.
var tvb96Groups = map[string][]int{
	"visual":        {12, 18, 21, 22, 60, 66, 69, 70},
	"auditory":      {24, 30, 72, 78},
	"somatosensory": {28, 29, 76, 77},
	"prefrontal":    {3, 5, 7, 14, 17, 19, 23, 34, 37, 38, 51, 53, 55, 62, 65, 67, 71, 82, 85, 86},
	"hippocampus":   {9, 15, 57, 63},
	"amygdala":      {2, 50},
	"basal_ganglia": {44, 45, 46, 47, 92, 93, 94, 95},
	"thalamus":      {41, 42, 43, 89, 90, 91},
	"motor":         {11, 31, 39, 40, 59, 79, 87, 88},
}

func TestGroupNamesOrder(t *testing.T) {
	want := "visual auditory somatosensory prefrontal hippocampus amygdala basal_ganglia thalamus motor"
	if got := strings.Join(GroupNames(), " "); got != want {
		t.Errorf("%s", got)
	}
}

func TestTVB96Groups(t *testing.T) {
	c := shared(t, "tvb96")
	for name, want := range tvb96Groups {
		got, err := c.Group(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	gs := c.Groups()
	if len(gs) != 9 {
		t.Fatalf("%d groups", len(gs))
	}
	for i, g := range gs {
		if g.Name != GroupNames()[i] || !reflect.DeepEqual(g.Regions, tvb96Groups[g.Name]) {
			t.Errorf("Groups()[%d] = %+v", i, g)
		}
	}
	if _, err := c.Group("cerebellum"); err == nil || !strings.Contains(err.Error(), "known: visual, auditory") {
		t.Errorf("unknown group: %v", err)
	}
}

func TestGroupsOverlapAndEmpty(t *testing.T) {
	c := &Connectome{Labels: []string{"lPHC", "x-hc", "V1M1", "other"}}
	hc, _ := c.Group("hippocampus")
	if !reflect.DeepEqual(hc, []int{0, 1}) {
		t.Errorf("hippocampus %v", hc)
	}
	v, _ := c.Group("visual")
	m, _ := c.Group("motor")
	if !reflect.DeepEqual(v, []int{2}) || !reflect.DeepEqual(m, []int{2}) {
		t.Errorf("a region may be in several groups: visual %v motor %v", v, m)
	}
	a, err := c.Group("amygdala")
	if err != nil || a == nil || len(a) != 0 {
		t.Errorf("empty group: %v %v", a, err)
	}
}

func TestRegionIndex(t *testing.T) {
	c := shared(t, "tvb96")
	if i, err := c.RegionIndex("RM-V1_R"); err != nil || i != 22 {
		t.Errorf("RM-V1_R → %d, %v", i, err)
	}
	_, err := c.RegionIndex("RM-V1-R")
	if err == nil || !strings.Contains(err.Error(), `did you mean "RM-V1_R"`) {
		t.Errorf("typo: %v", err)
	}
	_, err = c.RegionIndex("rm-v1_r")
	if err == nil || !strings.Contains(err.Error(), `"RM-V1_R"`) {
		t.Errorf("case: %v", err)
	}
	_, err = c.RegionIndex("nothing like it")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("far: %v", err)
	}
	d := shared(t, "tvb998")
	_, err = d.RegionIndex("rLOF")
	if err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("duplicate label: %v", err)
	}
}
