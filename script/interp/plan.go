package interp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/encephagen/encephagen/script/rundir"
)

// buildPlan is the plan of the units run_units was given.
func (s *Session) buildPlan(items []starlark.Value, keys []string) *rundir.Plan {
	abs, err := filepath.Abs(s.Opts.Script)
	if err != nil {
		abs = s.Opts.Script
	}
	p := &rundir.Plan{
		Format: 1, Script: abs, ScriptSHA: s.Info.ScriptSHA, Params: map[string]any{},
		Sets: s.Opts.Sets, Modules: s.loader.hashes(), Version: s.Opts.Version, Commit: s.Opts.Commit,
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
		p.Assignment = rundir.Assignment
	}
	for i, it := range items {
		enc, err := EncodeJSON(s.ctx, it, "")
		switch {
		case errors.Is(err, errJSONTooLong) || s.ctx.Err() != nil:
			// Its repr would be as long: a mark of its type only.
			enc, _ = json.Marshal("<" + it.Type() + " too large to show>")
		case err != nil:
			// Not JSON-able (a function, a brain): its repr, as a string.
			enc, _ = json.Marshal(it.String())
		}
		p.Units = append(p.Units, rundir.PlanUnit{Key: keys[i], Unit: enc})
	}
	p.ID = p.ComputeID()
	return p
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
			mf, err := FileOptions.Parse(ref.display, src, 0)
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
func PlanScript(ctx context.Context, opts Options, shards int) (*rundir.Plan, error) {
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
	dir, err := rundir.Open(tmp)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	errOut := opts.Stderr
	if errOut == nil {
		errOut = os.Stderr
	}
	opts.Stdout = errOut
	info := NewRunInfo(opts, p.sha, p.decls, p.values, p.now)
	s, err := runIn(ctx, opts, dir, p, info, sessionConfig{
		mode: modePlan, planShards: shards, infoFile: rundir.RunFile, outFile: rundir.OutputFile,
	})
	if err != nil {
		return nil, err
	}
	if n := s.Progress.Steps(); n > 0 {
		s.note("plan: %s simulates %d brain steps before its run_units call; every shard and the merge simulate them again", opts.Script, n)
	}
	return s.plan, nil
}
