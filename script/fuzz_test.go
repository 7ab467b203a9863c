package script

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/encephagen/encephagen/script/interp"
	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"
)

// fuzzPool builds the values the fuzzer passes: every type a builtin may
// meet, with edge cases (NaN, ±inf, 1e308, a big int, empty containers, a
// list containing itself) and the engine's own values.
const fuzzPool = `
c = connectome("paupau")
b = brain(c, neurons_per_region = 10)
b2 = brain(c, neurons_per_region = 10, noise_seed = 1)
rec = run(b, steps = 5)
cyc = [1]
cyc.append(cyc)
pool = [
    None, True, False, 0, 1, -1, 10, 2.5, -0.0, 1e308, -1e308, float("nan"), float("inf"), float("-inf"),
    1 << 70, -(1 << 70), "", "x", "all", "prefrontal", "paupau", "source", "two-sided", "current",
    [], [1, 2], [0.5, 0.25], [[1, 2], [3, 4]], ["a", "b"], (), (1,), {}, {"key": "a"}, {"a": [1]},
    cyc, struct(key = "k", x = 1), array([1.0, 2.0]), array([[1, 0], [0, 1]]), range(3),
    c, b, [b, b2], batch([brain(c, neurons_per_region = 10)]), rec, stimulus("all", mv = 1),
    patterns(2, k = 2, n = 10)[0], lambda *a, **k: 1, len, stats, eprop,
]
`

// FuzzBuiltinArgs calls a builtin of the registry (every one of them, by
// the seed corpus) with positional and keyword arguments of random types,
// keywords of its signature and others: it returns a value or an error,
// never panics, and stops when its time is up.
func FuzzBuiltinArgs(f *testing.F) {
	var fns []*Builtin
	for _, b := range Builtins() {
		if b.Fn != nil {
			fns = append(fns, b)
		}
	}
	for i := range fns {
		for k := byte(0); k < 4; k++ {
			f.Add([]byte{byte(i), k, k * 7, k * 13, k*5 + 1, k*11 + 3, k*3 + 2, k * 17})
		}
	}
	dataPath(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		b := fns[int(data[0])%len(fns)]
		run, err := rundir.Create(filepath.Join(dir, "run", time.Now().Format("150405.000000000")))
		if err != nil {
			t.Fatal(err)
		}
		defer run.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := interp.NewSession(ctx, Options{Script: filepath.Join(dir, "main.star"), Workers: 2, Stdout: io.Discard, Stderr: io.Discard}, run, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Info = interp.NewRunInfo(s.Opts, "", nil, nil, time.Now())
		th := s.NewThread("fuzz")
		th.SetLocal(interp.ChainKey, []string{s.MainName})
		stop := context.AfterFunc(ctx, s.CancelThreads)
		defer stop()
		g, err := starlark.ExecFileOptions(interp.FileOptions, th, "pool.star", fuzzPool, interp.Predeclared())
		if err != nil {
			t.Fatal(err)
		}
		pool := g["pool"].(*starlark.List)
		val := func(x byte) starlark.Value { return pool.Index(int(x) % pool.Len()) }
		names, _ := b.Keywords()
		names = append(names, "zz", "key", "ms")
		npos := int(data[1]) % 4
		rest := data[2:]
		var args starlark.Tuple
		for i := 0; i < npos && i < len(rest); i++ {
			args = append(args, val(rest[i]))
		}
		rest = rest[min(npos, len(rest)):]
		var kwargs []starlark.Tuple
		seen := map[string]bool{}
		for ; len(rest) >= 2; rest = rest[2:] {
			name := names[int(rest[0])%len(names)]
			if seen[name] {
				continue
			}
			seen[name] = true
			kwargs = append(kwargs, starlark.Tuple{starlark.String(name), val(rest[1])})
		}
		fn := starlark.NewBuiltin(b.Name, b.Fn)
		// Cancelled after 10 s (ctx), a call must end soon after.
		watchdog := time.AfterFunc(30*time.Second, func() {
			panic(fmt.Sprintf("%s(%v, %v) still running 20 s after it was cancelled", b.Name, args, kwargs))
		})
		defer watchdog.Stop()
		v, err := starlark.Call(th, fn, args, kwargs)
		if err == nil && v == nil {
			t.Fatalf("%s(%v, %v) returned neither a value nor an error", b.Name, args, kwargs)
		}
		if err == nil {
			_ = v.String() // printable
		}
	})
}
