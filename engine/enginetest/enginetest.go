// Package enginetest provides the connectomes the engine's tests share:
// the shared TVB files found through ENCEPHAGEN_DATA, and a small synthetic
// one that exercises every construction rule.
package enginetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/rng"
)

// DataFile returns the path of a shared connectome file. Tests that need
// one fail (never skip) when ENCEPHAGEN_DATA does not lead to it: CI sets
// it, and a skipped test would hide a broken data path.
func DataFile(t testing.TB, name string) string {
	t.Helper()
	for _, dir := range filepath.SplitList(os.Getenv("ENCEPHAGEN_DATA")) {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found: set ENCEPHAGEN_DATA to the folder holding the shared connectomes (e.g. ../shared/connectomes); `make test` does this", name)
	return ""
}

// Load reads a shared connectome file with the reference orientation.
func Load(t testing.TB, name string) *connectome.Connectome {
	t.Helper()
	c, err := connectome.Load(DataFile(t, name), connectome.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TVB96 is the reference experiments' connectome.
func TVB96(t testing.TB) *connectome.Connectome { return Load(t, "tvb96.zip") }

// Synthetic returns a 10-region connectome with TVB-like labels (two of
// them make inhibitory basal-ganglia pathways), weights in {0,1,2,3} and
// tract lengths.
func Synthetic(seed uint64) *connectome.Connectome {
	labels := []string{"RM-V1_R", "RM-V2_R", "RM-PFCm_R", "RM-Amyg_R", "BG-Pa_R", "TM-F_R", "BG-Cd_R", "RM-A1_R", "RM-HC_R", "RM-M1_R"}
	n := len(labels)
	st := rng.New(seed)
	c := &connectome.Connectome{Name: "synthetic10", Labels: labels,
		Weights: make([]float64, n*n), TractLengths: make([]float64, n*n)}
	for s := 0; s < n; s++ {
		for d := 0; d < n; d++ {
			if s != d && st.Float64() < 0.5 {
				c.Weights[s*n+d] = float64(1 + st.Intn(3))
			}
			c.TractLengths[s*n+d] = 5 + 60*st.Float64()
		}
	}
	c.Weights[4*n+5], c.Weights[6*n+4] = 3, 2 // BG-Pa→TM, BG-Cd→BG-Pa
	return c
}
