// Command encephagen runs spiking-network brain simulations on real
// connectomes, driven by experiment scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
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

// maxWorkers bounds --workers.
const maxWorkers = 4096

// checkWorkers refuses a --workers value outside [0, maxWorkers] and
// notes one above the number of cores.
func checkWorkers(n int, note func(string)) error {
	if n < 0 || n > maxWorkers {
		return usagef("--workers must be in [0, %d] (0 = all %d cores), got %d", maxWorkers, runtime.GOMAXPROCS(0), n)
	}
	if cores := runtime.NumCPU(); n > cores {
		note(fmt.Sprintf("--workers %d is more than the %d cores here: the workers take turns on them (results are the same, runs no faster)", n, cores))
	}
	return nil
}

// onSignals cancels the run on the first signal and quits on the second.
func onSignals(sigs <-chan os.Signal, cancel, quit func(), errOut io.Writer) {
	if _, ok := <-sigs; !ok {
		return
	}
	cancel()
	fmt.Fprintln(errOut, "encephagen: stopping (Ctrl-C again to quit at once)")
	if _, ok := <-sigs; ok {
		fmt.Fprintln(errOut, "encephagen: interrupted again: quitting at once")
		quit()
	}
}

// run executes the CLI and maps the outcome to an exit code. SIGINT and
// SIGTERM cancel the context: long work stops at its next check, keeps
// what it finished, and the process exits 130. A second signal ends the
// process at once (exit 130), whatever it was doing.
func run(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go onSignals(sigs, cancel, func() { os.Exit(exitInterrupt) }, os.Stderr)
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
