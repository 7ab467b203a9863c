package rundir

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one share of an experiment's units: of the units that
// run_units declares, in their order, shard I of N runs those whose index
// i satisfies i % N == I (round robin, so that every shard gets a mix of
// conditions and runs). The units, their keys and their seeds come from
// the script alone and never depend on the sharding.
type Shard struct {
	Index, Count int
	From         string            // how it was given: "--shard 1/3", "slurm", "k8s"
	Env          map[string]string // the scheduler's variables, for the record
}

func (sh Shard) String() string { return fmt.Sprintf("%d/%d", sh.Index, sh.Count) }

// Flag is the shard as a flag for messages: "--shard 1/3", or with where
// it came from, "--shard 1/3 (slurm)".
func (sh Shard) Flag() string {
	f := "--shard " + sh.String()
	if sh.From != "" && !strings.HasPrefix(sh.From, "--shard") {
		f += " (" + sh.From + ")"
	}
	return f
}

// FileStem is the stem of the shard's files in shards/: "1-of-3".
func (sh Shard) FileStem() string { return fmt.Sprintf("%d-of-%d", sh.Index, sh.Count) }

// Owns says whether unit i of the plan is this shard's.
func (sh Shard) Owns(i int) bool { return i%sh.Count == sh.Index }

// ShardOf is the shard index that runs unit i of n shards.
func ShardOf(i, n int) int { return i % n }

// ParseShard reads --shard: "I/N" (0 ≤ I < N), "slurm" (a Slurm job
// array: I = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,
// N = SLURM_ARRAY_TASK_COUNT; MIN defaults to 0 and STEP to 1) or "k8s/N" (a
// Kubernetes Indexed Job: I = JOB_COMPLETION_INDEX; N, the Job's
// completions, is not in the pod's environment and is given). getenv
// reads the environment (os.Getenv). Every failure is a *UsageError
// naming the flag or the variable.
func ParseShard(spec string, getenv func(string) string) (Shard, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "slurm":
		return slurmShard(getenv)
	case spec == "k8s" || spec == "kubernetes":
		return Shard{}, Usagef("--shard %s: give the Indexed Job's completions count, --shard k8s/N (it is not in the pod's environment)", spec)
	case strings.HasPrefix(spec, "k8s/") || strings.HasPrefix(spec, "kubernetes/"):
		_, ns, _ := strings.Cut(spec, "/")
		n, err := strconv.Atoi(ns)
		if err != nil || n < 1 {
			return Shard{}, Usagef("--shard %s: the completions count N in k8s/N must be a whole number ≥ 1, got %q", spec, ns)
		}
		i, err := envInt(getenv, "JOB_COMPLETION_INDEX", "--shard k8s/N runs in a pod of a Kubernetes Indexed Job (completionMode: Indexed), which sets it", -1)
		if err != nil {
			return Shard{}, err
		}
		if i >= n {
			return Shard{}, Usagef("--shard %s: JOB_COMPLETION_INDEX=%d is not below the completions count %d; pass the Job's spec.completions as N", spec, i, n)
		}
		return Shard{Index: i, Count: n, From: "k8s", Env: SchedulerEnv(getenv)}, nil
	}
	is, ns, ok := strings.Cut(spec, "/")
	if !ok {
		return Shard{}, Usagef("--shard must be I/N (0 ≤ I < N), slurm or k8s/N, got %q", spec)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, Usagef("--shard %s: want I/N with whole numbers 0 ≤ I < N (shard I of N, counted from 0)", spec)
	}
	return Shard{Index: i, Count: n, From: "--shard " + spec, Env: SchedulerEnv(getenv)}, nil
}

func slurmShard(getenv func(string) string) (Shard, error) {
	const why = "--shard slurm runs in a task of a Slurm job array (sbatch --array=0-<N-1>), which sets it"
	id, err := envInt(getenv, "SLURM_ARRAY_TASK_ID", why, -1)
	if err != nil {
		return Shard{}, err
	}
	n, err := envInt(getenv, "SLURM_ARRAY_TASK_COUNT", why, -1)
	if err != nil {
		return Shard{}, err
	}
	if n < 1 {
		return Shard{}, Usagef("--shard slurm: SLURM_ARRAY_TASK_COUNT=%d, want ≥ 1", n)
	}
	lo, err := envInt(getenv, "SLURM_ARRAY_TASK_MIN", "", 0)
	if err != nil {
		return Shard{}, err
	}
	step, err := envInt(getenv, "SLURM_ARRAY_TASK_STEP", "", 1)
	if err != nil {
		return Shard{}, err
	}
	if step < 1 {
		step = 1
	}
	off := id - lo
	if off < 0 || off%step != 0 || off/step >= n {
		return Shard{}, Usagef("--shard slurm: SLURM_ARRAY_TASK_ID=%d does not fit an array of SLURM_ARRAY_TASK_COUNT=%d tasks from SLURM_ARRAY_TASK_MIN=%d in steps of %d; submit a contiguous array, e.g. sbatch --array=0-%d", id, n, lo, step, n-1)
	}
	return Shard{Index: off / step, Count: n, From: "slurm", Env: SchedulerEnv(getenv)}, nil
}

// envInt reads a whole number ≥ 0 from the environment; an unset
// variable is an error when def < 0, else def.
func envInt(getenv func(string) string, name, why string, def int) (int, error) {
	s := strings.TrimSpace(getenv(name))
	if s == "" {
		if def >= 0 {
			return def, nil
		}
		return 0, Usagef("%s is not set: %s", name, why)
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, Usagef("%s=%q is not a whole number ≥ 0", name, s)
	}
	return v, nil
}

// schedulerVars are the variables recorded with a shard's run info.
var schedulerVars = []string{
	"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
	"SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP", "SLURM_CLUSTER_NAME", "SLURMD_NODENAME",
	"JOB_COMPLETION_INDEX", "HOSTNAME",
}

// SchedulerEnv is what the scheduler told this process (for the record).
func SchedulerEnv(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, k := range schedulerVars {
		if v := getenv(k); v != "" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
