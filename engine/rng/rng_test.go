package rng

import (
	"math"
	"testing"
)

func TestStreamsDifferAndRepeat(t *testing.T) {
	a, b, c := New(1, 2, 3), New(1, 2, 3), New(1, 3, 2)
	for i := 0; i < 10; i++ {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		if x != y {
			t.Fatal("same seed and path gave different draws")
		}
		if x == z {
			t.Fatal("different paths gave the same draw")
		}
	}
}

func TestUniformMoments(t *testing.T) {
	r := New(7)
	const n = 200000
	var s, s2 float64
	for i := 0; i < n; i++ {
		u := r.Float64()
		if u < 0 || u >= 1 {
			t.Fatalf("Float64 out of [0,1): %v", u)
		}
		s += u
		s2 += u * u
	}
	m, v := s/n, s2/n-(s/n)*(s/n)
	if math.Abs(m-0.5) > 0.005 || math.Abs(v-1.0/12) > 0.002 {
		t.Fatalf("uniform moments off: mean %v var %v", m, v)
	}
}

func TestIntnRange(t *testing.T) {
	r := New(3)
	counts := make([]int, 7)
	for i := 0; i < 70000; i++ {
		counts[r.Intn(7)]++
	}
	for k, c := range counts {
		if c < 9000 || c > 11000 {
			t.Fatalf("Intn(7) bucket %d has %d of 70000", k, c)
		}
	}
}

func TestPoissonMatchesPMF(t *testing.T) {
	for _, lam := range []float64{0.175, 1, 4.5} {
		p := NewPoisson(lam)
		r := New(11)
		const n = 400000
		hist := map[int]int{}
		sum := 0.0
		for i := 0; i < n; i++ {
			k := p.Count(uint32(r.Uint64() >> 32))
			hist[k]++
			sum += float64(k)
		}
		if mean := sum / n; math.Abs(mean-lam) > 4*math.Sqrt(lam/n) {
			t.Errorf("λ=%v: mean %v", lam, mean)
		}
		pk := math.Exp(-lam)
		for k := 0; k < 4; k++ {
			want := pk * n
			if math.Abs(float64(hist[k])-want) > 5*math.Sqrt(want)+1 {
				t.Errorf("λ=%v: P(%d) count %d, want ≈ %.0f", lam, k, hist[k], want)
			}
			pk *= lam / float64(k+1)
		}
	}
}

func TestPoissonZeroRate(t *testing.T) {
	p := NewPoisson(0)
	if p.Count(math.MaxUint32) != 0 {
		t.Fatal("λ=0 must never give a count")
	}
}

// PoissonCounts is Uint64 and Count, two neurons per draw, high half
// first, for every table shape (counts 0 only; 0 and 1; a long tail),
// lengths around the vector loop's 8 neurons and many streams. Run in
// the GOEXPERIMENT=simd build (make test) it checks engine/simd's vector
// form, in the plain build the plain one.
func TestPoissonCountsIsUint64AndCount(t *testing.T) {
	tails := 0
	for _, lambda := range []float64{0, 1e-12, 0.175, 0.9, 2.5, 3, 20, 30} {
		p := NewPoisson(lambda)
		for trial := 0; trial < 60; trial++ {
			n := []int{0, 1, 2, 7, 8, 9, 16, 199, 200}[trial%9] + trial/9
			a, b := New(3, uint64(trial), math.Float64bits(lambda)), New(3, uint64(trial), math.Float64bits(lambda))
			got := make([]int32, n)
			a.PoissonCounts(got, p)
			for i := 0; i < n; i += 2 {
				x := b.Uint64()
				if got[i] >= 2 {
					tails++
				}
				if want := p.Count(uint32(x >> 32)); int(got[i]) != want {
					t.Fatalf("λ %v, n %d, neuron %d: count %d, want %d", lambda, n, i, got[i], want)
				}
				if i+1 < n {
					if want := p.Count(uint32(x)); int(got[i+1]) != want {
						t.Fatalf("λ %v, n %d, neuron %d: count %d, want %d", lambda, n, i+1, got[i+1], want)
					}
				}
			}
			if a != b {
				t.Fatalf("λ %v, n %d: stream left at %#x, want %#x", lambda, n, a.s, b.s)
			}
		}
	}
	if tails == 0 {
		t.Fatal("no count ≥ 2 drawn: the table walk went untested")
	}
}
