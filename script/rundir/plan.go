package rundir

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// PlanFile is the plan of a sharded run, in its run directory.
const PlanFile = "plan.json"

// ShardsDir holds each shard's run info (I-of-N.json) and printed output
// (I-of-N.txt).
const ShardsDir = "shards"

// Plan is what an experiment will compute: the units its run_units call
// declares, in order, with the script and parameters that declare them.
// The first shard of a run writes it to plan.json; every later shard and
// merge check that they would make the same plan.
type Plan struct {
	Format     int               `json:"format"`
	Script     string            `json:"script"` // absolute path where the plan was made
	ScriptSHA  string            `json:"script_sha256"`
	Params     map[string]any    `json:"params"`
	Sets       []string          `json:"sets,omitempty"`
	Modules    map[string]string `json:"modules,omitempty"` // modules loaded before run_units
	Version    string            `json:"program_version"`
	Commit     string            `json:"commit"`
	Shards     int               `json:"shards,omitempty"` // N of the sharded run; 0 in `encephagen plan`
	Assignment string            `json:"assignment,omitempty"`
	Units      []PlanUnit        `json:"units"`
	// ID is the SHA-256 of the plan's content (script, parameters,
	// modules, shard count, units; not the script's path nor the build),
	// recorded by every shard so that merge can tell shards of another
	// plan.
	ID string `json:"plan_sha256"`
}

// PlanUnit is one unit of a plan: its key and the unit itself as JSON
// (the dict or struct that run_units passes to fn, with its seeds).
type PlanUnit struct {
	Key  string          `json:"key"`
	Unit json.RawMessage `json:"unit"`
}

// Assignment says which shard runs which unit.
const Assignment = "unit i (counted from 0 in this list) runs in shard i % shards"

// Keys are the plan's unit keys in order.
func (p *Plan) Keys() []string {
	out := make([]string, len(p.Units))
	for i, u := range p.Units {
		out[i] = u.Key
	}
	return out
}

// ComputeID is the plan's ID (see Plan.ID).
func (p *Plan) ComputeID() string {
	units := make([]PlanUnit, len(p.Units))
	for i, u := range p.Units {
		units[i] = PlanUnit{Key: u.Key, Unit: CompactJSON(u.Unit)}
	}
	b, _ := json.Marshal(struct {
		ScriptSHA string            `json:"script_sha256"`
		Params    map[string]any    `json:"params"`
		Modules   map[string]string `json:"modules"`
		Shards    int               `json:"shards"`
		Units     []PlanUnit        `json:"units"`
	}{p.ScriptSHA, p.Params, p.Modules, p.Shards, units})
	return Hash(b)
}

// CompactJSON is b without insignificant space (b itself when it is not
// JSON).
func CompactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}

// ReadPlan reads plan.json; it returns nil, nil when there is none.
func ReadPlan(dir *Dir) (*Plan, error) {
	b, err := dir.ReadFile(PlanFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // parameters keep their exact digits
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir.Path, PlanFile), err)
	}
	return &p, nil
}

// paramJSON is a parameter value in a comparable form.
func paramJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// CheckScript compares a plan's script and parameters with this
// invocation's, before anything runs. what is "--shard 1/3" or "merge".
func (p *Plan) CheckScript(what, dir, scriptSHA string, params map[string]any) error {
	if p.ScriptSHA != scriptSHA {
		return Usagef("%s: the run in %s was planned from another version of the script (sha256 %.12s…, this one %.12s…, planned from %s); every shard must run the same script: use a new --out for this one",
			what, dir, p.ScriptSHA, scriptSHA, p.Script)
	}
	for _, name := range sortedKeys(params) {
		old, ok := p.Params[name]
		if !ok {
			return Usagef("%s: parameter %s is not in the plan of %s", what, name, dir)
		}
		if paramJSON(old) != paramJSON(params[name]) {
			return Usagef("%s: parameter %s is %s here but %s in the plan of %s (plan.json); every shard needs the same --set values (the plan's: %s)",
				what, name, paramJSON(params[name]), paramJSON(old), dir, setsString(p.Sets))
		}
	}
	for name := range p.Params {
		if _, ok := params[name]; !ok {
			return Usagef("%s: the plan of %s has a parameter %s that the script does not declare", what, dir, name)
		}
	}
	return nil
}

func setsString(sets []string) string {
	if len(sets) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, s := range sets {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("--set " + s)
	}
	return b.String()
}

// CheckShards compares the shard count.
func (p *Plan) CheckShards(sh Shard, dir string) error {
	if p.Shards != sh.Count {
		return Usagef("%s: the run in %s is split into %d shards (plan.json); its shards are 0/%d … %d/%d",
			sh.Flag(), dir, p.Shards, p.Shards, p.Shards-1, p.Shards)
	}
	return nil
}

// CheckBuild compares the program that made the plan with this one.
func (p *Plan) CheckBuild(what, dir, version, commit string) error {
	if p.Version != version || p.Commit != commit {
		return Usagef("%s: the run in %s was planned by encephagen %s (commit %s) and this is %s (commit %s); every shard must run the same build, as the simulator and its standard library are part of the experiment",
			what, dir, p.Version, p.Commit, version, commit)
	}
	return nil
}

// SameUnits compares what a script declares now (q) with the plan (p):
// modules and units, in order.
func (p *Plan) SameUnits(what, dir string, q *Plan) error {
	for _, m := range sortedKeys(p.Modules) {
		if q.Modules[m] != p.Modules[m] {
			return Usagef("%s: module %s is not the one the run in %s was planned with (sha256 %s, now %s)", what, m, dir, p.Modules[m], orNone(q.Modules[m]))
		}
	}
	for _, m := range sortedKeys(q.Modules) {
		if _, ok := p.Modules[m]; !ok {
			return Usagef("%s: module %s was not loaded when the run in %s was planned", what, m, dir)
		}
	}
	for i := 0; i < min(len(p.Units), len(q.Units)); i++ {
		a, b := p.Units[i], q.Units[i]
		if a.Key != b.Key {
			return Usagef("%s: unit %d is %q here but %q in the plan of %s; the script declares other units than when the run was planned", what, i, b.Key, a.Key, dir)
		}
		if !bytes.Equal(CompactJSON(a.Unit), CompactJSON(b.Unit)) {
			return Usagef("%s: unit %q is %s here but %s in the plan of %s", what, a.Key, CompactJSON(b.Unit), CompactJSON(a.Unit), dir)
		}
	}
	if len(p.Units) != len(q.Units) {
		return Usagef("%s: the script declares %d units here but the plan of %s has %d", what, len(q.Units), dir, len(p.Units))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "not loaded"
	}
	return s
}

// CommitPlan makes p the plan of the run directory, or checks that it is
// the plan already there. Shards that start together race to create
// plan.json: it is written under a unique temporary name and hard-linked
// into place, which fails when it exists, so exactly one plan wins and
// every other shard compares its own with it.
func CommitPlan(dir *Dir, p *Plan, what string) error {
	data := p.JSON()
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := fmt.Sprintf(".%s.%s.part", PlanFile, hex.EncodeToString(rnd[:]))
	if err := dir.writeExact(tmp, data); err != nil {
		return fmt.Errorf("run directory: %v", err)
	}
	err := dir.root.Link(tmp, PlanFile)
	if err != nil && !errors.Is(err, fs.ErrExist) && !dir.Exists(PlanFile) {
		// A file system without hard links: a plain atomic rename.
		err = dir.root.Rename(tmp, PlanFile)
	}
	dir.root.Remove(tmp)
	if err == nil {
		return nil
	}
	old, rerr := ReadPlan(dir)
	if rerr != nil || old == nil {
		return fmt.Errorf("run directory: %s: %v", PlanFile, errors.Join(err, rerr))
	}
	if old.Shards != p.Shards {
		return Usagef("%s: the run in %s is split into %d shards (plan.json), not %d", what, dir.Path, old.Shards, p.Shards)
	}
	params := map[string]any{}
	for k, v := range p.Params {
		params[k] = v
	}
	if err := old.CheckScript(what, dir.Path, p.ScriptSHA, params); err != nil {
		return err
	}
	return old.SameUnits(what, dir.Path, p)
}

// WriteText lists a plan for people: a header, then one line per unit
// with its index, its shard when shards > 0, its key and its JSON.
func (p *Plan) WriteText(w io.Writer, shards int) {
	fmt.Fprintf(w, "# %s (sha256 %.12s…): %d units\n", p.Script, p.ScriptSHA, len(p.Units))
	var ps []string
	for _, k := range sortedKeys(p.Params) {
		ps = append(ps, k+"="+paramJSON(p.Params[k]))
	}
	fmt.Fprintf(w, "# params: %s\n", strings.Join(ps, " "))
	if shards > 0 {
		counts := make([]int, shards)
		for i := range p.Units {
			counts[ShardOf(i, shards)]++
		}
		fmt.Fprintf(w, "# %d shards: %s; units per shard: %v\n", shards, Assignment, counts)
	}
	kw := len("key")
	for _, u := range p.Units {
		kw = max(kw, len(u.Key))
	}
	iw := len(fmt.Sprint(len(p.Units)))
	if shards > 0 {
		fmt.Fprintf(w, "%-*s  %-5s  %-*s  %s\n", iw, "#", "shard", kw, "key", "unit")
	} else {
		fmt.Fprintf(w, "%-*s  %-*s  %s\n", iw, "#", kw, "key", "unit")
	}
	for i, u := range p.Units {
		if shards > 0 {
			fmt.Fprintf(w, "%-*d  %-5d  %-*s  %s\n", iw, i, ShardOf(i, shards), kw, u.Key, CompactJSON(u.Unit))
		} else {
			fmt.Fprintf(w, "%-*d  %-*s  %s\n", iw, i, kw, u.Key, CompactJSON(u.Unit))
		}
	}
}

// JSON is the plan as plan.json holds it.
func (p *Plan) JSON() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
