package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
)

func init() { register(newSimulateCmd) }

// brainFlags are the model options shared by simulate and bench.
type brainFlags struct {
	connectome string
	rows       string
	npr        int
	velocity   float64
	wiringSeed uint64
	wiringRNG  string
	longRange  string
	noiseSeed  uint64
	alif       bool
}

func (f *brainFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.connectome, "connectome", "tvb96", "connectome name (data path or cache) or file")
	c.Flags().StringVar(&f.rows, "rows", "source", `how the weight file's rows are read: "source" (the reference reading) or "target" (TVB's)`)
	c.Flags().IntVar(&f.npr, "neurons-per-region", 200, "neurons per region (--npr for short)")
	c.Flags().Float64Var(&f.velocity, "velocity-mm-per-ms", 0, "conduction velocity for delays (0: no delays)")
	c.Flags().Uint64Var(&f.wiringSeed, "wiring-seed", 42, "seed of the synapse sampling")
	c.Flags().StringVar(&f.wiringRNG, "wiring-rng", network.WiringNumPy, `how synapses are drawn: "numpy" (the reference's draw) or "encephagen"`)
	c.Flags().StringVar(&f.longRange, "long-range", network.LongRangeNormalised, `long-range rules: "normalised" (MODEL.md §2) or "v1" (the report's model)`)
	c.Flags().Uint64Var(&f.noiseSeed, "noise-seed", 0, "seed of initial potentials and background input")
	c.Flags().BoolVar(&f.alif, "alif", false, "adaptive thresholds (ALIF)")
	c.Flags().SetNormalizeFunc(keywordFlags)
}

// keywordFlags normalises flag names: the model's flags are brain()'s
// keywords with dashes (--neurons-per-region), and --npr stays accepted
// as the short form.
func keywordFlags(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "npr" {
		name = "neurons-per-region"
	}
	return pflag.NormalizedName(name)
}

// flagName is the CLI's spelling of a brain() keyword.
func flagName(keyword string) string { return "--" + strings.ReplaceAll(keyword, "_", "-") }

// load reads the connectome and fills the model parameters: Exp 22/23
// defaults with NMDA on the prefrontal group.
func (f *brainFlags) load(ctx context.Context) (*connectome.Connectome, network.Params, error) {
	rows, err := connectome.ParseOrientation(f.rows)
	if err != nil {
		return nil, network.Params{}, usageError{fmt.Errorf("--rows: %w", err)}
	}
	p := network.Defaults()
	p.NeuronsPerRegion = f.npr
	p.VelocityMMPerMs = f.velocity
	p.WiringSeed = f.wiringSeed
	p.WiringRNG, p.LongRange = f.wiringRNG, f.longRange
	p.ALIF = f.alif
	// The flags' values are checked before anything is read: a bad one
	// is a usage error (exit 2).
	if err := p.Validate(1 << 30); err != nil {
		return nil, network.Params{}, flagError(err)
	}
	c, err := connectome.LoadNamed(f.connectome, connectome.LoadOptions{Rows: rows, Ctx: ctx})
	if err != nil {
		return nil, network.Params{}, err
	}
	p.NMDARegions, _ = c.Group("prefrontal")
	return c, p, nil
}

// flagError turns a parameter error into a usage error naming the flag.
func flagError(err error) error {
	var pe *network.ParamError
	if errors.As(err, &pe) {
		return usagef("%s must be %s, got %v", flagName(pe.Name), pe.Want, pe.Got)
	}
	return usageError{err}
}

func newSimulateCmd() *cobra.Command {
	var f brainFlags
	var ms float64
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Simulate one brain without input and print group rates and the real-time factor",
		Long: `Builds one brain on a connectome with the parameters of the reference
experiments (NMDA on the prefrontal group), simulates it with background
input only, and prints the rate of every region group and the real-time
factor (simulated time / wall time).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The scripts' rule (sim.Steps): a multiple of dt, at most
			// 2^31 − 1 steps; and more than none. Checked before anything
			// is read (simulate has no dt flag: dt is the model's).
			dt := network.Defaults().DtMs
			steps, err := sim.Steps(ms, dt)
			if err != nil || steps == 0 {
				return usagef("--ms must be a positive multiple of dt (%g ms), at most %.10g, got %v", dt, float64(sim.MaxRunSteps)*dt, ms)
			}
			c, p, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			t0 := time.Now()
			net, err := network.Build(c, p)
			if err != nil {
				return err
			}
			build := time.Since(t0)
			fmt.Fprintf(out, "%s (rows = %s): %d regions × %d neurons, %d synapses (%d local), max delay %d steps; built in %v\n",
				c.Name, c.Orientation, net.Regions, net.NPR, net.Synapses(), net.NLocal, net.MaxDelay, build.Round(time.Millisecond))
			b := sim.NewBrain(net, f.noiseSeed)
			rec := &sim.Recorder{}
			t1 := time.Now()
			if err := b.Run(cmd.Context(), steps, nil, rec); err != nil {
				return err
			}
			wall := time.Since(t1)
			return printGroupRates(out, c, rec, p.DtMs, steps, wall)
		},
	}
	f.add(cmd)
	cmd.Flags().Float64Var(&ms, "ms", 1000, "simulated time in ms")
	return cmd
}

func printGroupRates(out io.Writer, c *connectome.Connectome, rec *sim.Recorder, dtMs float64, steps int, wall time.Duration) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "group\tregions\trate (Hz)")
	for _, g := range c.Groups() {
		if len(g.Regions) == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\n", g.Name)
			continue
		}
		r, err := rec.GroupRate(g.Regions, dtMs)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\n", g.Name, len(g.Regions), r)
	}
	all := make([]int, c.N())
	for i := range all {
		all[i] = i
	}
	r, _ := rec.GroupRate(all, dtMs)
	fmt.Fprintf(tw, "all\t%d\t%.2f\n", c.N(), r)
	tw.Flush()
	simMs := float64(steps) * dtMs
	fmt.Fprintf(out, "simulated %.0f ms (%d steps) in %v: %.3f ms per step, real-time factor %.2f (simulated/wall)\n",
		simMs, steps, wall.Round(time.Millisecond), float64(wall.Microseconds())/1000/float64(steps), simMs/float64(wall.Milliseconds()))
	return nil
}
