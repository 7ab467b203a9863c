package script

import (
	"errors"
	"strings"
	"testing"
)

// TestErrorMessages: a failing builtin names the argument, what it
// expected and what it got; the message carries the script position.
func TestErrorMessages(t *testing.T) {
	pre := "c = connectome(\"paupau\")\nb = brain(c, neurons_per_region = 10)\n"
	cases := []struct{ name, src, want string }{
		// bad types
		{"type brain npr", `brain(c, neurons_per_region = "many")`, "brain: for parameter neurons_per_region: got string, want int"},
		{"type brain float", `brain(c, tau_m_ms = "slow")`, "brain: for parameter tau_m_ms: got string, want a number"},
		{"type brain connectome", `brain("paupau")`, "brain: for parameter connectome: got string, want connectome"},
		{"type run target", `run(c, ms = 1)`, "run: for parameter target: got connectome, want brain, batch or a list of brains"},
		{"type run ms", `run(b, ms = "1")`, "run: for parameter ms: got string, want a number or None"},
		{"type stimulus mv", `stimulus("all", mv = None)`, "stimulus: for parameter mv: got NoneType, want a number"},
		{"type stimulus regions", `stimulus(1.5, mv = 1)`, "stimulus: for parameter regions: got float, want a group name"},
		{"type seed", `c.rewire(-3)`, "connectome.rewire: for parameter seed: got -3, want a non-negative integer"},
		{"type stats", `stats.mean(["a"])`, "stats.mean: x[0]: got string, want a number"},
		// out of range
		{"range npr", `brain(c, neurons_per_region = 0)`, "brain: neurons_per_region must be ≥ 1, got 0"},
		{"range tau", `brain(c, tau_m_ms = -1)`, "brain: tau_m_ms must be in [0.001, 1000000], got -1.0"},
		{"range p", `brain(c, p_int = 1.5)`, "brain: p_int must be in [0, 1], got 1.5"},
		{"range ms", `run(b, ms = -5)`, "run: ms must be ≥ 0 and finite, got -5.0"},
		{"range dt multiple", `run(b, ms = 0.25)`, "run: ms must be a multiple of dt_ms (0.1), got 0.25"},
		{"range k", `patterns(1, k = 300, n = 200)`, "patterns: k must be in [0, n=200], got 300"},
		{"range region", `run(b, ms = 1, stimulus = stimulus(7, mv = 1))`, "region index must be in [0, 4), got 7"},
		{"range pattern size", `run(b, ms = 1, stimulus = stimulus("all", mv = 1, pattern = patterns(1)[0]))`, "stimulus pattern covers 200 neurons but the brain has 10 per region"},
		{"range steps", `run(b, steps = 1 << 40)`, "run: steps must be an integer in [0, 2147483647], got 1099511627776"},
		{"range steps max", `run(b, steps = 9223372036854775807)`, "run: steps must be an integer in [0, 2147483647], got 9223372036854775807"},
		{"range ms max", `run(b, ms = 1e12)`, "run: ms must be at most 214748364.7 (2147483647 steps of dt_ms 0.1), got 1e+12"},
		{"range dt", `brain(c, dt_ms = 1e-9)`, "brain: dt_ms must be in [0.001, 10], got 1e-09"},
		{"record string", `run(b, ms = 1, record = "nonsense")`, `run: for parameter record: got string "nonsense", want None (a new recording), False (none) or the recording(s) of an earlier run() to add to`},
		{"record list one brain", `run(b, ms = 1, record = [])`, "run: for parameter record: got list for one brain, want None (a new recording), False (none) or one recording to add to"},
		{"range bin", `run(b, ms = 1, bin_ms = 0)`, "run: bin_ms must be > 0, got 0.0"},
		{"range raster", `run(b, ms = 1, raster = [40])`, "run: raster[0] must be a neuron index in [0, 40), got 40"},
		{"range index", `c.weight(0, 9)`, "connectome.weight: dst must be a region index in [0, 4), got 9"},
		{"range mw", `stats.mann_whitney([1], [2], alternative = "bigger")`, `stats.mann_whitney: alternative must be "two-sided", "less" or "greater", got "bigger"`},
		{"range bh", `stats.bh([0.5, 2])`, "stats.bh: p[1] must be in [0, 1], got 2.0"},
		// misspelt keywords, with a suggestion
		{"kw brain", `brain(c, tau_m = 10)`, "brain: unexpected keyword argument tau_m (did you mean tau_m_ms?)"},
		{"kw brain npr", `brain(c, neurons_per_regoin = 10)`, "brain: unexpected keyword argument neurons_per_regoin (did you mean neurons_per_region?)"},
		{"kw run", `run(b, msec = 10)`, "run: unexpected keyword argument msec (did you mean ms?)"},
		{"kw run last", `run(b, ms = 1, rastr = [1])`, "run: unexpected keyword argument rastr (did you mean raster?)"},
		{"kw stimulus", `stimulus("all", mV = 1)`, "stimulus: unexpected keyword argument mV (did you mean mv?)"},
		{"kw nothing close", `stimulus("all", mv = 1, colour = 1)`, "stimulus: unexpected keyword argument colour (valid: regions, mv, pattern, neurons)"},
		{"group typo", `c.group("visul")`, `did you mean "visual"?`},
		{"region spec", `stimulus("visul", mv = 1); run(b, ms = 1, stimulus = stimulus("visul", mv = 1))`, `"visul" is neither a region group`},
		{"missing duration", `run(b)`, "run: missing duration: give ms= (e.g. ms=50) or steps="},
		{"positional ms", `run(b, 10)`, "run: got 2 positional arguments, want 1 (the brain or batch); give the duration as ms="},
		// missing files
		{"missing connectome", `connectome("nosuch")`, `connectome: connectome "nosuch" not found; looked in:`},
		{"missing path", `connectome("data/nosuch.zip")`, "connectome: no such file"},
		{"missing module", `load("nosuch.star", "x")`, "cannot load nosuch.star: no such file"},
		{"missing stdlib", `load("@stdlib//nosuch.star", "x")`, "no module @stdlib//nosuch.star in the standard library (it has: diversity.star"},
		{"bad rows", `connectome("paupau", rows = "columns")`, `connectome: rows must be "source"`},
		// values
		{"frozen brain", `pmap(lambda i: run(b, ms = 1), [1])`, "run: brain is frozen"},
		{"json nan", `write_json("x.json", {"d": float("nan")})`, "write_json: value.d is nan, which JSON cannot represent"},
		{"json type", `write_json("x.json", [b])`, "write_json: value[0] is a brain, which cannot be written as JSON"},
		{"expect", `expect("rate", 3.0, 5, atol = 1)`, "expect: rate: have 3.0, want 5.0 ± 1.0"},
		{"unit key", `unit("../x", lambda: 1)`, `unit: key must be letters`},
		{"unit dup", `unit("a", lambda: 1); unit("a", lambda: 2)`, `unit: key "a" is used twice`},
		{"params in function", `def f(): params(x = 1)` + "\nf()", "params() must be a statement at the top level"},
		{"sprintf", `sprintf("%d", "x")`, "sprintf: argument 1 for %d: got string, want int"},
		{"compare empty", `report.compare({"m": {"a": [1], "b": []}})`, `report.compare: metric "m" has 1 values for "a" and 0 for "b"; both need at least one`},
		{"unit result", `unit("k", lambda: [b])`, `unit: the result of unit "k": value[0] is a brain, which cannot be written as JSON`},
		{"brain group", `b.group("visul")`, `brain.group: `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := pre + c.src + "\n"
			if strings.HasPrefix(c.src, "load(") {
				src = c.src + "\n"
			}
			r := execSource(t, src, nil, Options{})
			if r.err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(r.err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", r.err, c.want)
			}
			var se *Error
			if errors.As(r.err, &se) && se.Pos == "" && !strings.Contains(c.name, "params") {
				t.Errorf("error has no position: %v", r.err)
			}
		})
	}
}

// TestBacktrace: a failure inside functions shows every frame, file:line.
func TestBacktrace(t *testing.T) {
	r := execSource(t, `load("lib.star", "build")
c = connectome("paupau")
def outer():
    return build(c)
outer()
`, map[string]string{"lib.star": "def build(c):\n    return brain(c, dt_ms = 0)\n"}, Options{})
	if r.err == nil {
		t.Fatal("no error")
	}
	msg := r.err.Error()
	for _, want := range []string{
		"lib.star:2:17: brain: dt_ms must be in [0.001, 10], got 0.0",
		"Traceback (most recent call last):",
		"main.star:5:6: in <toplevel>",
		"main.star:4:17: in outer",
		"lib.star:2:17: in build",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// TestLoadCycle reports the chain of a load cycle.
func TestLoadCycle(t *testing.T) {
	r := execSource(t, `load("a.star", "x")`, map[string]string{
		"a.star": `load("b.star", "y")` + "\nx = 1\n",
		"b.star": `load("a.star", "x")` + "\ny = 2\n",
	}, Options{})
	if r.err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(r.err.Error(), "load cycle: ") || !strings.Contains(r.err.Error(), "a.star → ") || !strings.Contains(r.err.Error(), "b.star → ") {
		t.Errorf("error: %v", r.err)
	}
	// The chain names the files in order and ends where it started.
	msg := r.err.Error()
	i := strings.Index(msg, "load cycle: ")
	chain := strings.Split(strings.SplitN(msg[i+len("load cycle: "):], "\n", 2)[0], " → ")
	if len(chain) != 4 || !strings.HasSuffix(chain[1], "a.star") || !strings.HasSuffix(chain[2], "b.star") || !strings.HasSuffix(chain[3], "a.star") {
		t.Errorf("chain %q", chain)
	}
	// A module loading itself.
	r = execSource(t, `load("self.star", "x")`, map[string]string{"self.star": `load("self.star", "x")` + "\nx = 1\n"}, Options{})
	if r.err == nil || !strings.Contains(r.err.Error(), "self.star → ") {
		t.Errorf("self-load: %v", r.err)
	}
}

// TestLoads: relative loads from the loading file's folder, stdlib loads,
// frozen modules, modules run once.
func TestLoads(t *testing.T) {
	r := execSource(t, `
load("lib/a.star", "counter", "get")
load("lib/b.star", "again")
load("@stdlib//report.star", "fmt_num")
print(get(), again(), fmt_num(1.5))
counter.append(1)
`, map[string]string{
		"lib/a.star":      "counter = []\ndef get():\n    return len(counter)\nprint(\"a runs\")\n",
		"lib/b.star":      `load("a.star", "get")` + "\nload(\"sub/c.star\", \"c\")\ndef again():\n    return get() + c\n",
		"lib/sub/c.star":  "c = 10\n",
		"lib/unused.star": "",
	}, Options{})
	if r.err == nil || !strings.Contains(r.err.Error(), "frozen list") {
		t.Errorf("appending to a loaded module's list: %v", r.err)
	}
	if strings.Count(r.out, "a runs") != 1 || !strings.Contains(r.out, "0 10 1.500") {
		t.Errorf("output %q", r.out)
	}
}
