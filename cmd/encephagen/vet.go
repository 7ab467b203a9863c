package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/script"
)

func init() { register(newVetCmd) }

func newVetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "vet SCRIPT...",
		Short: "Check scripts without running them",
		Long: `Check experiment scripts without running them: syntax, undefined names, load()
targets (inside the allowed folders, defining the loaded names, no cycles), keyword
arguments of builtin calls, and the params() declaration. Loaded modules are checked
too. Problems are printed as file:line:col: message; the exit code is 1 when there
are any.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			problems := script.Vet(args)
			for _, p := range problems {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			if n := len(problems); n > 0 {
				return fmt.Errorf("vet: %d problem%s", n, plural(n))
			}
			return nil
		},
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
