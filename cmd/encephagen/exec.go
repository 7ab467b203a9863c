package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/script"
	"github.com/encephagen/encephagen/script/rundir"
)

func init() { register(newExecCmd) }

type execOptions struct {
	sets    []string
	out     string
	workers int
	backend string
	resume  bool
	shard   string
	// cpuProfile, when set, receives a pprof CPU profile of the whole run
	// (for finding where an experiment's time goes).
	cpuProfile string
}

func newExecCmd() *cobra.Command {
	o := &execOptions{}
	cmd := &cobra.Command{
		Use:   "exec SCRIPT",
		Short: "Run an experiment script",
		Long: `Run an experiment script (Starlark) in a run directory.

The run directory (--out, default results/<script name>/<UTC timestamp>) receives
run.json (provenance and status), output.txt (everything the script printed),
units/ (finished units of work, see 'encephagen doc unit') and the files the script
writes. With --resume, an interrupted run continues in its directory (the newest
one of the script when --out is not given): finished units are not computed again.

Script parameters are declared in the script with params(...) and overridden with
--set name=value; unknown names and values of the wrong type are refused before
anything runs.

--backend: cpu (default), cuda, or auto (cuda when a GPU is usable, else cpu; a note
on stderr says which and why). On cuda, run() advances brains on the GPU: the run()
calls of all units running side by side (every unit at once, unless --workers is
given) go to the device together, one batch, and brains stay there between runs,
learning (e-prop traces) included; snapshots, rewards and statistics are computed on
the host between runs. Brains with supervised e-prop run on the CPU. Results are
those of the CPU backend, spike for spike. --backend cuda needs the CUDA build
(bin/encephagen-cuda, make cuda); elsewhere it is refused with exit code 2 and the
reason.

With --shard, the run is one share of an experiment's units on a cluster (see
'encephagen plan' and 'encephagen merge'): every shard runs the script up to its
run_units call, computes the units whose index i (in the order of run_units, as
'encephagen plan' lists them) has i % N == I, and stops; 'encephagen merge' then
runs the analysis over all of them. The shards share one run directory (--out,
required): the first writes plan.json there (script, parameters, unit keys), the
others check that they run the same plan; each keeps its run info and output in
shards/I-of-N.json and .txt. A shard that is run again skips its finished units
(no --resume needed).
  --shard I/N     shard I of N (0 ≤ I < N)
  --shard slurm   from a Slurm job array: I = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN
                  (divided by SLURM_ARRAY_TASK_STEP), N = SLURM_ARRAY_TASK_COUNT
  --shard k8s/N   from a Kubernetes Indexed Job: I = JOB_COMPLETION_INDEX, N = the
                  Job's completions (not in the pod's environment, so given)

Exit codes: 0 ok, 1 script or runtime error, 2 usage error, 130 interrupted
(Ctrl-C or SIGTERM: the run stops within a fraction of a second and keeps what it
finished).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExec(cmd, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.sets, "set", nil, "override a script parameter, `name=value` (repeatable)")
	f.StringVar(&o.out, "out", "", "run `directory` (default results/<script>/<timestamp>)")
	f.IntVar(&o.workers, "workers", 0, "goroutines for batches, pmap and a single brain's step (default: all cores)")
	f.StringVar(&o.backend, "backend", "cpu", "simulation backend: cpu, cuda or auto")
	f.BoolVar(&o.resume, "resume", false, "continue an interrupted run in its directory, reusing finished units")
	f.StringVar(&o.shard, "shard", "", "run one shard of the units: `I/N`, slurm or k8s/N (needs --out)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `file` (read it with go tool pprof)")
	return cmd
}

// noCUDA says why a build has no CUDA backend.
const noCUDA = "built without CUDA support (rebuild with -tags cuda: make cuda)"

// cudaAvailable says whether this build has the CUDA backend and a usable
// GPU for it, naming the device or the reason.
func cudaAvailable() (built, ok bool, why string) {
	f, built := backend.Lookup("cuda")
	if !built {
		return false, false, noCUDA
	}
	ok, why = f.Available()
	return true, ok, why
}

// chooseBackend resolves --backend for this build.
func chooseBackend(name string, note func(string)) (string, error) {
	switch name {
	case "cpu":
		return "cpu", nil
	case "auto":
		_, ok, why := cudaAvailable()
		if ok {
			note("backend auto: using cuda (" + why + ")")
			return "cuda", nil
		}
		note("backend auto: using cpu (" + why + ")")
		return "cpu", nil
	case "cuda":
		if _, ok, why := cudaAvailable(); !ok {
			return "", usagef("--backend cuda: %s; use --backend cpu or auto", why)
		}
		return "cuda", nil
	}
	return "", usagef("--backend must be cpu, cuda or auto, got %q", name)
}

func runExec(cmd *cobra.Command, o *execOptions, path string) error {
	stderr := cmd.ErrOrStderr()
	note := func(s string) { fmt.Fprintf(stderr, "encephagen: %s\n", s) }
	name, err := chooseBackend(o.backend, note)
	if err != nil {
		return err
	}
	if err := checkWorkers(o.workers, note); err != nil {
		return err
	}
	var shard *rundir.Shard
	again := "--resume --out"
	if o.shard != "" {
		sh, err := rundir.ParseShard(o.shard, os.Getenv)
		if err != nil {
			return usageError{err}
		}
		if o.out == "" {
			return usagef("--shard %s: give the run directory that all shards share with --out", o.shard)
		}
		shard, again = &sh, "--shard "+o.shard
		for _, x := range o.sets {
			again += " --set " + x
		}
		again += " --out"
	}
	if o.cpuProfile != "" {
		pf, err := os.Create(o.cpuProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	ver, commit := buildInfo()
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	started := func(dir string) { note("run directory " + dir) }
	if shard != nil {
		started = func(dir string) { note(fmt.Sprintf("%s in run directory %s", shard.Flag(), dir)) }
	}
	be, err := backend.Open(name, backend.Config{Note: note})
	if err != nil {
		return fmt.Errorf("--backend %s: %v", name, err)
	}
	defer be.Close()
	dir, err := script.Exec(ctx, script.Options{
		Script: path, Sets: o.sets, RunDir: o.out, Resume: o.resume, Shard: shard,
		Workers: o.workers, Backend: be,
		Stdout: cmd.OutOrStdout(), Stderr: stderr,
		Version: ver, Commit: commit,
		Started: started,
	})
	var ue *script.UsageError
	switch {
	case err == nil:
		if shard == nil { // a shard names the directory in its own last note
			note("finished: the results are in run directory " + dir)
		}
		return nil
	case errors.As(err, &ue):
		return usageError{err}
	case ctx.Err() != nil:
		note(fmt.Sprintf("interrupted; what finished is kept in %s (continue with: encephagen exec %s %s %s)", dir, path, again, dir))
		return ctx.Err()
	}
	if dir != "" {
		note("run directory " + dir + " (status: error)")
	}
	return err
}
