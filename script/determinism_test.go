package script

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWorkersIndependent: batches and pmap give the same results and the
// same printed output with 1 or 3 workers.
func TestWorkersIndependent(t *testing.T) {
	src := `c = connectome("tvb96")
bt = batch([brain(c, neurons_per_region = 10, noise_seed = s) for s in range(4)])
recs = run(bt, ms = 5, stimulus = stimulus("visual", mv = 5))
def one(seed):
    print("item", seed)
    b = brain(c.rewire(seed), neurons_per_region = 10, noise_seed = seed)
    return run(b, ms = 5).region_rates()
per = pmap(one, range(5))
write_json("r.json", {"batch": [r.counts for r in recs], "pmap": per})
`
	var outs, files []string
	for _, w := range []int{1, 3} {
		r := execSource(t, src, nil, Options{Workers: w})
		if r.err != nil {
			t.Fatal(r.err)
		}
		b, err := os.ReadFile(filepath.Join(r.dir, "r.json"))
		if err != nil {
			t.Fatal(err)
		}
		outs, files = append(outs, r.out), append(files, string(b))
	}
	if files[0] != files[1] {
		t.Error("results depend on the number of workers")
	}
	if outs[0] != outs[1] || outs[0] != "item 0\nitem 1\nitem 2\nitem 3\nitem 4\n" {
		t.Errorf("printed output %q and %q", outs[0], outs[1])
	}
}
