package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/encephagen/encephagen/engine/simd"
	"github.com/spf13/cobra"
)

// version and commit are set at build time with -ldflags "-X main.version=...
// -X main.buildCommit=..." (make build does); otherwise the commit comes from the
// VCS stamp of go build when there is one.
var (
	version     = "dev"
	buildCommit = ""
)

func init() { register(newVersionCmd) }

// buildInfo returns the program version and the VCS commit when known.
func buildInfo() (ver, commit string) {
	if buildCommit != "" {
		return version, buildCommit
	}
	ver = version
	commit = "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	return ver, commit
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the program version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, c := buildInfo()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "encephagen %s (commit %s, %s, %s/%s)\n", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			fmt.Fprintf(out, "CPU engine: %s\n", simd.Describe())
			if built, ok, why := cudaAvailable(); ok {
				fmt.Fprintf(out, "CUDA backend: %s\n", why)
			} else if built {
				fmt.Fprintf(out, "CUDA backend: no usable GPU: %s\n", why)
			} else {
				fmt.Fprintln(out, "CUDA backend: not in this build (make cuda builds bin/encephagen-cuda)")
			}
			return nil
		},
	}
}
