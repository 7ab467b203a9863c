package script

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// planFile is the plan of a sharded run, in its run directory.
const planFile = "plan.json"

// shardsDir holds each shard's run info (I-of-N.json) and printed output
// (I-of-N.txt).
const shardsDir = "shards"

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

const assignment = "unit i (counted from 0 in this list) runs in shard i % shards"

// Keys are the plan's unit keys in order.
func (p *Plan) Keys() []string {
	out := make([]string, len(p.Units))
	for i, u := range p.Units {
		out[i] = u.Key
	}
	return out
}

func (p *Plan) computeID() string {
	units := make([]PlanUnit, len(p.Units))
	for i, u := range p.Units {
		units[i] = PlanUnit{Key: u.Key, Unit: compactJSON(u.Unit)}
	}
	b, _ := json.Marshal(struct {
		ScriptSHA string            `json:"script_sha256"`
		Params    map[string]any    `json:"params"`
		Modules   map[string]string `json:"modules"`
		Shards    int               `json:"shards"`
		Units     []PlanUnit        `json:"units"`
	}{p.ScriptSHA, p.Params, p.Modules, p.Shards, units})
	return fileSHA(b)
}

func compactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}

func (p *Plan) marshal() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

// buildPlan is the plan of the units run_units was given.
func (s *Session) buildPlan(items []starlark.Value, keys []string) *Plan {
	abs, err := filepath.Abs(s.opts.Script)
	if err != nil {
		abs = s.opts.Script
	}
	p := &Plan{
		Format: 1, Script: abs, ScriptSHA: s.info.ScriptSHA, Params: map[string]any{},
		Sets: s.opts.Sets, Modules: s.loader.hashes(), Version: s.opts.Version, Commit: s.opts.Commit,
	}
	for _, d := range s.params.decls {
		p.Params[d.Name] = paramGoValue(s.params.values[d.Name])
	}
	if s.mode == modeShard {
		p.Shards = s.shard.Count
	}
	if s.mode == modePlan && s.planShards > 0 {
		p.Shards = s.planShards
	}
	if p.Shards > 0 {
		p.Assignment = assignment
	}
	for i, it := range items {
		enc, err := encodeJSON(s.ctx, "run_units", it, "")
		switch {
		case errors.Is(err, errJSONTooLong) || s.ctx.Err() != nil:
			// Its repr would be as long: a mark of its type only.
			enc, _ = json.Marshal("<" + it.Type() + " too large to show>")
		case err != nil:
			// Not JSON-able (a function, a brain): its repr, as a string.
			enc, _ = json.Marshal(it.String())
		}
		p.Units = append(p.Units, PlanUnit{Key: keys[i], Unit: enc})
	}
	p.ID = p.computeID()
	return p
}

// readPlan reads plan.json; it returns nil, nil when there is none.
func readPlan(dir *RunDir) (*Plan, error) {
	b, err := dir.ReadFile(planFile)
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
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir.Path, planFile), err)
	}
	return &p, nil
}

// paramJSON is a parameter value in a comparable form.
func paramJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkParams compares a plan's script and parameters with this
// invocation's, before anything runs. what is "--shard 1/3" or "merge".
func (p *Plan) checkScript(what, dir, scriptSHA string, params map[string]any) error {
	if p.ScriptSHA != scriptSHA {
		return usagef("%s: the run in %s was planned from another version of the script (sha256 %.12s…, this one %.12s…, planned from %s); every shard must run the same script: use a new --out for this one",
			what, dir, p.ScriptSHA, scriptSHA, p.Script)
	}
	for _, name := range sortedKeys(params) {
		old, ok := p.Params[name]
		if !ok {
			return usagef("%s: parameter %s is not in the plan of %s", what, name, dir)
		}
		if paramJSON(old) != paramJSON(params[name]) {
			return usagef("%s: parameter %s is %s here but %s in the plan of %s (plan.json); every shard needs the same --set values (the plan's: %s)",
				what, name, paramJSON(params[name]), paramJSON(old), dir, setsString(p.Sets))
		}
	}
	for name := range p.Params {
		if _, ok := params[name]; !ok {
			return usagef("%s: the plan of %s has a parameter %s that the script does not declare", what, dir, name)
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

// checkShards compares the shard count.
func (p *Plan) checkShards(sh Shard, dir string) error {
	if p.Shards != sh.Count {
		return usagef("%s: the run in %s is split into %d shards (plan.json); its shards are 0/%d … %d/%d",
			sh.Flag(), dir, p.Shards, p.Shards, p.Shards-1, p.Shards)
	}
	return nil
}

// checkBuild compares the program that made the plan with this one.
func (p *Plan) checkBuild(what, dir, version, commit string) error {
	if p.Version != version || p.Commit != commit {
		return usagef("%s: the run in %s was planned by encephagen %s (commit %s) and this is %s (commit %s); every shard must run the same build, as the simulator and its standard library are part of the experiment",
			what, dir, p.Version, p.Commit, version, commit)
	}
	return nil
}

// sameUnits compares what a script declares now (q) with the plan (p):
// modules and units, in order.
func (p *Plan) sameUnits(what, dir string, q *Plan) error {
	for _, m := range sortedKeys(p.Modules) {
		if q.Modules[m] != p.Modules[m] {
			return usagef("%s: module %s is not the one the run in %s was planned with (sha256 %s, now %s)", what, m, dir, p.Modules[m], orNone(q.Modules[m]))
		}
	}
	for _, m := range sortedKeys(q.Modules) {
		if _, ok := p.Modules[m]; !ok {
			return usagef("%s: module %s was not loaded when the run in %s was planned", what, m, dir)
		}
	}
	for i := 0; i < min(len(p.Units), len(q.Units)); i++ {
		a, b := p.Units[i], q.Units[i]
		if a.Key != b.Key {
			return usagef("%s: unit %d is %q here but %q in the plan of %s; the script declares other units than when the run was planned", what, i, b.Key, a.Key, dir)
		}
		if !bytes.Equal(compactJSON(a.Unit), compactJSON(b.Unit)) {
			return usagef("%s: unit %q is %s here but %s in the plan of %s", what, a.Key, compactJSON(b.Unit), compactJSON(a.Unit), dir)
		}
	}
	if len(p.Units) != len(q.Units) {
		return usagef("%s: the script declares %d units here but the plan of %s has %d", what, len(q.Units), dir, len(p.Units))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "not loaded"
	}
	return s
}

// commitPlan makes p the plan of the run directory, or checks that it is
// the plan already there. Shards that start together race to create
// plan.json: it is written under a unique temporary name and hard-linked
// into place, which fails when it exists, so exactly one plan wins and
// every other shard compares its own with it.
func commitPlan(dir *RunDir, p *Plan, what string) error {
	data := p.marshal()
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := fmt.Sprintf(".%s.%s.part", planFile, hex.EncodeToString(rnd[:]))
	if err := dir.writeExact(tmp, data); err != nil {
		return fmt.Errorf("run directory: %v", err)
	}
	err := dir.root.Link(tmp, planFile)
	if err != nil && !errors.Is(err, fs.ErrExist) && !dir.exists(planFile) {
		// A file system without hard links: a plain atomic rename.
		err = dir.root.Rename(tmp, planFile)
	}
	dir.root.Remove(tmp)
	if err == nil {
		return nil
	}
	old, rerr := readPlan(dir)
	if rerr != nil || old == nil {
		return fmt.Errorf("run directory: %s: %v", planFile, errors.Join(err, rerr))
	}
	if old.Shards != p.Shards {
		return usagef("%s: the run in %s is split into %d shards (plan.json), not %d", what, dir.Path, old.Shards, p.Shards)
	}
	params := map[string]any{}
	for k, v := range p.Params {
		params[k] = v
	}
	if err := old.checkScript(what, dir.Path, p.ScriptSHA, params); err != nil {
		return err
	}
	return old.sameUnits(what, dir.Path, p)
}

// namesRunUnits reports whether the script, or a module it loads (and so
// on), names run_units at all. One that does not can have no plan, and
// that is known before anything runs; one that names it but never calls
// it is found when it ends. A module that cannot be read or parsed counts
// as naming it: running the script reports the fault.
func namesRunUnits(opts Options, f *syntax.File) bool {
	sb, err := newSandbox(opts.Script, opts.Store)
	if err != nil {
		return true
	}
	seen := map[string]bool{}
	var names func(display string, f *syntax.File) bool
	names = func(display string, f *syntax.File) bool {
		found := false
		syntax.Walk(f, func(n syntax.Node) bool {
			if id, ok := n.(*syntax.Ident); ok && id.Name == "run_units" {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
		for _, st := range f.Stmts {
			ld, ok := st.(*syntax.LoadStmt)
			if !ok {
				continue
			}
			mod, _ := ld.Module.Value.(string)
			if _, extra := opts.ExtraModules[mod]; extra {
				continue
			}
			ref, err := resolveModule(sb, display, mod)
			if err != nil {
				return true
			}
			if seen[ref.key] {
				continue
			}
			seen[ref.key] = true
			src, err := ref.source()
			if err != nil {
				return true
			}
			mf, err := fileOptions.Parse(ref.display, src, 0)
			if err != nil || names(ref.display, mf) {
				return true
			}
		}
		return false
	}
	return names(opts.Script, f)
}

// noRunUnits is the refusal of a plan or shard of a script without
// run_units; what is "encephagen plan" or the --shard flag.
func noRunUnits(what, script string) error {
	return usagef("%s: %s never calls run_units, so it has no units to plan or to split into shards (declare its independent units with run_units; see encephagen doc run_units)", what, script)
}

// PlanScript runs a script as `encephagen plan` does: up to its run_units
// call, in a temporary run directory that is removed afterwards, and
// returns the units it declares without computing any. shards > 0
// records how a run would be split (it changes nothing else). The
// script's printed output goes to opts.Stderr. A script that never calls
// run_units has no plan: a *UsageError.
func PlanScript(ctx context.Context, opts Options, shards int) (*Plan, error) {
	p, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	if !namesRunUnits(opts, p.file) {
		return nil, noRunUnits("encephagen plan", opts.Script)
	}
	tmp, err := os.MkdirTemp("", "encephagen-plan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir, err := openRunDir(tmp)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	errOut := opts.Stderr
	if errOut == nil {
		errOut = os.Stderr
	}
	opts.Stdout = errOut
	info := newRunInfo(opts, p.sha, p.decls, p.values, p.now)
	s, err := runIn(ctx, opts, dir, p, info, sessionConfig{
		mode: modePlan, planShards: shards, infoFile: runFile, outFile: outputFile,
	})
	if err != nil {
		return nil, err
	}
	if n := s.progress.steps.Load(); n > 0 {
		s.note("plan: %s simulates %d brain steps before its run_units call; every shard and the merge simulate them again", opts.Script, n)
	}
	return s.plan, nil
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
		fmt.Fprintf(w, "# %d shards: %s; units per shard: %v\n", shards, assignment, counts)
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
			fmt.Fprintf(w, "%-*d  %-5d  %-*s  %s\n", iw, i, ShardOf(i, shards), kw, u.Key, compactJSON(u.Unit))
		} else {
			fmt.Fprintf(w, "%-*d  %-*s  %s\n", iw, i, kw, u.Key, compactJSON(u.Unit))
		}
	}
}

// JSON is the plan as plan.json holds it.
func (p *Plan) JSON() []byte { return p.marshal() }
