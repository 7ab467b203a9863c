package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cliEnv runs the command like cli, in the repository root when dir is
// "", with the scheduler variables of the test's own environment removed
// and env added.
func cliEnv(t *testing.T, dir string, env []string, name string, args ...string) cliResult {
	t.Helper()
	if dir == "" {
		dir = repoRoot(t)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	return runCommand(t, cmd)
}

// cleanEnv is the environment without a scheduler's variables (the tests
// may themselves run inside a Slurm job or a pod).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SLURM_") || strings.HasPrefix(kv, "JOB_COMPLETION_INDEX=") || strings.HasPrefix(kv, "SHARD=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func repoRoot(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tinyExp22 is Exp 22 at its smoke size: 4 units (connectome/0,
// connectome/1, random/0, random/1).
var tinyExp22 = []string{"--set", "runs=2", "--set", "neurons_per_region=10", "--set", "trials=10"}

// sameOutputs compares the files a run of Exp 22 writes: results.json
// byte for byte once its provenance (times, hosts, resumptions, the
// merge) is removed, the report and the plots byte for byte.
func sameOutputs(t *testing.T, a, b string) {
	t.Helper()
	ra, rb := readJSON(t, filepath.Join(a, "results.json")), readJSON(t, filepath.Join(b, "results.json"))
	if ra["provenance"] == nil || rb["provenance"] == nil {
		t.Errorf("results.json without provenance")
	}
	delete(ra, "provenance")
	delete(rb, "provenance")
	x, _ := json.Marshal(ra)
	y, _ := json.Marshal(rb)
	if !bytes.Equal(x, y) {
		t.Errorf("results.json of %s and %s differ:\n%s\n%s", a, b, x, y)
	}
	files, _ := filepath.Glob(filepath.Join(a, "*.png"))
	files = append(files, filepath.Join(a, "report.txt"))
	if len(files) < 2 {
		t.Errorf("%s has no plots", a)
	}
	for _, f := range files {
		x, err1 := os.ReadFile(f)
		y, err2 := os.ReadFile(filepath.Join(b, filepath.Base(f)))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s (%v, %v)", filepath.Base(f), a, b, err1, err2)
		}
	}
}

// TestShardedExperiment runs Exp 22 (tiny) on one machine, as 1 shard and
// as 3 shards (separate processes, out of order, two of them at once,
// chosen by --shard I/N, Slurm's and Kubernetes' variables; one killed
// with SIGKILL and run again), merges both and gets the single run's
// results.json (apart from its provenance), report and plots.
func TestShardedExperiment(t *testing.T) {
	requireData(t)
	exp := filepath.Join(repoRoot(t), "experiments", "22_eprop.star")
	tmp := t.TempDir()
	single, one, three := filepath.Join(tmp, "single"), filepath.Join(tmp, "one"), filepath.Join(tmp, "three")

	cliEnv(t, "", nil, binary, append([]string{"exec", exp, "--out", single}, tinyExp22...)...).want(t, 0)

	cliEnv(t, "", nil, binary, append([]string{"exec", exp, "--shard", "0/1", "--out", one}, tinyExp22...)...).want(t, 0, "shard 0/1: 4 computed, 0 reused")
	cliEnv(t, "", nil, binary, "merge", one).want(t, 0, "merged 4 units of 1 shards")

	// Shard 2/3 (random/0) from a Slurm array task, running while shard
	// 0/3 (connectome/0, random/1) is killed after its first unit.
	bg := exec.Command(binary, append([]string{"exec", exp, "--shard", "slurm", "--out", three, "--workers", "1"}, tinyExp22...)...)
	bg.Env = append(cleanEnv(), "SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_JOB_ID=4242")
	var bgErr bytes.Buffer
	bg.Stderr = &bgErr
	if err := bg.Start(); err != nil {
		t.Fatal(err)
	}
	killAfter(t, filepath.Join(three, "units", "connectome", "0.json"), cleanEnv(),
		append([]string{"exec", exp, "--shard", "0/3", "--out", three, "--workers", "1"}, tinyExp22...)...)
	if err := bg.Wait(); err != nil {
		t.Fatalf("shard 2/3 (slurm): %v\n%s", err, bgErr.String())
	}
	if info := readJSON(t, filepath.Join(three, "shards", "0-of-3.json")); info["status"] != "running" {
		t.Fatalf("shard 0/3 finished before it was killed (status %v); make its units longer", info["status"])
	}
	if info := readJSON(t, filepath.Join(three, "shards", "2-of-3.json")); info["shard_from"] != "slurm" || info["scheduler"].(map[string]any)["SLURM_ARRAY_JOB_ID"] != "4242" {
		t.Errorf("shards/2-of-3.json: %v", info)
	}

	// Merging now names the missing units and their shards.
	cliEnv(t, "", nil, binary, "merge", three).want(t, 1, "missing 2: connectome/1 (shard 1/3), random/1 (shard 0/3)", "run shards 0/3, 1/3 again")

	// Shard 1/3 (connectome/1) as pod 1 of a Kubernetes Indexed Job.
	cliEnv(t, "", []string{"JOB_COMPLETION_INDEX=1"}, binary, append([]string{"exec", exp, "--shard", "k8s/3", "--out", three}, tinyExp22...)...).want(t, 0, "--shard 1/3 (k8s)")
	// The killed shard, run again, computes only what it had not finished.
	cliEnv(t, "", nil, binary, append([]string{"exec", exp, "--shard", "0/3", "--out", three}, tinyExp22...)...).want(t, 0, "shard 0/3: 1 computed, 1 reused")
	info := readJSON(t, filepath.Join(three, "shards", "0-of-3.json"))
	if info["status"] != "ok" || len(info["resumed"].([]any)) != 1 {
		t.Errorf("shards/0-of-3.json: %v", info)
	}
	cliEnv(t, "", nil, binary, "merge", three, "--check").want(t, 0, "all 4 planned units present exactly once (3 shards)")
	cliEnv(t, "", nil, binary, "merge", three).want(t, 0, "merged 4 units of 3 shards")

	sameOutputs(t, single, one)
	sameOutputs(t, single, three)
	run := readJSON(t, filepath.Join(three, "run.json"))
	m := run["merge"].(map[string]any)
	if run["status"] != "ok" || m["shards"] != 3.0 || m["units"] != 4.0 || len(m["shard_runs"].([]any)) != 3 {
		t.Errorf("run.json of the merge: %v", run)
	}
	prov := readJSON(t, filepath.Join(three, "results.json"))["provenance"].(map[string]any)
	if prov["merge"].(map[string]any)["shards"] != 3.0 {
		t.Errorf("provenance of the merge: %v", prov)
	}
}

// TestPlan lists Exp 22's units, with and without a shard assignment,
// leaving nothing behind.
func TestPlan(t *testing.T) {
	requireData(t)
	exp := filepath.Join(repoRoot(t), "experiments", "22_eprop.star")
	tmp, cwd := t.TempDir(), t.TempDir()
	env := []string{"TMPDIR=" + tmp}
	r := cliEnv(t, cwd, env, binary, append([]string{"plan", exp, "--shards", "3"}, tinyExp22...)...)
	r.want(t, 0)
	want := []string{
		"# " + exp + " (sha256 ",
		"# params: connectome=\"tvb96\" long_range=\"normalised\" neurons_per_region=10 noise_seed=0 rewire_seed=1000 rng=\"numpy\" rows=\"source\" runs=2 trace=\"snapshot\" trials=10",
		"# 3 shards: unit i (counted from 0 in this list) runs in shard i % shards; units per shard: [2 1 1]",
		"#  shard  key           unit",
		`0  0      connectome/0  {"key":"connectome/0",`,
		`1  1      connectome/1  {"key":"connectome/1",`,
		`2  2      random/0      {"key":"random/0",`,
		`3  0      random/1      {"key":"random/1",`,
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(want) {
		t.Fatalf("plan output:\n%s", r.stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q…", i, lines[i], w)
		}
	}
	if des, _ := os.ReadDir(tmp); len(des) != 0 {
		t.Errorf("plan left %d entries in TMPDIR", len(des))
	}
	if des, _ := os.ReadDir(cwd); len(des) != 0 {
		t.Errorf("plan left %d entries in its working directory", len(des))
	}

	// The JSON plan holds the same units whatever the sharding.
	r = cliEnv(t, cwd, env, binary, append([]string{"plan", exp, "--json"}, tinyExp22...)...)
	r.want(t, 0)
	var plan struct {
		Params map[string]any `json:"params"`
		Shards int            `json:"shards"`
		Units  []struct {
			Key  string         `json:"key"`
			Unit map[string]any `json:"unit"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, r.stdout)
	}
	if len(plan.Units) != 4 || plan.Units[3].Key != "random/1" || plan.Units[3].Unit["run"] != 1.0 || plan.Shards != 0 || plan.Params["runs"] != 2.0 {
		t.Errorf("plan --json: %+v", plan)
	}

	cliEnv(t, cwd, env, binary, "plan", testdata(t, "measure.star")).want(t, 2, "never calls run_units, so it has no units to plan")
	// long.star calls unit() but never run_units: refused before it runs.
	cliEnv(t, cwd, env, binary, "plan", testdata(t, "long.star")).want(t, 2, "long.star never calls run_units")
	cliEnv(t, cwd, env, binary, "plan", exp, "--shards", "-1").want(t, 2, "--shards must be ≥ 1")
	cliEnv(t, cwd, env, binary, "plan", exp, "--set", "runs=0").want(t, 2, "must be ≥ 1")
	if des, _ := os.ReadDir(tmp); len(des) != 0 {
		t.Errorf("failed plans left %d entries in TMPDIR", len(des))
	}
}

// resumeShards runs testdata/resume.star (4 cheap units) as 2 shards.
func resumeShards(t *testing.T) (script, out string) {
	script = testdata(t, "resume.star")
	out = filepath.Join(t.TempDir(), "run")
	for _, i := range []string{"1/2", "0/2"} {
		cliEnv(t, "", nil, binary, "exec", script, "--shard", i, "--out", out, "--set", "n=4").want(t, 0)
	}
	return script, out
}

func TestMergeErrors(t *testing.T) {
	requireData(t)
	script, out := resumeShards(t)
	units := filepath.Join(out, "units", "seed")
	cliEnv(t, "", nil, binary, "merge", out, "--check").want(t, 0, "all 4 planned units present exactly once (2 shards)")

	// Missing: named with the shard that computes it.
	os.Remove(filepath.Join(units, "3.json"))
	cliEnv(t, "", nil, binary, "merge", out).want(t, 1, "does not hold every planned unit exactly once (4 planned, 3 in place)",
		"missing 1: seed/3 (shard 1/2)", "run shard 1/2 again")
	if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
		t.Error("a failed merge wrote results.json")
	}
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "1/2", "--out", out, "--set", "n=4").want(t, 0, "1 computed, 1 reused")

	// Duplicated: two files record the same key.
	b, _ := os.ReadFile(filepath.Join(units, "0.json"))
	os.WriteFile(filepath.Join(units, "0-copy.json"), b, 0o644)
	cliEnv(t, "", nil, binary, "merge", out).want(t, 1, `duplicated: unit "seed/0" is recorded by 2 files: units/seed/0-copy.json, units/seed/0.json`)
	os.Remove(filepath.Join(units, "0-copy.json"))

	// Foreign: units that are not in the plan, and other files.
	os.MkdirAll(filepath.Join(out, "units", "old"), 0o755)
	os.WriteFile(filepath.Join(out, "units", "old", "9.json"), []byte(`{"key": "old/9", "value": 1}`), 0o644)
	os.WriteFile(filepath.Join(out, "units", "notes.txt"), []byte("x"), 0o644)
	cliEnv(t, "", nil, binary, "merge", out).want(t, 1, "foreign (not in the plan) 2: units/notes.txt, units/old/9.json")
	os.RemoveAll(filepath.Join(out, "units", "old"))
	os.Remove(filepath.Join(out, "units", "notes.txt"))

	// Misnamed and unreadable files.
	keep, _ := os.ReadFile(filepath.Join(units, "1.json"))
	os.WriteFile(filepath.Join(units, "1.json"), bytes.Replace(keep, []byte(`"seed/1"`), []byte(`"seed/7"`), 1), 0o644)
	os.WriteFile(filepath.Join(units, "2.json"), []byte(`{"key": "seed/2"`), 0o644)
	r := cliEnv(t, "", nil, binary, "merge", out)
	r.want(t, 1, `misnamed (the recorded key is not the file's) 1: units/seed/1.json records "seed/7"`, "unreadable 1: units/seed/2.json", "missing 2: seed/1 (shard 1/2), seed/2 (shard 0/2)")
	os.WriteFile(filepath.Join(units, "1.json"), keep, 0o644)
	os.Remove(filepath.Join(units, "2.json"))
	// Leftovers of killed writes are not units.
	os.WriteFile(filepath.Join(units, ".2.json.0123.part"), []byte("{"), 0o644)
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "0/2", "--out", out, "--set", "n=4").want(t, 0, "1 computed, 1 reused")
	cliEnv(t, "", nil, binary, "merge", out).want(t, 0, "merged 4 units of 2 shards")
	if res := readJSON(t, filepath.Join(out, "run.json")); res["status"] != "ok" {
		t.Errorf("run.json: %v", res)
	}

	// Not a sharded run; no such directory; another script.
	plain := filepath.Join(t.TempDir(), "plain")
	cliEnv(t, "", nil, binary, "exec", script, "--out", plain).want(t, 0)
	cliEnv(t, "", nil, binary, "merge", plain).want(t, 2, "has no plan.json: it is not a sharded run")
	cliEnv(t, "", nil, binary, "merge", filepath.Join(t.TempDir(), "nosuch")).want(t, 2, "no such file or directory")
	cliEnv(t, "", nil, binary, "merge", out, "--script", testdata(t, "measure.star")).want(t, 2, "is not the script the run was planned with")
	// A plain run cannot join a sharded directory, nor a shard a plain one.
	cliEnv(t, "", nil, binary, "exec", script, "--out", out).want(t, 2, "exists and is not empty")
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "0/2", "--out", plain).want(t, 2, "holds a run that was not sharded")
}

func TestShardUsage(t *testing.T) {
	requireData(t)
	script, out := resumeShards(t)
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "0/2").want(t, 2, "--shard 0/2: give the run directory that all shards share with --out")
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "2/2", "--out", out).want(t, 2, "want I/N with whole numbers 0 ≤ I < N")
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "half", "--out", out).want(t, 2, "--shard must be I/N")
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "slurm", "--out", out).want(t, 2, "SLURM_ARRAY_TASK_ID is not set")
	cliEnv(t, "", []string{"SLURM_ARRAY_TASK_ID=1"}, binary, "exec", script, "--shard", "slurm", "--out", out).want(t, 2, "SLURM_ARRAY_TASK_COUNT is not set")
	cliEnv(t, "", []string{"SLURM_ARRAY_TASK_ID=one", "SLURM_ARRAY_TASK_COUNT=2"}, binary, "exec", script, "--shard", "slurm", "--out", out).want(t, 2, `SLURM_ARRAY_TASK_ID="one" is not a whole number`)
	cliEnv(t, "", []string{"SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=2"}, binary, "exec", script, "--shard", "slurm", "--out", out).want(t, 2, "SLURM_ARRAY_TASK_ID=2 does not fit")
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "k8s/2", "--out", out).want(t, 2, "JOB_COMPLETION_INDEX is not set")
	cliEnv(t, "", []string{"JOB_COMPLETION_INDEX=2"}, binary, "exec", script, "--shard", "k8s/2", "--out", out).want(t, 2, "JOB_COMPLETION_INDEX=2 is not below the completions count 2")
	cliEnv(t, "", []string{"JOB_COMPLETION_INDEX=0"}, binary, "exec", script, "--shard", "k8s", "--out", out).want(t, 2, "--shard k8s/N")
	// Shards of one run agree on the script, the parameters and N.
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "0/3", "--out", out, "--set", "n=4").want(t, 2, "is split into 2 shards (plan.json); its shards are 0/2 … 1/2")
	cliEnv(t, "", nil, binary, "exec", script, "--shard", "0/2", "--out", out, "--set", "n=5").want(t, 2, "parameter n is 5 here but 4 in the plan", "--set n=4")
	cliEnv(t, "", nil, binary, "exec", testdata(t, "tvb96.star"), "--shard", "0/2", "--out", out).want(t, 2, "planned from another version of the script")
	// A shard whose script never reaches run_units.
	cliEnv(t, "", nil, binary, "exec", testdata(t, "measure.star"), "--shard", "0/2", "--out", filepath.Join(t.TempDir(), "m")).want(t, 2, "never calls run_units")
}

// k8sJob is what the tests read of a Job manifest.
type k8sJob struct {
	completions int
	indexed     bool
	env         map[string]string
	argv        []string // command + args, $(VAR) expanded with env
}

// readK8sJob reads the fields of a Job manifest that the tests need. The
// manifests keep command and args as one-line flow sequences of quoted
// strings (which are JSON) and env values quoted, so a few patterns do
// without a YAML parser.
func readK8sJob(t *testing.T, path string, env map[string]string) k8sJob {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	job := k8sJob{env: map[string]string{}}
	var command, args []string
	var lastName string
	kv := regexp.MustCompile(`^\s*(-\s+)?([A-Za-z]+):\s*(.*?)\s*$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		m := kv.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key, val := m[2], m[3]
		switch key {
		case "completions":
			job.completions, _ = strconv.Atoi(val)
		case "completionMode":
			job.indexed = val == "Indexed"
		case "name":
			lastName = val
		case "value":
			s, err := strconv.Unquote(val)
			if err != nil {
				t.Fatalf("%s: env %s: value %s is not a quoted string", path, lastName, val)
			}
			job.env[lastName] = s
		case "command", "args":
			var list []string
			if err := json.Unmarshal([]byte(val), &list); err != nil {
				t.Fatalf("%s: %s: %v", path, key, err)
			}
			if key == "command" {
				command = list
			} else {
				args = list
			}
		}
	}
	for k, v := range env {
		job.env[k] = v
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	for _, a := range append(command, args...) {
		job.argv = append(job.argv, ref.ReplaceAllStringFunc(a, func(s string) string {
			if v, ok := job.env[s[2:len(s)-1]]; ok {
				return v
			}
			return s // Kubernetes leaves unknown references as they are
		}))
	}
	if len(job.argv) == 0 || job.argv[0] != "encephagen" {
		t.Fatalf("%s: the container does not run encephagen: %q", path, job.argv)
	}
	return job
}

// TestClusterKubernetes runs the pods of experiments/cluster/k8s-shards.yaml
// as Kubernetes would (the container's command with its env, $(VAR)
// expanded, JOB_COMPLETION_INDEX = 0 … completions−1, in the image's
// working directory: here the repository root), with Exp 22 made tiny and
// the run directory moved into the test's, then the merge Job's pod.
func TestClusterKubernetes(t *testing.T) {
	requireData(t)
	root := repoRoot(t)
	run := filepath.Join(t.TempDir(), "run")
	env := map[string]string{"RUN_DIR": run, "ENCEPHAGEN_DATA": os.Getenv("ENCEPHAGEN_DATA")}
	job := readK8sJob(t, filepath.Join(root, "experiments", "cluster", "k8s-shards.yaml"), env)
	if !job.indexed || job.completions < 1 || job.env["SHARDS"] != strconv.Itoa(job.completions) {
		t.Fatalf("k8s-shards.yaml: an Indexed Job whose SHARDS (%q) equals its completions (%d) is wanted", job.env["SHARDS"], job.completions)
	}
	merge := readK8sJob(t, filepath.Join(root, "experiments", "cluster", "k8s-merge.yaml"), env)
	for _, k := range []string{"RUN_DIR", "ENCEPHAGEN_DATA"} {
		orig := readK8sJob(t, filepath.Join(root, "experiments", "cluster", "k8s-shards.yaml"), nil).env[k]
		if m := readK8sJob(t, filepath.Join(root, "experiments", "cluster", "k8s-merge.yaml"), nil).env[k]; m != orig {
			t.Errorf("%s is %q in the merge Job but %q in the shards' Job", k, m, orig)
		}
	}
	var envList []string
	for k, v := range job.env {
		envList = append(envList, k+"="+v)
	}
	// Pods in any order.
	for i := job.completions - 1; i >= 0; i-- {
		pod := append(append([]string(nil), envList...), "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		cliEnv(t, root, pod, binary, append(job.argv[1:], tinyExp22...)...).want(t, 0, "in run directory "+run)
	}
	cliEnv(t, root, envList, binary, merge.argv[1:]...).want(t, 0, "merged 4 units of "+strconv.Itoa(job.completions)+" shards")
	if res := readJSON(t, filepath.Join(run, "results.json")); len(res["units"].([]any)) != 4 {
		t.Errorf("results.json: %v", res)
	}
	info := readJSON(t, filepath.Join(run, "shards", "0-of-"+strconv.Itoa(job.completions)+".json"))
	if info["shard_from"] != "k8s" || info["scheduler"].(map[string]any)["JOB_COMPLETION_INDEX"] != "0" {
		t.Errorf("shard info: %v", info)
	}
}

// TestClusterSlurm runs experiments/cluster/shards.sbatch as the tasks of
// a job array --array=1-3 would (Slurm's variables set, the script's
// arguments after the batch file), one task twice (a requeue), one shard
// again outside the array (SHARD=I/N), then merge.sbatch.
func TestClusterSlurm(t *testing.T) {
	requireData(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	root := repoRoot(t)
	shards := filepath.Join(root, "experiments", "cluster", "shards.sbatch")
	merge := filepath.Join(root, "experiments", "cluster", "merge.sbatch")
	script := testdata(t, "resume.star")
	run := filepath.Join(t.TempDir(), "run")
	path := "PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH")
	task := func(id int) []string {
		return []string{path, "SLURM_JOB_ID=" + strconv.Itoa(100+id), "SLURM_ARRAY_JOB_ID=100", "SLURM_ARRAY_TASK_ID=" + strconv.Itoa(id),
			"SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=3", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_STEP=1", "SLURM_CPUS_PER_TASK=1"}
	}
	for _, id := range []int{3, 1, 2, 1} {
		cliEnv(t, root, task(id), "bash", shards, script, run, "--set", "n=5").want(t, 0, "--shard "+strconv.Itoa(id-1)+"/3 (slurm)")
	}
	cliEnv(t, root, append(task(1), "SHARD=2/3"), "bash", shards, script, run, "--set", "n=5").want(t, 0, "shard 2/3: 0 computed, 1 reused")
	cliEnv(t, root, []string{path}, "bash", shards, script).want(t, 2, "usage: sbatch --array=0-<N-1>")
	cliEnv(t, root, []string{path}, "bash", merge, run).want(t, 0, "merged 5 units of 3 shards")
	info := readJSON(t, filepath.Join(run, "shards", "0-of-3.json"))
	if info["shard_from"] != "slurm" || info["workers"] != 1.0 || len(info["resumed"].([]any)) != 1 || info["scheduler"].(map[string]any)["SLURM_ARRAY_TASK_ID"] != "1" {
		t.Errorf("shards/0-of-3.json: %v", info)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	cliEnv(t, "", nil, binary, "exec", script, "--out", fresh, "--set", "n=5").want(t, 0)
	a, _ := os.ReadFile(filepath.Join(fresh, "results.json"))
	b, _ := os.ReadFile(filepath.Join(run, "results.json"))
	if !bytes.Equal(a, b) {
		t.Errorf("merged results differ from a single run's:\n%s\n%s", a, b)
	}
}
