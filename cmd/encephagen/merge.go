package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/script"
)

func init() { register(newMergeCmd) }

type mergeOptions struct {
	script  string
	workers int
	check   bool
}

func newMergeCmd() *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge RUN_DIR",
		Short: "Combine the shards of a run and analyse them",
		Long: `Combine the shards of a run (encephagen exec --shard I/N --out RUN_DIR) into the
results a single-machine run produces.

First the units are checked against the run's plan.json: every planned unit must
be in units/ exactly once, as units/<key>.json recording that key. Missing units
are named with the shards that compute them (run those again: they skip finished
units); units recorded by more than one file (duplicated), files of units that are
not in the plan (foreign), files whose recorded key is not their name and files
that are not unit records are named too, and nothing is merged (exit code 1).

Then the script runs in RUN_DIR with the plan's parameters: its run_units call loads
the stored units, in plan order, and computes none, and the rest of the script
writes results.json, the report and the plots. run.json records the merge (the
plan, the shards' runs); output.txt what the script printed. The script is the one
plan.json names unless --script gives its path (it must be the same file, by
SHA-256). Merging again redoes the analysis.

--check only checks the units.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.script, "script", "", "the experiment `script` (default: the path in plan.json)")
	f.IntVar(&o.workers, "workers", 0, "goroutines for the analysis (default: all cores)")
	f.BoolVar(&o.check, "check", false, "only check that every planned unit is present exactly once")
	return cmd
}

func runMerge(cmd *cobra.Command, o *mergeOptions, dir string) error {
	stderr := cmd.ErrOrStderr()
	note := func(s string) { fmt.Fprintf(stderr, "encephagen: %s\n", s) }
	if err := checkWorkers(o.workers, note); err != nil {
		return err
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ver, commit := buildInfo()
	_, res, err := script.Merge(ctx, script.Options{
		Script: o.script, RunDir: dir, Workers: o.workers,
		Stdout: cmd.OutOrStdout(), Stderr: stderr, Version: ver, Commit: commit,
	}, o.check)
	var ue *script.UsageError
	switch {
	case errors.As(err, &ue):
		return usageError{err}
	case err != nil && ctx.Err() != nil:
		note("merge interrupted; run it again")
		return ctx.Err()
	case err != nil:
		return err
	}
	shards := res.Plan.Shards
	commits := map[string]bool{}
	for _, r := range res.Shards {
		commits[r.Commit] = true
	}
	if len(commits) > 1 {
		note(fmt.Sprintf("warning: the shards ran %d different builds (see merge.shard_runs in run.json)", len(commits)))
	}
	if o.check {
		note(fmt.Sprintf("%s: all %d planned units present exactly once (%d shards)", dir, len(res.Plan.Units), shards))
		return nil
	}
	note(fmt.Sprintf("merged %d units of %d shards in %s", len(res.Plan.Units), shards, dir))
	return nil
}
