package script

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/encephagen/encephagen/script/rundir"
)

// shardScript has units that need no connectome: the sharding machinery
// alone, in process.
const shardScript = `
P = params(n = 7, scale = 2)
units = [{"key": "u/%d" % i, "seed": 100 + i} for i in range(P.n)]
def one(u):
    print("unit", u["key"])
    return {"seed": u["seed"], "value": u["seed"] * P.scale, "half": u["seed"] / 2}
res = run_units(units, one)
print("analysis", len(res))
write_json("results.json", {"res": res, "provenance": provenance()})
write_text("report.txt", str([r["value"] for r in res]))
`

type shardFixture struct {
	t      *testing.T
	script string
	root   string
}

func newShardFixture(t *testing.T, src string) *shardFixture {
	root := t.TempDir()
	p := filepath.Join(root, "exp.star")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return &shardFixture{t: t, script: p, root: root}
}

func (f *shardFixture) opts(dir string, sets ...string) (Options, *bytes.Buffer) {
	var out bytes.Buffer
	return Options{Script: f.script, Sets: sets, RunDir: filepath.Join(f.root, dir), Workers: 2,
		Stdout: &out, Stderr: io.Discard, Version: "test", Commit: "c"}, &out
}

func (f *shardFixture) shard(dir string, i, n int, sets ...string) (string, error) {
	o, out := f.opts(dir, sets...)
	o.Shard = &rundir.Shard{Index: i, Count: n, From: "--shard"}
	_, err := Exec(context.Background(), o)
	return out.String(), err
}

func withoutProvenance(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "provenance")
	out, _ := json.Marshal(m)
	return string(out)
}

func TestShardsAndMerge(t *testing.T) {
	f := newShardFixture(t, shardScript)
	o, _ := f.opts("single")
	if _, err := Exec(context.Background(), o); err != nil {
		t.Fatal(err)
	}

	// The plan: every unit, in order, with its seeds, whatever the split.
	o, _ = f.opts("")
	plan, err := PlanScript(context.Background(), o, 0)
	if err != nil {
		t.Fatal(err)
	}
	plan3, err := PlanScript(context.Background(), o, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"u/0", "u/1", "u/2", "u/3", "u/4", "u/5", "u/6"}; !reflect.DeepEqual(plan.Keys(), want) || !reflect.DeepEqual(plan3.Keys(), want) {
		t.Fatalf("plan keys %v, %v", plan.Keys(), plan3.Keys())
	}
	if string(plan.Units[3].Unit) != `{"key":"u/3","seed":103}` || !reflect.DeepEqual(plan.Units, plan3.Units) {
		t.Errorf("plan units %s", plan.Units)
	}
	var text bytes.Buffer
	plan3.WriteText(&text, 3)
	if !strings.Contains(text.String(), "units per shard: [3 2 2]") || !strings.Contains(text.String(), `5  2      u/5  {"key":"u/5","seed":105}`) {
		t.Errorf("plan text:\n%s", text.String())
	}

	// Shard 1 of 3 computes units 1 and 4 only, and stops before the analysis.
	out, err := f.shard("run", 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if out != "unit u/1\nunit u/4\n" {
		t.Errorf("shard 1/3 printed %q", out)
	}
	units, _ := filepath.Glob(filepath.Join(f.root, "run", "units", "u", "*.json"))
	if len(units) != 2 || filepath.Base(units[0]) != "1.json" || filepath.Base(units[1]) != "4.json" {
		t.Errorf("shard 1/3 wrote %v", units)
	}
	if _, err := os.Stat(filepath.Join(f.root, "run", "results.json")); err == nil {
		t.Error("a shard ran the analysis")
	}
	b, _ := os.ReadFile(filepath.Join(f.root, "run", "shards", "1-of-3.txt"))
	if string(b) != "unit u/1\nunit u/4\n" {
		t.Errorf("shards/1-of-3.txt = %q", b)
	}

	// Merging now names what is missing and the shards that own it.
	mo, _ := f.opts("run")
	_, _, err = Merge(context.Background(), mo, false)
	if err == nil || !strings.Contains(err.Error(), "missing 5: u/0 (shard 0/3), u/2 (shard 2/3), u/3 (shard 0/3)") ||
		!strings.Contains(err.Error(), "run shards 0/3, 2/3 again") {
		t.Fatalf("merge with shards missing: %v", err)
	}

	// A later shard with other parameters, another shard count, or a
	// script that differs, is refused before it computes anything.
	var ue *UsageError
	if _, err := f.shard("run", 0, 3, "scale=3"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "parameter scale is 3 here but 2 in the plan") {
		t.Errorf("other parameters: %v", err)
	}
	if _, err := f.shard("run", 0, 4); !errors.As(err, &ue) || !strings.Contains(err.Error(), "is split into 3 shards") {
		t.Errorf("other N: %v", err)
	}
	other := newShardFixture(t, shardScript+"\n# changed\n")
	other.root = f.root
	if _, err := other.shard("run", 0, 3); !errors.As(err, &ue) || !strings.Contains(err.Error(), "another version of the script") {
		t.Errorf("other script: %v", err)
	}

	for _, i := range []int{2, 0} {
		if _, err := f.shard("run", i, 3); err != nil {
			t.Fatal(err)
		}
	}
	// A shard run again reuses its units.
	if _, err := f.shard("run", 2, 3); err != nil {
		t.Fatal(err)
	}
	info := readInfoFile(t, filepath.Join(f.root, "run", "shards", "2-of-3.json"))
	if info.Units == nil || info.Units.Reused != 2 || info.Units.Computed != 0 || len(info.Resumed) != 1 || info.Status != "ok" || info.PlanSHA != plan3.ID {
		t.Errorf("shard 2/3 run again: %+v", info)
	}

	mo, mout := f.opts("run")
	if _, res, err := Merge(context.Background(), mo, false); err != nil || len(res.Shards) != 3 {
		t.Fatalf("merge: %v\n%s", err, mout)
	}
	if mout.String() != "analysis 7\n" {
		t.Errorf("merge printed %q", mout)
	}
	single, merged := filepath.Join(f.root, "single"), filepath.Join(f.root, "run")
	if a, b := withoutProvenance(t, filepath.Join(single, "results.json")), withoutProvenance(t, filepath.Join(merged, "results.json")); a != b {
		t.Errorf("merged results differ from a single run's:\n%s\n%s", a, b)
	}
	x, _ := os.ReadFile(filepath.Join(single, "report.txt"))
	y, _ := os.ReadFile(filepath.Join(merged, "report.txt"))
	if !bytes.Equal(x, y) {
		t.Errorf("report.txt: %q vs %q", x, y)
	}
	info = readInfoFile(t, filepath.Join(merged, "run.json"))
	if info.Status != "ok" || info.Merge == nil || info.Merge.Shards != 3 || info.Merge.Units != 7 || len(info.Merge.Runs) != 3 || info.Units.Reused != 7 || info.Params["scale"] != 2.0 {
		t.Errorf("run.json of the merge: %+v", info)
	}
}

func readInfoFile(t *testing.T, p string) *rundir.Info {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var info rundir.Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	return &info
}

func TestShardScriptErrors(t *testing.T) {
	var ue *UsageError
	// No run_units: nothing to plan or shard.
	f := newShardFixture(t, "print('hello')\n")
	o, _ := f.opts("")
	if _, err := PlanScript(context.Background(), o, 0); !errors.As(err, &ue) || !strings.Contains(err.Error(), "never calls run_units") {
		t.Errorf("plan without run_units: %v", err)
	}
	if _, err := f.shard("run", 0, 2); !errors.As(err, &ue) || !strings.Contains(err.Error(), "never calls run_units") {
		t.Errorf("shard without run_units: %v", err)
	}
	// unit() outside run_units cannot be split.
	f = newShardFixture(t, "x = unit('calibration', lambda: 1)\nrun_units([{'key': 'a'}], lambda u: 1)\n")
	if _, err := f.shard("run", 0, 2); err == nil || !strings.Contains(err.Error(), `unit("calibration") outside run_units`) {
		t.Errorf("unit() in a shard: %v", err)
	}
	// Two run_units calls cannot be planned at once.
	f = newShardFixture(t, "a = run_units([{'key': 'a'}], lambda u: 1)\nb = run_units([{'key': 'b'}], lambda u: 2)\n")
	o, _ = f.opts("plain")
	if _, err := Exec(context.Background(), o); err != nil {
		t.Errorf("plain exec with two run_units: %v", err)
	}
	if _, err := f.shard("run", 0, 1); err != nil {
		t.Fatal(err) // stops after the first
	}
	mo, _ := f.opts("run")
	if _, _, err := Merge(context.Background(), mo, false); err == nil || !strings.Contains(err.Error(), "called a second time") {
		t.Errorf("merge with two run_units: %v", err)
	}
	// A script whose modules changed is refused by the next shard.
	f = newShardFixture(t, "load('keys.star', 'KEYS')\nrun_units([{'key': k} for k in KEYS], lambda u: 1)\n")
	os.WriteFile(filepath.Join(f.root, "keys.star"), []byte("KEYS = ['a', 'b']\n"), 0o644)
	if _, err := f.shard("run", 0, 2); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(f.root, "keys.star"), []byte("KEYS = ['a', 'c']\n"), 0o644)
	if _, err := f.shard("run", 1, 2); !errors.As(err, &ue) || !strings.Contains(err.Error(), "keys.star is not the one the run in") {
		t.Errorf("changed module: %v", err)
	}
}

// TestNoRunUnitsRunsNothing: plan and --shard refuse a script that never
// names run_units (nor do its modules) before running any of it: no
// simulation, no results file, no run directory content.
func TestNoRunUnitsRunsNothing(t *testing.T) {
	dataPath(t)
	src := `load("lib.star", "go")
write_json("results.json", {"x": 1})
go()
`
	lib := `def go():
    b = brain(connectome("paupau"), neurons_per_region = 10)
    run(b, ms = 1e6)  # minutes: the test fails on time if it runs
`
	f := newShardFixture(t, src)
	os.WriteFile(filepath.Join(f.root, "lib.star"), []byte(lib), 0o644)
	var ue *UsageError
	start := time.Now()
	o, _ := f.opts("")
	if _, err := PlanScript(context.Background(), o, 0); !errors.As(err, &ue) || !strings.Contains(err.Error(), "never calls run_units") {
		t.Errorf("plan: %v", err)
	}
	if _, err := f.shard("run", 0, 2); !errors.As(err, &ue) || !strings.Contains(err.Error(), "never calls run_units") {
		t.Errorf("--shard: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: the script ran", d)
	}
	if des, _ := os.ReadDir(filepath.Join(f.root, "run")); len(des) > 0 {
		t.Errorf("the shard's run directory has %d entries", len(des))
	}
	// A script that names run_units but does not call it runs, and is
	// refused at its end; a shard writes nothing before run_units.
	f = newShardFixture(t, "if False:\n    run_units([], len)\nwrite_json(\"results.json\", 1)\n")
	if _, err := f.shard("run", 0, 2); err == nil || !strings.Contains(err.Error(), "writes no files before run_units") {
		t.Errorf("--shard, write before run_units: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "run", "results.json")); err == nil {
		t.Error("a shard wrote results.json")
	}
	// Naming run_units in a loaded module is enough to be run (and a
	// script that names it without calling it is still refused, at its end).
	f = newShardFixture(t, "load('lib.star', 'f')\nprint(f)\n")
	os.WriteFile(filepath.Join(f.root, "lib.star"), []byte("f = run_units\n"), 0o644)
	if _, err := f.shard("run", 0, 2); !errors.As(err, &ue) || !strings.Contains(err.Error(), "never calls run_units") {
		t.Errorf("--shard, run_units named not called: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "run", "shards")); err != nil {
		t.Errorf("the script did not run: %v", err)
	}
}

// TestMergeCheckInterrupted: checking the units of a run stops on Ctrl-C.
func TestMergeCheckInterrupted(t *testing.T) {
	f := newShardFixture(t, shardScript)
	for i := 0; i < 2; i++ {
		if _, err := f.shard("run", i, 2); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := rundir.Open(filepath.Join(f.root, "run"))
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	plan, err := rundir.ReadPlan(dir)
	if err != nil || plan == nil {
		t.Fatalf("plan: %v", err)
	}
	if p, err := rundir.CheckUnits(context.Background(), dir, plan); err != nil || !p.OK() {
		t.Fatalf("check: %v %+v", err, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rundir.CheckUnits(ctx, dir, plan); !errors.Is(err, context.Canceled) {
		t.Errorf("check after cancel: %v", err)
	}
}
