package script

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// MergeInfo is what run.json records of a merge: the plan, and the runs
// of its shards as their run info tells (status "running" is a shard that
// was stopped or is still going; only the units count).
type MergeInfo struct {
	PlanSHA string        `json:"plan_sha256"`
	Shards  int           `json:"shards"`
	Units   int           `json:"units"`
	Runs    []ShardRecord `json:"shard_runs"`
}

// ShardRecord summarises one shard's run info.
type ShardRecord struct {
	Shard    string      `json:"shard"`
	Host     string      `json:"host"`
	Status   string      `json:"status"`
	Started  string      `json:"started"`
	Finished string      `json:"finished,omitempty"`
	Resumed  int         `json:"resumed,omitempty"`
	Units    *UnitCounts `json:"units,omitempty"`
	Commit   string      `json:"commit"`
}

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
		if err = commitPlan(s.dir, p, what); err == nil {
			s.plan = p
			s.info.PlanSHA = p.ID
		}
	case modeMerge:
		p.Shards = s.plan.Shards
		p.ID = p.computeID()
		err = s.plan.sameUnits("merge", s.dir.Path, p)
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		s.unitMu.Lock()
		s.planErr = err
		s.unitMu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return nil
}

// stop marks the session as ended by run_units.
func (s *Session) stop() {
	s.unitMu.Lock()
	s.stopped = true
	s.unitMu.Unlock()
}

// UnitProblems are the differences between a run's units/ folder and its
// plan; merge needs every planned unit exactly once and nothing else.
type UnitProblems struct {
	Planned    int
	Present    int
	Missing    []string   // planned keys without their file
	Duplicated [][]string // a key recorded by several files: the key, then the files
	Foreign    []string   // files of units not in the plan
	Misnamed   []string   // files whose recorded key is not their name
	Unreadable []string   // files that are not unit records
}

// OK says whether the units are exactly the plan's.
func (u *UnitProblems) OK() bool {
	return len(u.Missing)+len(u.Duplicated)+len(u.Foreign)+len(u.Misnamed)+len(u.Unreadable) == 0
}

// unitRecord is the head of a units/<key>.json file.
type unitRecord struct {
	Key   *string         `json:"key"`
	Value json.RawMessage `json:"value"`
}

// checkUnits compares the units/ folder of a run directory with its
// plan: every planned key must have units/<key>.json recording that key;
// a key recorded by two files is duplicated, a file of a key that is not
// planned is foreign. Hidden files (temporary .part files of writes that
// were killed) are ignored.
func checkUnits(ctx context.Context, dir *RunDir, plan *Plan) (*UnitProblems, error) {
	u := &UnitProblems{Planned: len(plan.Units)}
	planned := map[string]bool{}
	for _, pu := range plan.Units {
		planned[pu.Key] = true
	}
	type file struct{ name, pathKey, recorded string }
	var files []file
	byRecorded := map[string][]string{}
	err := fs.WalkDir(dir.root.FS(), unitsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == unitsDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("merge: interrupted while checking the units: %w", err)
		}
		if strings.HasPrefix(d.Name(), ".") && p != unitsDir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel := strings.TrimPrefix(p, unitsDir+"/")
		if !strings.HasSuffix(rel, ".json") || !d.Type().IsRegular() {
			u.Foreign = append(u.Foreign, p)
			return nil
		}
		b, err := dir.ReadFile(p)
		var rec unitRecord
		if err == nil {
			err = json.Unmarshal(b, &rec)
		}
		if err == nil && (rec.Key == nil || rec.Value == nil) {
			err = errors.New(`not a unit record {"key": …, "value": …}`)
		}
		if err != nil {
			u.Unreadable = append(u.Unreadable, fmt.Sprintf("%s (%v)", p, err))
			return nil
		}
		f := file{p, strings.TrimSuffix(rel, ".json"), *rec.Key}
		files = append(files, f)
		byRecorded[f.recorded] = append(byRecorded[f.recorded], p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path.Join(dir.Path, unitsDir), err)
	}
	present := map[string]bool{}
	for _, f := range files {
		switch {
		case len(byRecorded[f.recorded]) > 1:
			// reported below, once per key
		case !planned[f.pathKey]:
			msg := f.name
			if f.recorded != f.pathKey {
				msg += fmt.Sprintf(" (records %q)", f.recorded)
			}
			u.Foreign = append(u.Foreign, msg)
		case f.recorded != f.pathKey:
			u.Misnamed = append(u.Misnamed, fmt.Sprintf("%s records %q", f.name, f.recorded))
		}
		if f.recorded == f.pathKey && planned[f.pathKey] {
			present[f.pathKey] = true
		}
	}
	for _, k := range sortedKeys(byRecorded) {
		if fs := byRecorded[k]; len(fs) > 1 {
			sort.Strings(fs)
			u.Duplicated = append(u.Duplicated, append([]string{k}, fs...))
		}
	}
	for _, pu := range plan.Units {
		if present[pu.Key] {
			u.Present++
		} else {
			u.Missing = append(u.Missing, pu.Key)
		}
	}
	sort.Strings(u.Foreign)
	return u, nil
}

// describe is the problems as a message naming the files and the shards
// that own the missing units.
func (u *UnitProblems) describe(dirPath string, plan *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "merge: %s does not hold every planned unit exactly once (%d planned, %d in place):",
		path.Join(dirPath, unitsDir), u.Planned, u.Present)
	list := func(xs []string) string {
		const most = 10
		if len(xs) <= most {
			return strings.Join(xs, ", ")
		}
		return strings.Join(xs[:most], ", ") + fmt.Sprintf(", … and %d more", len(xs)-most)
	}
	hint := ""
	if len(u.Missing) > 0 {
		missing := u.Missing
		if plan.Shards > 0 {
			index := map[string]int{}
			for i, pu := range plan.Units {
				index[pu.Key] = i
			}
			missing = nil
			owners := map[int]bool{}
			for _, k := range u.Missing {
				sh := ShardOf(index[k], plan.Shards)
				owners[sh] = true
				missing = append(missing, fmt.Sprintf("%s (shard %d/%d)", k, sh, plan.Shards))
			}
			var again []string
			for i := 0; i < plan.Shards; i++ {
				if owners[i] {
					again = append(again, fmt.Sprintf("%d/%d", i, plan.Shards))
				}
			}
			hint = fmt.Sprintf("\n  run shard%s %s again: a shard skips the units it has finished", plural(len(again)), strings.Join(again, ", "))
		}
		fmt.Fprintf(&b, "\n  missing %d: %s", len(u.Missing), list(missing))
	}
	for _, d := range u.Duplicated {
		fmt.Fprintf(&b, "\n  duplicated: unit %q is recorded by %d files: %s", d[0], len(d)-1, strings.Join(d[1:], ", "))
	}
	if len(u.Foreign) > 0 {
		fmt.Fprintf(&b, "\n  foreign (not in the plan) %d: %s", len(u.Foreign), list(u.Foreign))
	}
	if len(u.Misnamed) > 0 {
		fmt.Fprintf(&b, "\n  misnamed (the recorded key is not the file's) %d: %s", len(u.Misnamed), list(u.Misnamed))
	}
	if len(u.Unreadable) > 0 {
		fmt.Fprintf(&b, "\n  unreadable %d: %s", len(u.Unreadable), list(u.Unreadable))
	}
	if len(u.Duplicated)+len(u.Foreign)+len(u.Misnamed)+len(u.Unreadable) > 0 {
		b.WriteString("\n  remove the files that do not belong (a planned unit's file must record its own key)")
	}
	b.WriteString(hint)
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// shardRecords reads shards/*.json, checking that every shard that got
// as far as run_units ran this plan.
func shardRecords(dir *RunDir, plan *Plan) ([]ShardRecord, error) {
	des, err := fs.ReadDir(dir.root.FS(), shardsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []ShardRecord
	for _, d := range des {
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		name := shardsDir + "/" + d.Name()
		info, err := dir.readInfoAs(name)
		if err != nil {
			return nil, err
		}
		if info.PlanSHA != "" && info.PlanSHA != plan.ID {
			return nil, fmt.Errorf("merge: %s ran another plan (plan_sha256 %.12s…) than %s (%.12s…); were shards of several runs copied together?",
				path.Join(dir.Path, name), info.PlanSHA, path.Join(dir.Path, planFile), plan.ID)
		}
		out = append(out, ShardRecord{
			Shard: info.Shard, Host: info.Host, Status: info.Status, Started: info.Started,
			Finished: info.Finished, Resumed: len(info.Resumed), Units: info.Units, Commit: info.Commit,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Shard < out[j].Shard })
	return out, nil
}

// MergeResult says what a merge found.
type MergeResult struct {
	Plan   *Plan
	Shards []ShardRecord
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
	dir, err := openRunDir(dirPath)
	if err != nil {
		return "", nil, &UsageError{err}
	}
	defer dir.Close()
	if !checkOnly {
		if err := dir.lock(lockFile); err != nil {
			return dirPath, nil, err
		}
	}
	plan, err := readPlan(dir)
	if err != nil {
		return dirPath, nil, err
	}
	if plan == nil {
		return dirPath, nil, usagef("merge: %s has no %s: it is not a sharded run (exec --shard I/N --out %s writes it)", dirPath, planFile, dirPath)
	}
	res := &MergeResult{Plan: plan}
	problems, err := checkUnits(ctx, dir, plan)
	if err != nil {
		return dirPath, res, err
	}
	if !problems.OK() {
		return dirPath, res, errors.New(problems.describe(dirPath, plan))
	}
	if res.Shards, err = shardRecords(dir, plan); err != nil {
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
			return dirPath, res, usagef("merge: parameter %s is not in %s", d.Name, planFile)
		}
		v, err := d.parse(fmt.Sprint(old))
		if err != nil {
			return dirPath, res, usagef("merge: %s: parameter %s = %v: %v", planFile, d.Name, old, err)
		}
		p.values[d.Name] = v
	}
	opts.Sets = plan.Sets
	info := newRunInfo(opts, p.sha, p.decls, p.values, p.now)
	info.Merge = &MergeInfo{PlanSHA: plan.ID, Shards: plan.Shards, Units: len(plan.Units), Runs: res.Shards}
	_, err = runIn(ctx, opts, dir, p, info, sessionConfig{
		mode: modeMerge, plan: plan, infoFile: runFile, outFile: outputFile, truncate: true,
	})
	return dirPath, res, err
}
