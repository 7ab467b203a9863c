// Command encephagen runs spiking-network brain simulations on real
// connectomes, driven by experiment scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, as the CLI promises them.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitInterrupt = 130
)

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// commands holds the constructors of the subcommands; each command's file
// registers its constructor in init, so commands live apart.
var commands []func() *cobra.Command

func register(c func() *cobra.Command) { commands = append(commands, c) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "encephagen",
		Short:         "Spiking-network brain simulations on real connectomes, driven by experiment scripts",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and maps the outcome to an exit code. SIGINT and
// SIGTERM cancel the context: long work stops at its next check, keeps
// what it finished, and the process exits 130.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue usageError
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "encephagen: interrupted")
		return exitInterrupt
	case errors.As(err, &ue) || isCobraUsage(err):
		fmt.Fprintf(os.Stderr, "encephagen: %v\nRun 'encephagen --help' for usage.\n", err)
		return exitUsage
	}
	fmt.Fprintf(os.Stderr, "encephagen: %v\n", err)
	return exitError
}
