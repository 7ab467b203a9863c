package rundir

import (
	"errors"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	good := []struct {
		spec   string
		getenv func(string) string
		i, n   int
		from   string
	}{
		{"0/1", env(), 0, 1, "--shard 0/1"},
		{"2/3", env(), 2, 3, "--shard 2/3"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "10"), 4, 10, "slurm"},
		// --array=1-10: indices from SLURM_ARRAY_TASK_MIN.
		{"slurm", env("SLURM_ARRAY_TASK_ID", "10", "SLURM_ARRAY_TASK_COUNT", "10", "SLURM_ARRAY_TASK_MIN", "1"), 9, 10, "slurm"},
		// --array=1-7:2 (1, 3, 5, 7).
		{"slurm", env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_STEP", "2"), 2, 4, "slurm"},
		{"k8s/5", env("JOB_COMPLETION_INDEX", "3"), 3, 5, "k8s"},
		{"kubernetes/5", env("JOB_COMPLETION_INDEX", "0"), 0, 5, "k8s"},
	}
	for _, c := range good {
		sh, err := ParseShard(c.spec, c.getenv)
		if err != nil || sh.Index != c.i || sh.Count != c.n || sh.From != c.from {
			t.Errorf("ParseShard(%q) = %+v, %v; want %d/%d from %s", c.spec, sh, err, c.i, c.n, c.from)
		}
	}
	sh, _ := ParseShard("slurm", env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "2", "SLURM_ARRAY_JOB_ID", "77"))
	if sh.Env["SLURM_ARRAY_JOB_ID"] != "77" || sh.Flag() != "--shard 1/2 (slurm)" {
		t.Errorf("recorded %v, flag %q", sh.Env, sh.Flag())
	}
	bad := []struct {
		spec   string
		getenv func(string) string
		want   string
	}{
		{"3/3", env(), "0 ≤ I < N"},
		{"-1/3", env(), "0 ≤ I < N"},
		{"1/0", env(), "0 ≤ I < N"},
		{"a/b", env(), "0 ≤ I < N"},
		{"3", env(), "--shard must be I/N (0 ≤ I < N), slurm or k8s/N"},
		{"slurm", env(), "SLURM_ARRAY_TASK_ID is not set"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "2"), "SLURM_ARRAY_TASK_COUNT is not set"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "3"), `SLURM_ARRAY_TASK_ID="x" is not a whole number`},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "z"), `SLURM_ARRAY_TASK_MIN="z"`},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "3"), "SLURM_ARRAY_TASK_ID=3 does not fit an array of SLURM_ARRAY_TASK_COUNT=3"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "0"), "SLURM_ARRAY_TASK_COUNT=0"},
		{"k8s", env("JOB_COMPLETION_INDEX", "0"), "--shard k8s/N"},
		{"k8s/x", env("JOB_COMPLETION_INDEX", "0"), "completions count N"},
		{"k8s/3", env(), "JOB_COMPLETION_INDEX is not set"},
		{"k8s/3", env("JOB_COMPLETION_INDEX", "-1"), `JOB_COMPLETION_INDEX="-1"`},
		{"k8s/3", env("JOB_COMPLETION_INDEX", "3"), "JOB_COMPLETION_INDEX=3 is not below the completions count 3"},
	}
	for _, c := range bad {
		_, err := ParseShard(c.spec, c.getenv)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseShard(%q): %v; want a usage error with %q", c.spec, err, c.want)
		}
	}
}
