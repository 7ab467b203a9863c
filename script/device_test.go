package script

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/gpu"
)

// deviceSpy is a batch backend (the kernels' Go transcription) that counts
// the batches it makes and their sizes, and keeps its notes.
type deviceSpy struct {
	mu      sync.Mutex
	batches []int
	notes   strings.Builder
}

// backend opens a batch backend over the spy.
func (d *deviceSpy) backend() backend.Backend {
	return gpu.NewBackend(d.newBatch, "reference", backend.Config{Note: func(s string) {
		d.mu.Lock()
		d.notes.WriteString(s + "\n")
		d.mu.Unlock()
	}})
}

func (d *deviceSpy) newBatch(nets []*network.Network, seeds []uint64) (*gpu.Batch, error) {
	d.mu.Lock()
	d.batches = append(d.batches, len(nets))
	d.mu.Unlock()
	return gpu.NewReference(nets, seeds)
}

// TestDeviceBackendMatchesCPU: a script gives the same results, to the
// spike, on a batch backend as on the CPU: lockstep units gathered into
// one batch (with and without delays, rewired or not, stimulated,
// recording bins and rasters), e-prop (LIF and ALIF, on the device), a
// supervised learner (on the CPU), and a batch of brains.
func TestDeviceBackendMatchesCPU(t *testing.T) {
	src := `c = connectome("tvb96")
def unit_fn(seed):
    b = brain(c if seed % 2 == 0 else c.rewire(seed), neurons_per_region = 12, noise_seed = seed,
              velocity_mm_per_ms = 3.5 if seed < 2 else 0.0, alif = seed == 3)
    r1 = run(b, ms = 10, stimulus = stimulus("visual", mv = 8), bin_ms = 1)
    r2 = run(b, ms = 7, raster = list(range(0, 1152, 5)))
    out = {"counts": r1.counts, "bins": r1.bins, "rates": r2.region_rates(), "raster": r2.raster.neuron,
           "at": r2.raster.step, "step": b.step, "total": r1.total + r2.total}
    if seed >= 2:  # LIF and ALIF learning on the device
        eprop.enable(b, learning_rate = 1000.0)
        run(b, ms = 5, stimulus = stimulus("amygdala", mv = 20))
        eprop.reward(b, 1.0, trace = "current")
        eprop.disable(b)
        out["after"] = run(b, ms = 5).counts
    out["last"] = run(b, ms = 3).counts
    return out
per = pmap(unit_fn, range(4))
spikes, raster = 0, 0
for o in per:
    spikes += o["total"]
    raster += len(o["raster"])
print("spikes", spikes, "raster", raster)
bt = batch([brain(c, neurons_per_region = 12, noise_seed = s, velocity_mm_per_ms = 3.5) for s in range(3)])
recs = run(bt, ms = 6)
s = brain(c, neurons_per_region = 12, noise_seed = 9)
eprop.enable(s, learning_rate = 100.0)
eprop.supervise(s, [0, 1, 2], feedback_seed = 7)
eprop.present(s, [[1, 0, 0]] * 50)
run(s, steps = 50)
us = eprop.apply_supervised(s)
sup = run(s, ms = 5).counts
write_json("r.json", {"pmap": per, "batch": [r.counts for r in recs], "steps": [b.step for b in bt],
                      "supervised": [us.changed, sup]})
`
	var printed []string
	read := func(r result) string {
		t.Helper()
		if r.err != nil {
			t.Fatal(r.err)
		}
		printed = append(printed, r.out)
		b, err := os.ReadFile(filepath.Join(r.dir, "r.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cpu := read(execSource(t, src, nil, Options{}))
	spy := &deviceSpy{}
	devRun := execSource(t, src, nil, Options{Backend: spy.backend()})
	dev := read(devRun)
	if cpu != dev {
		t.Fatalf("results differ between the CPU and the batch backend:\ncpu: %.400s\ndev: %.400s", cpu, dev)
	}
	var spikes, raster int
	if _, err := fmt.Sscanf(printed[0], "spikes %d raster %d", &spikes, &raster); err != nil || spikes < 200 || raster < 3 || printed[0] != printed[1] {
		t.Fatalf("the script's results say little or differ: %q, %q", printed[0], printed[1])
	}
	// The four units' first runs go to the device together.
	if len(spy.batches) == 0 || spy.batches[0] != 4 {
		t.Errorf("batches made: %v, want the first of all 4 units", spy.batches)
	}
	if !strings.Contains(spy.notes.String(), "supervised e-prop run on the CPU") {
		t.Errorf("no note that learning runs on the CPU: %q", spy.notes.String())
	}
	t.Logf("identical results (%d spikes, %d in rasters); batches made: %v", spikes, raster, spy.batches)
}

var wallTime = regexp.MustCompile(`"wall_s": *[0-9.e+-]+,?`)

// TestDeviceBackendRunsExperiments: the experiment scripts themselves
// (study → run_units → pmap), shrunk, give the same unit files and report
// on the batch backend as on the CPU, all their units in the first batch:
// Exp 23 (no learning) and Exp 24 (e-prop on the CPU between device runs,
// conduction delays, spikes in flight across rewards and hand-overs).
func TestDeviceBackendRunsExperiments(t *testing.T) {
	dataPath(t)
	for _, exp := range []struct {
		script string
		sets   []string
		units  []string
	}{
		{"23_diversity", []string{"runs=2", "rounds=2", "neurons_per_region=10"},
			[]string{"connectome/0", "connectome/1", "random/0", "random/1"}},
		{"24_delays", []string{"runs=1", "trials=10", "neurons_per_region=10"},
			[]string{"connectome+delays/0", "random+delays/0", "connectome/0", "random/0"}},
	} {
		t.Run(exp.script, func(t *testing.T) {
			script, err := filepath.Abs("../experiments/" + exp.script + ".star")
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			spy := &deviceSpy{}
			for _, dev := range []backend.Backend{nil, spy.backend()} {
				var out, errOut strings.Builder
				dir, err := Exec(t.Context(), Options{Script: script, Sets: exp.sets, RunDir: t.TempDir(), Backend: dev,
					Stdout: &out, Stderr: &errOut})
				if err != nil {
					t.Fatalf("%v\n%s", err, errOut.String())
				}
				names := []string{"report.txt"}
				for _, u := range exp.units {
					names = append(names, "units/"+u+".json")
				}
				for _, name := range names {
					raw, err := os.ReadFile(filepath.Join(dir, name))
					if err != nil {
						t.Fatal(err)
					}
					b := string(wallTime.ReplaceAll(raw, nil)) // how long a unit took differs
					if files[name] == "" {
						files[name] = b
					} else if files[name] != b {
						t.Errorf("%s differs between the CPU and the batch backend:\n%.600s\n%.600s", name, files[name], b)
					}
				}
			}
			if len(spy.batches) == 0 || spy.batches[0] != len(exp.units) {
				t.Errorf("batches made: %v, want the first of all %d units", spy.batches, len(exp.units))
			}
			t.Logf("identical unit files and report; %d batches made, the first of %d brains", len(spy.batches), spy.batches[0])
		})
	}
}

// TestDeviceBackendAfterLearning: brains leave the device for e-prop (on
// the CPU) and come back with new weights to the same batch (only the
// weights travel); spikes in flight at the reward arrive with the new
// weights on both backends.
func TestDeviceBackendAfterLearning(t *testing.T) {
	src := `c = connectome("tvb96")
bt = batch([brain(c, neurons_per_region = 12, noise_seed = s, velocity_mm_per_ms = 3.5) for s in range(3)])
before = run(bt, ms = 6)
eprop.enable(bt, learning_rate = 5000.0)
run(bt, ms = 5, stimulus = stimulus("amygdala", mv = 20))
st = [(x.steps, x.max_abs_e, x.mean_abs_e) for x in eprop.stats(bt)]  # the traces the device observed
u = eprop.reward(bt, 1.0, trace = "current")
eprop.disable(bt)
after = run(bt, ms = 8, raster = list(range(0, 1152, 2)))
print("changed", [x.changed for x in u], "spikes", [r.total for r in after], "stats", st)
write_json("r.json", {"before": [r.counts for r in before], "after": [r.counts for r in after],
                      "raster": [r.raster.neuron for r in after]})
`
	var files []string
	var printed []string
	spy := &deviceSpy{}
	for _, dev := range []backend.Backend{nil, spy.backend()} {
		r := execSource(t, src, nil, Options{Backend: dev})
		if r.err != nil {
			t.Fatal(r.err)
		}
		b, err := os.ReadFile(filepath.Join(r.dir, "r.json"))
		if err != nil {
			t.Fatal(err)
		}
		files, printed = append(files, string(b)), append(printed, r.out)
	}
	if files[0] != files[1] || printed[0] != printed[1] {
		t.Fatalf("results differ between the CPU and the batch backend: %q vs %q", printed[0], printed[1])
	}
	if strings.Contains(printed[0], "changed [0") {
		t.Fatalf("the reward changed nothing: %q", printed[0])
	}
	if !slices.Equal(spy.batches, []int{3}) {
		t.Errorf("batches made: %v, want one of 3 (new weights sent to it, not a new batch)", spy.batches)
	}
	t.Logf("identical: %s", strings.TrimSpace(printed[0]))
}
