package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/engine/simd"
)

func init() { register(newBenchCmd) }

type benchOptions struct {
	connectome string
	nprs       []int
	steps      int
	warmup     int
	learning   bool
}

func newBenchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure build time, memory and time per step of the CPU engine",
		Long: `Builds brains on a connectome (NMDA on the prefrontal group, no learning,
background input only) and prints a table: for each size, with and without
conduction delays (3.5 mm/ms), the build time, bytes per synapse, memory
per brain, and the wall time per simulated step on one core (one brain),
on all cores (one brain per core, advanced as a batch; the time is per
step of the whole batch, and per brain-step), and of one brain whose step
is spread over all cores (bit for bit the one-core result).

With --learning (the default) it also measures reward-modulated e-prop
(default parameters, every synapse plastic) on one core: the step with
learning on for LIF, the step of the same brain as ALIF without and with
learning, and the learning state in bytes per synapse (traces and the
snapshot; LIF/ALIF).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.steps < 1 || o.warmup < 0 {
				return usagef("--steps must be ≥ 1 and --warmup ≥ 0, got %d and %d", o.steps, o.warmup)
			}
			for _, npr := range o.nprs {
				p := network.Defaults()
				p.NeuronsPerRegion = npr
				if err := p.Validate(1 << 30); err != nil {
					return flagError(err)
				}
			}
			return runBench(cmd.Context(), cmd, o)
		},
	}
	cmd.Flags().StringVar(&o.connectome, "connectome", "tvb96", "connectome name or file")
	cmd.Flags().IntSliceVar(&o.nprs, "neurons-per-region", []int{200, 500}, "neurons per region to measure (--npr for short)")
	cmd.Flags().IntVar(&o.steps, "steps", 2000, "measured steps per case")
	cmd.Flags().IntVar(&o.warmup, "warmup", 500, "steps simulated before measuring")
	cmd.Flags().BoolVar(&o.learning, "learning", true, "also measure e-prop learning (LIF, ALIF) on one core")
	cmd.Flags().SetNormalizeFunc(keywordFlags)
	return cmd
}

func runBench(ctx context.Context, cmd *cobra.Command, o benchOptions) error {
	c, err := connectome.LoadNamed(o.connectome, connectome.LoadOptions{Ctx: ctx})
	if err != nil {
		return err
	}
	cores := runtime.GOMAXPROCS(0)
	out := cmd.OutOrStdout()
	learning := "no learning"
	if o.learning {
		learning = "learning columns: e-prop on one core"
	}
	fmt.Fprintf(out, "%s, %d cores (%s/%s, %s, %s), %d steps after %d warm-up; %s\n",
		c.Name, cores, runtime.GOOS, runtime.GOARCH, cpuModel(), simd.Describe(), o.steps, o.warmup, learning)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := "npr\tdelays\tsynapses\tbuild (s)\tB/synapse\tMB/brain\tms/step 1 core\tms/step all cores\tms/brain-step all cores\tms/step 1 brain all cores\tspikes/step\t"
	if o.learning {
		head += "LIF learning ms/step\tALIF ms/step\tALIF learning ms/step\tlearning B/synapse LIF/ALIF\t"
	}
	fmt.Fprintln(tw, head)
	for _, npr := range o.nprs {
		for _, delays := range []bool{false, true} {
			fmt.Fprintf(cmd.ErrOrStderr(), "measuring npr=%d delays=%v ...\n", npr, delays)
			p := network.Defaults()
			p.NeuronsPerRegion = npr
			p.NMDARegions, _ = c.Group("prefrontal")
			if delays {
				p.VelocityMMPerMs = 3.5
			}
			runtime.GC()
			runtime.GC() // the second finishes sweeping the previous case's memory
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			net, err := network.Build(c, p)
			if err != nil {
				return err
			}
			build := time.Since(t0)
			one := sim.NewBrain(net, 1)
			runtime.GC()
			runtime.ReadMemStats(&m1)
			perBrain := (float64(m1.HeapInuse) - float64(m0.HeapInuse)) / 1e6

			rec := &sim.Recorder{}
			if err := one.Run(ctx, o.warmup, nil, nil); err != nil {
				return err
			}
			t1 := time.Now()
			if err := one.Run(ctx, o.steps, nil, rec); err != nil {
				return err
			}
			single := time.Since(t1)

			batch := sim.Batch{}
			for i := 0; i < cores; i++ {
				batch.Brains = append(batch.Brains, sim.NewBrain(net, uint64(10+i)))
			}
			if err := batch.Run(ctx, o.warmup, nil, nil); err != nil {
				return err
			}
			t2 := time.Now()
			if err := batch.Run(ctx, o.steps, nil, nil); err != nil {
				return err
			}
			all := time.Since(t2)
			batch = sim.Batch{}

			spread := sim.NewBrain(net, 1)
			spread.Workers = cores
			spreadTime, err := timeRun(ctx, spread, o)
			if err != nil {
				return err
			}
			perStep := func(d time.Duration, n int) float64 { return d.Seconds() * 1e3 / float64(n) }
			fmt.Fprintf(tw, "%d\t%v\t%d\t%.3f\t%.2f\t%.1f\t%.4f\t%.4f\t%.4f\t%.4f\t%.1f\t",
				npr, delays, net.Synapses(), build.Seconds(), float64(net.Bytes())/float64(net.Synapses()), perBrain,
				perStep(single, o.steps), perStep(all, o.steps), perStep(all, o.steps*cores), perStep(spreadTime, o.steps),
				float64(rec.Total())/float64(o.steps))
			if o.learning {
				lif, lifBytes, err := timeLearning(ctx, net, o)
				if err != nil {
					return err
				}
				p.ALIF = true
				anet, err := network.Build(c, p)
				if err != nil {
					return err
				}
				alif, err := timeRun(ctx, sim.NewBrain(anet, 1), o)
				if err != nil {
					return err
				}
				alifLearn, alifBytes, err := timeLearning(ctx, anet, o)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%.4f\t%.4f\t%.4f\t%.1f/%.1f\t", perStep(lif, o.steps), perStep(alif, o.steps), perStep(alifLearn, o.steps), lifBytes, alifBytes)
			}
			fmt.Fprintln(tw)
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "peak resident memory of this process: %s\n", peakRSS())
	return nil
}

// timeRun warms the brain up and times o.steps steps.
func timeRun(ctx context.Context, b *sim.Brain, o benchOptions) (time.Duration, error) {
	if err := b.Run(ctx, o.warmup, nil, nil); err != nil {
		return 0, err
	}
	t := time.Now()
	err := b.Run(ctx, o.steps, nil, nil)
	return time.Since(t), err
}

// timeLearning times o.steps steps of a brain on net (a private copy of
// its weights) learning with e-prop's defaults, and returns the learning
// state per synapse after a snapshot.
func timeLearning(ctx context.Context, net *network.Network, o benchOptions) (time.Duration, float64, error) {
	b := sim.NewBrain(net, 1)
	eprop.PrivateWeights(b)
	l, err := eprop.New(b, eprop.Defaults())
	if err != nil {
		return 0, 0, err
	}
	if err := l.Enable(); err != nil {
		return 0, 0, err
	}
	d, err := timeRun(ctx, b, o)
	if err != nil {
		return 0, 0, err
	}
	if err := l.Snapshot(); err != nil {
		return 0, 0, err
	}
	return d, float64(l.Bytes()) / float64(b.Net.Synapses()), nil
}

// cpuModel reads the processor name on Linux ("unknown" elsewhere).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// peakRSS reads VmHWM on Linux.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
				return fmt.Sprintf("%.0f MB", kb/1024)
			}
		}
	}
	return "unknown"
}
