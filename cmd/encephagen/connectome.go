package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/engine/connectome"
)

func init() { register(newConnectomeCmd) }

func newConnectomeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connectome",
		Short: "List, inspect, fetch and import connectome files",
		Long: `Connectome files are looked up in the folders of ENCEPHAGEN_DATA (a list
separated like PATH), then in the per-user cache (ENCEPHAGEN_CACHE, or the
system's user cache folder). 'fetch' downloads a pinned file of The Virtual
Brain's data repository into the cache and verifies its SHA-256; 'import'
validates a local file and copies it into the cache (for offline clusters).`,
	}
	cmd.AddCommand(newConnectomeListCmd(), newConnectomeInfoCmd(), newConnectomeFetchCmd(),
		newConnectomeImportCmd(), newConnectomePathCmd())
	return cmd
}

func newConnectomeListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the known connectomes and where each is found",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "name\tfile\tstatus\twhere")
			for _, e := range connectome.List() {
				status := "missing"
				switch {
				case e.Path != "" && e.Verified:
					status = "verified"
				case e.Path != "" && e.SHA256 == "":
					status = "imported"
				case e.Path != "":
					status = "checksum differs"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.File, status, e.Where())
			}
			return tw.Flush()
		},
	}
}

func newConnectomeInfoCmd() *cobra.Command {
	var rows string
	cmd := &cobra.Command{
		Use:   "info NAME|FILE",
		Short: "Print regions, edges, weight and tract-length statistics and region groups",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := connectome.ParseOrientation(rows)
			if err != nil {
				return usageError{fmt.Errorf("--rows: %w", err)}
			}
			c, err := connectome.LoadNamed(args[0], connectome.LoadOptions{Rows: o, Ctx: cmd.Context()})
			if err != nil {
				return err
			}
			return c.Info().Format(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&rows, "rows", "source", `how the weight file's rows are read: "source" or "target"`)
	return cmd
}

func newConnectomeFetchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fetch NAME...",
		Short: "Download pinned connectomes into the cache and verify their SHA-256",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				p, err := connectome.Fetch(cmd.Context(), name, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
}

func newConnectomeImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE...",
		Short: "Validate local connectome files and copy them into the cache",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range args {
				p, err := connectome.DefaultStore().Import(f, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
}

func newConnectomePathCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "path NAME",
		Short: "Print the file a connectome name resolves to (exit 1 when absent)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := connectome.Resolve(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	}
}
