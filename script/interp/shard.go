package interp

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/encephagen/encephagen/script/rundir"
)

// execShard runs one shard (Exec with opts.Shard): the script up to its
// run_units call, then this shard's units, then it stops; no analysis.
// Every shard of a run shares one run directory (opts.RunDir): the first
// creates it and its plan.json; the others join it, checking that they
// run the same plan; each keeps its run info and printed output in
// shards/I-of-N.json and .txt; units are per-key files written
// atomically, and a re-run shard skips those already finished.
func execShard(ctx context.Context, opts Options, p *prepared) (string, error) {
	sh := *opts.Shard
	what := sh.Flag()
	path := opts.RunDir
	if path == "" {
		return "", usagef("%s: give the run directory that all shards share with --out", what)
	}
	if opts.Resume {
		// Shards always reuse finished units; --resume changes nothing.
		opts.Resume = false
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return "", fmt.Errorf("run directory: %v", err)
	}
	dir, err := rundir.Open(path)
	if err != nil {
		return "", err
	}
	defer dir.Close()
	plan, err := rundir.ReadPlan(dir)
	if err != nil {
		return path, &UsageError{Err: err}
	}
	params := map[string]any{}
	for _, d := range p.decls {
		params[d.Name] = paramGoValue(p.values[d.Name])
	}
	if plan == nil {
		if dir.Exists(rundir.RunFile) {
			return path, usagef("%s: %s holds a run that was not sharded (run.json, no plan.json); give the shards a new --out", what, path)
		}
		if des, _ := os.ReadDir(path); len(des) > 0 && !dir.Exists(rundir.ShardsDir) {
			return path, usagef("%s: %s exists, is not empty and is not a sharded run; give the shards a new --out", what, path)
		}
	} else {
		if err := plan.CheckShards(sh, path); err != nil {
			return path, err
		}
		if err := plan.CheckScript(what, path, p.sha, params); err != nil {
			return path, err
		}
		if err := plan.CheckBuild(what, path, opts.Version, opts.Commit); err != nil {
			return path, err
		}
	}

	if !namesRunUnits(opts, p.file) {
		return path, noRunUnits(what, opts.Script)
	}
	// Shards share the directory; each locks its own file, so that one
	// shard cannot run twice at once.
	if err := dir.MkdirAll(rundir.ShardsDir); err != nil {
		return path, fmt.Errorf("run directory: %v", err)
	}
	if err := dir.Lock(rundir.ShardsDir + "/." + sh.FileStem() + ".lock"); err != nil {
		return path, err
	}
	name := rundir.ShardsDir + "/" + sh.FileStem()
	info := NewRunInfo(opts, p.sha, p.decls, p.values, p.now)
	if old, err := dir.ReadInfoAs(name + ".json"); err == nil {
		info.Started = old.Started
		info.Resumed = append(old.Resumed, p.now.UTC().Format(time.RFC3339))
	}
	info.Shard, info.ShardFrom, info.Scheduler = sh.String(), sh.From, sh.Env
	s, err := runIn(ctx, opts, dir, p, info, sessionConfig{
		mode: modeShard, shard: sh, infoFile: name + ".json", outFile: name + ".txt",
	})
	if err == nil {
		c := s.units.Counts()
		computed, reused := c.Computed, c.Reused
		s.note("shard %s: %d computed, %d reused: the %d of the plan's %d units that are this shard's; when every shard has finished: encephagen merge %s",
			sh, computed, reused, computed+reused, len(s.plan.Units), path)
	}
	return path, err
}
