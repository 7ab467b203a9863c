package interp

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.starlark.net/starlark"

	"github.com/encephagen/encephagen/script/rundir"
)

// checkPlan compares the units run_units declares with the run's plan:
// in a plan session it becomes the plan; a shard commits it to plan.json
// (or checks it against the one there); a merge checks it against the
// plan read from plan.json.
func (s *Session) checkPlan(fn string, items []starlark.Value, keys []string) error {
	p := s.buildPlan(items, keys)
	var err error
	switch s.mode {
	case modePlan:
		s.plan = p
	case modeShard:
		what := s.shard.Flag()
		if err = rundir.CommitPlan(s.Dir, p, what); err == nil {
			s.plan = p
			s.Info.PlanSHA = p.ID
		}
	case modeMerge:
		p.Shards = s.plan.Shards
		p.ID = p.ComputeID()
		err = s.plan.SameUnits("merge", s.Dir.Path, p)
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		s.planMu.Lock()
		s.planErr = err
		s.planMu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return nil
}

// stop marks the session as ended by run_units.
func (s *Session) stop() {
	s.planMu.Lock()
	s.stopped = true
	s.planMu.Unlock()
}

// MergeResult says what a merge found.
type MergeResult struct {
	Plan   *rundir.Plan
	Shards []rundir.ShardRecord
}

// Merge combines the shards of a run as `encephagen merge` does. It
// checks that units/ holds every unit of plan.json exactly once (and
// nothing else), then, unless checkOnly, runs the script (opts.Script,
// or the one plan.json names) with the plan's parameters in the run
// directory: run_units loads the stored units and computes none, and the
// rest of the script writes results.json, the report and the plots as a
// single-machine run does. run.json records the merge; output.txt what
// the script printed. A bad invocation is a *UsageError; units that do
// not match the plan are an error listing them.
func Merge(ctx context.Context, opts Options, checkOnly bool) (string, *MergeResult, error) {
	dirPath := opts.RunDir
	if st, err := os.Stat(dirPath); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return "", nil, usagef("merge: run directory %s: %v", dirPath, err)
	}
	dir, err := rundir.Open(dirPath)
	if err != nil {
		return "", nil, &UsageError{Err: err}
	}
	defer dir.Close()
	if !checkOnly {
		if err := dir.Lock(rundir.LockFile); err != nil {
			return dirPath, nil, err
		}
	}
	plan, err := rundir.ReadPlan(dir)
	if err != nil {
		return dirPath, nil, err
	}
	if plan == nil {
		return dirPath, nil, usagef("merge: %s has no %s: it is not a sharded run (exec --shard I/N --out %s writes it)", dirPath, rundir.PlanFile, dirPath)
	}
	res := &MergeResult{Plan: plan}
	problems, err := rundir.CheckUnits(ctx, dir, plan)
	if err != nil {
		return dirPath, res, err
	}
	if !problems.OK() {
		return dirPath, res, errors.New(problems.Describe(dirPath, plan))
	}
	if res.Shards, err = rundir.ShardRecords(dir, plan); err != nil {
		return dirPath, res, err
	}
	if checkOnly {
		return dirPath, res, nil
	}

	if opts.Script == "" {
		opts.Script = plan.Script
		if _, err := os.Stat(opts.Script); err != nil {
			return dirPath, res, usagef("merge: the script of the plan, %s, is not there (%v); give its path with --script", plan.Script, err)
		}
	}
	opts.Sets = nil
	p, err := prepare(opts)
	if err != nil {
		return dirPath, res, err
	}
	if p.sha != plan.ScriptSHA {
		return dirPath, res, usagef("merge: %s is not the script the run was planned with (sha256 %.12s…, the plan's %.12s…)", opts.Script, p.sha, plan.ScriptSHA)
	}
	for _, d := range p.decls {
		old, ok := plan.Params[d.Name]
		if !ok {
			return dirPath, res, usagef("merge: parameter %s is not in %s", d.Name, rundir.PlanFile)
		}
		v, err := d.parse(fmt.Sprint(old))
		if err != nil {
			return dirPath, res, usagef("merge: %s: parameter %s = %v: %v", rundir.PlanFile, d.Name, old, err)
		}
		p.values[d.Name] = v
	}
	opts.Sets = plan.Sets
	info := NewRunInfo(opts, p.sha, p.decls, p.values, p.now)
	info.Merge = &rundir.MergeInfo{PlanSHA: plan.ID, Shards: plan.Shards, Units: len(plan.Units), Runs: res.Shards}
	_, err = runIn(ctx, opts, dir, p, info, sessionConfig{
		mode: modeMerge, plan: plan, infoFile: rundir.RunFile, outFile: rundir.OutputFile, truncate: true,
	})
	return dirPath, res, err
}
