package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func vetFiles(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	var out []string
	for _, p := range Vet([]string{filepath.Join(dir, "main.star")}) {
		out = append(out, strings.TrimPrefix(p.String(), dir+string(filepath.Separator)))
	}
	return out
}

func TestVetScripts(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"clean", map[string]string{
			"main.star":  "load(\"@stdlib//report.star\", \"table\")\nload(\"lib/x.star\", \"f\")\nP = params(n = 1)\nprint(table([\"a\"], [[f(P.n)]]))\n",
			"lib/x.star": "def f(x):\n    return x + 1\n",
		}, nil},
		{"undefined", map[string]string{"main.star": "c = connectome(\"paupau\")\nb = brian(c)\n"},
			[]string{"main.star:2:5: undefined: brian (did you mean brain?)"}},
		{"syntax", map[string]string{"main.star": "def f(:\n"},
			[]string{"main.star:1:8: got ':', want ')'"}},
		{"missing module", map[string]string{"main.star": "load(\"lib.star\", \"f\")\n"},
			[]string{"main.star:1:6: cannot load lib.star: no such file"}},
		{"missing name", map[string]string{"main.star": "load(\"lib.star\", \"fo\", \"_p\")\n", "lib.star": "foo = 1\n_p = 2\n"},
			[]string{"main.star:1:19: load: ", "lib.star does not define fo (did you mean foo?)", "main.star:1:25: load: names with leading underscores are not exported: _p"}},
		{"cycle", map[string]string{"main.star": "load(\"a.star\", \"x\")\n", "a.star": "load(\"b.star\", \"y\")\nx = 1\n", "b.star": "load(\"a.star\", \"x\")\ny = 1\n"},
			[]string{"b.star:1:6: load cycle: ", "a.star → ", "b.star → "}},
		{"error in module", map[string]string{"main.star": "load(\"lib.star\", \"f\")\n", "lib.star": "def f():\n    return undefined_thing\n"},
			[]string{"lib.star:2:12: undefined: undefined_thing"}},
		{"keyword", map[string]string{"main.star": "c = connectome(\"paupau\")\nb = brain(c, tau_m = 10)\nrun(b, msec = 5)\nstats.mean([1], y = 1)\n"},
			[]string{"main.star:2:14: brain: unexpected keyword argument tau_m (did you mean tau_m_ms?)",
				"main.star:3:8: run: unexpected keyword argument msec (did you mean ms?)",
				"main.star:4:17: stats.mean: unexpected keyword argument y"}},
		{"arguments", map[string]string{"main.star": "c = connectome(\"paupau\")\nstimulus(\"all\")\nc.rewire(1)\nstats.cosine([1], [2], [3])\nexpect(\"x\", 1, 1, have = 2)\nunit(\"k\")\nsprintf(\"%d\", 1, format = 2)\n"},
			[]string{"main.star:2:1: stimulus: missing argument for mv",
				"main.star:4:1: stats.cosine: got 3 positional arguments, want at most 2",
				"main.star:5:19: expect: got multiple values for keyword argument have",
				"main.star:6:1: unit: missing argument for fn",
				"main.star:7:18: sprintf: unexpected keyword argument format (it takes no keyword arguments)"}},
		{"arguments unknown", map[string]string{"main.star": "a = [1]\nkw = {\"mv\": 1}\nstimulus(\"all\", **kw)\nstats.cosine(*a)\nstruct(x = 1)\nunit(\"k\", len, a, key = 1)\nP = params(n = 1)\n"}, nil},
		{"module member", map[string]string{"main.star": "stats.maen([1])\n"},
			[]string{"main.star:1:1: module stats has no member maen (did you mean stats.mean?)"}},
		{"params", map[string]string{"main.star": "n = 2\nP = params(runs = n)\n"},
			[]string{"main.star:2:12: params: runs: a default must be a literal (a number, string, bool) or param(literal, ...): undefined: n"}},
		{"params in module", map[string]string{"main.star": "load(\"lib.star\", \"x\")\n", "lib.star": "x = params(a = 1)\n"},
			[]string{"lib.star:1:5: params: only the main script may declare parameters"}},
		{"stdlib", map[string]string{"main.star": "load(\"@stdlib//nope.star\", \"x\")\n"},
			[]string{"main.star:1:6: cannot load @stdlib//nope.star: no module"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := vetFiles(t, c.files)
			if c.want == nil {
				if len(got) > 0 {
					t.Errorf("problems: %q", got)
				}
				return
			}
			all := strings.Join(got, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems:\n%s\nlack %q", all, w)
				}
			}
		})
	}
	if got := Vet([]string{"nosuch.star"}); len(got) != 1 || got[0].String() != "nosuch.star: no such file" {
		t.Errorf("missing script: %v", got)
	}
}
