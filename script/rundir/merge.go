package rundir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
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

// CheckUnits compares the units/ folder of a run directory with its
// plan: every planned key must have units/<key>.json recording that key;
// a key recorded by two files is duplicated, a file of a key that is not
// planned is foreign. Hidden files (temporary .part files of writes that
// were killed) are ignored.
func CheckUnits(ctx context.Context, dir *Dir, plan *Plan) (*UnitProblems, error) {
	u := &UnitProblems{Planned: len(plan.Units)}
	planned := map[string]bool{}
	for _, pu := range plan.Units {
		planned[pu.Key] = true
	}
	type file struct{ name, pathKey, recorded string }
	var files []file
	byRecorded := map[string][]string{}
	err := fs.WalkDir(dir.root.FS(), UnitsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == UnitsDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("merge: interrupted while checking the units: %w", err)
		}
		if strings.HasPrefix(d.Name(), ".") && p != UnitsDir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel := strings.TrimPrefix(p, UnitsDir+"/")
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
		return nil, fmt.Errorf("%s: %w", path.Join(dir.Path, UnitsDir), err)
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

// Describe is the problems as a message naming the files and the shards
// that own the missing units.
func (u *UnitProblems) Describe(dirPath string, plan *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "merge: %s does not hold every planned unit exactly once (%d planned, %d in place):",
		path.Join(dirPath, UnitsDir), u.Planned, u.Present)
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

// ShardRecords reads shards/*.json, checking that every shard that got
// as far as run_units ran this plan.
func ShardRecords(dir *Dir, plan *Plan) ([]ShardRecord, error) {
	des, err := fs.ReadDir(dir.root.FS(), ShardsDir)
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
		name := ShardsDir + "/" + d.Name()
		info, err := dir.ReadInfoAs(name)
		if err != nil {
			return nil, err
		}
		if info.PlanSHA != "" && info.PlanSHA != plan.ID {
			return nil, fmt.Errorf("merge: %s ran another plan (plan_sha256 %.12s…) than %s (%.12s…); were shards of several runs copied together?",
				path.Join(dir.Path, name), info.PlanSHA, path.Join(dir.Path, PlanFile), plan.ID)
		}
		out = append(out, ShardRecord{
			Shard: info.Shard, Host: info.Host, Status: info.Status, Started: info.Started,
			Finished: info.Finished, Resumed: len(info.Resumed), Units: info.Units, Commit: info.Commit,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Shard < out[j].Shard })
	return out, nil
}
