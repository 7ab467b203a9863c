package connectome

import (
	"fmt"
	"github.com/encephagen/encephagen/engine/suggest"
	"sort"
	"strings"
)

// The region groups of MODEL.md §1, in their fixed order. The patterns were
// written for the CoCoMac labels of tvb96 (RM-V1_R, BG-Cd_L, TM-F_R, …);
// on other parcellations a group may be empty or catch unrelated labels.
var groupDefs = []struct {
	name     string
	patterns []string
}{
	{"visual", []string{"V1", "V2", "VAC"}},
	{"auditory", []string{"A1", "A2"}},
	{"somatosensory", []string{"S1", "S2"}},
	{"prefrontal", []string{"PFC", "FEF"}},
	{"hippocampus", []string{"HC", "PHC"}},
	{"amygdala", []string{"AMYG"}},
	{"basal_ganglia", []string{"BG"}},
	{"thalamus", []string{"TM"}},
	{"motor", []string{"M1", "PMC"}},
}

// GroupNames lists the region groups in their fixed order.
func GroupNames() []string {
	names := make([]string, len(groupDefs))
	for i, g := range groupDefs {
		names[i] = g.name
	}
	return names
}

// GroupPatterns returns the substrings that define a group (matched against
// the upper-cased label).
func GroupPatterns(name string) ([]string, error) {
	for _, g := range groupDefs {
		if g.name == name {
			return append([]string(nil), g.patterns...), nil
		}
	}
	return nil, unknownGroup(name)
}

func unknownGroup(name string) error {
	return fmt.Errorf("unknown region group %q (known: %s)", name, strings.Join(GroupNames(), ", "))
}

// RegionGroup is one group with its member regions in this connectome.
type RegionGroup struct {
	Name     string
	Patterns []string
	Regions  []int // ascending; may be empty
}

func (c *Connectome) members(patterns []string) []int {
	idx := []int{}
	for i, l := range c.Labels {
		u := strings.ToUpper(l)
		for _, p := range patterns {
			if strings.Contains(u, p) {
				idx = append(idx, i)
				break
			}
		}
	}
	return idx
}

// Group returns the regions of a named group, ascending. A group that
// matches no label is an empty slice, not an error: only the name is
// checked.
func (c *Connectome) Group(name string) ([]int, error) {
	p, err := GroupPatterns(name)
	if err != nil {
		return nil, err
	}
	return c.members(p), nil
}

// Groups returns every group in the fixed order of GroupNames.
func (c *Connectome) Groups() []RegionGroup {
	gs := make([]RegionGroup, len(groupDefs))
	for i, g := range groupDefs {
		gs[i] = RegionGroup{Name: g.name, Patterns: append([]string(nil), g.patterns...), Regions: c.members(g.patterns)}
	}
	return gs
}

// RegionIndex finds a region by its exact label. Labels need not be unique
// (tvb998 repeats its 66 area names); an ambiguous label is an error that
// lists the regions carrying it.
func (c *Connectome) RegionIndex(label string) (int, error) {
	var hits []int
	for i, l := range c.Labels {
		if l == label {
			hits = append(hits, i)
		}
	}
	name := c.Name
	if name == "" {
		name = "connectome"
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		msg := fmt.Sprintf("%s: no region labelled %q", name, label)
		if s := c.closest(label); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", strings.Join(quoteAll(s), " or "))
		}
		return -1, fmt.Errorf("%s", msg)
	}
	return -1, fmt.Errorf("%s: label %q is ambiguous, carried by regions %s", name, label, intsString(hits))
}

// closest returns up to three distinct labels at the smallest edit distance
// (case-insensitive) from s, if that distance is small enough to be a typo.
func (c *Connectome) closest(s string) []string {
	us := strings.ToUpper(s)
	limit := 2
	if len(us) <= 3 {
		limit = 1
	}
	best := limit + 1
	var out []string
	seen := map[string]bool{}
	for _, l := range c.Labels {
		if seen[l] {
			continue
		}
		seen[l] = true
		d := suggest.Bounded(us, strings.ToUpper(l), best)
		if d < best {
			best, out = d, []string{l}
		} else if d == best && d <= limit {
			out = append(out, l)
		}
	}
	if best > limit {
		return nil
	}
	sort.Strings(out)
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

func intsString(v []int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, " ")
}
