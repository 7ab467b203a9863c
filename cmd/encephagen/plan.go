package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/script"
)

func init() { register(newPlanCmd) }

type planOptions struct {
	sets   []string
	shards int
	json   bool
}

func newPlanCmd() *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan SCRIPT",
		Short: "List the units an experiment will run, computing none",
		Long: `List the units of work an experiment declares with run_units, in order: for each,
its index, its key and the unit itself as JSON (with its seeds). The script runs up
to its run_units call (in a temporary run directory that is removed; what it prints
goes to stderr) and stops there: nothing is computed and no run directory is left.
Keys and seeds come from the script and its parameters alone, never from how the
work is split: 'encephagen exec SCRIPT --shard I/N' runs the units whose index i
has i % N == I, and --shards N shows that assignment. --json prints the plan as a
sharded run's plan.json holds it.

A script that never calls run_units has no plan (exit code 2).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.shards < 0 {
				return usagef("--shards must be ≥ 1 (or 0: no assignment), got %d", o.shards)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ver, commit := buildInfo()
			plan, err := script.PlanScript(ctx, script.Options{
				Script: args[0], Sets: o.sets,
				Stderr: cmd.ErrOrStderr(), Version: ver, Commit: commit,
			}, o.shards)
			var ue *script.UsageError
			if errors.As(err, &ue) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(plan.JSON())
				return err
			}
			plan.WriteText(cmd.OutOrStdout(), o.shards)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.sets, "set", nil, "override a script parameter, `name=value` (repeatable)")
	f.IntVar(&o.shards, "shards", 0, "show which of `N` shards runs each unit")
	f.BoolVar(&o.json, "json", false, "print the plan as JSON (as plan.json holds it)")
	return cmd
}
