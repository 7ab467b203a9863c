package gpu

import (
	"bytes"
	"cmp"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/gpu/internal/kabi"
)

// abiInputs are the committed files the kernel interface table is checked
// against: step.cu and its PTX (by file name).
func abiInputs(t *testing.T) (cu string, ptx map[string]string) {
	t.Helper()
	b, err := os.ReadFile("kernels/step.cu")
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob("kernels/*.ptx")
	if len(names) < 2 {
		t.Fatalf("kernels/ holds %d PTX files, want one per architecture of ptx.sh", len(names))
	}
	ptx = map[string]string{}
	for _, n := range names {
		p, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		ptx[filepath.Base(n)] = string(p)
	}
	return string(b), ptx
}

// abiErrors runs every check of a table: the files it generates against
// the committed ones, step.cu's declarations and the PTX's entries. It
// reports which of the three disagree.
func abiErrors(t *testing.T, tab *kabi.Table, cu string, ptx map[string]string) (gen, src, entries []string) {
	t.Helper()
	if err := tab.Validate(); err != nil {
		gen = append(gen, err.Error())
	}
	for _, g := range []struct {
		file string
		make func() ([]byte, error)
	}{{kabi.GoFile, tab.GoSource}, {kabi.EmuFile, tab.EmuHeader}} {
		want, err := g.make()
		if err != nil {
			gen = append(gen, err.Error())
			continue
		}
		got, err := os.ReadFile(g.file)
		if err != nil {
			gen = append(gen, err.Error())
			continue
		}
		if !bytes.Equal(got, want) {
			gen = append(gen, g.file+" is not what the table generates: run `go generate ./gpu` (or `go run ./internal/kabi/gen` in gpu/)")
		}
	}
	for _, err := range tab.CheckCU(cu) {
		src = append(src, err.Error())
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range ptx {
			if !yield(n) {
				return
			}
		}
	}) {
		for _, err := range tab.CheckPTX(name, ptx[name]) {
			entries = append(entries, err.Error())
		}
	}
	return gen, src, entries
}

// TestKernelABI: the kernel interface table (internal/kabi) is the one
// source of the kernels' parameter lists and record layouts. The files
// generated from it (abi_gen.go: the Go records, argument slots and
// kernel names; emu/abi.h: the emulator's argument unpacking and g++
// checks of step.cu's layouts) are byte for byte what it generates now;
// step.cu declares the same records (field names, types, array lengths,
// order), parameter lists (type and name of each parameter, in order) and
// kernels; and both committed PTX files have exactly the table's kernels,
// each .entry with as many parameters as the table and of the PTX type of
// each one's C type.
func TestKernelABI(t *testing.T) {
	cu, ptx := abiInputs(t)
	gen, src, entries := abiErrors(t, &kabi.ABI, cu, ptx)
	for _, e := range slices.Concat(gen, src, entries) {
		t.Error(e)
	}
}

// cloneTable copies a table deeply, for perturbing.
func cloneTable(t *kabi.Table) *kabi.Table {
	c := &kabi.Table{Consts: slices.Clone(t.Consts), Kernels: slices.Clone(t.Kernels)}
	for _, s := range t.Structs {
		s.Fields = slices.Clone(s.Fields)
		c.Structs = append(c.Structs, s)
	}
	for _, g := range t.Signatures {
		g.Params = slices.Clone(g.Params)
		c.Signatures = append(c.Signatures, g)
	}
	return c
}

// TestKernelABIDetects: TestKernelABI's checks fail when the table, the
// source or the PTX is changed — each perturbation below is caught by the
// checks marked (the generated files, step.cu, the PTX entries).
func TestKernelABIDetects(t *testing.T) {
	cu, ptx := abiInputs(t)
	sig := func(tab *kabi.Table, macro string) *kabi.Signature {
		for i := range tab.Signatures {
			if tab.Signatures[i].Macro == macro {
				return &tab.Signatures[i]
			}
		}
		t.Fatalf("no signature %s", macro)
		return nil
	}
	rec := func(tab *kabi.Table, name string) *kabi.Struct {
		for i := range tab.Structs {
			if tab.Structs[i].C == name {
				return &tab.Structs[i]
			}
		}
		t.Fatalf("no struct %s", name)
		return nil
	}
	for _, c := range []struct {
		name               string
		table              func(*kabi.Table)
		cu                 func(string) string
		ptx                func(string) string
		gen, src, entryErr bool
	}{
		{name: "two u64 parameters swapped in the table (t, slot)",
			table: func(tb *kabi.Table) { p := sig(tb, "KERNEL_ARGS").Params; p[20], p[21] = p[21], p[20] },
			gen:   true, src: true},
		{name: "two pointer parameters swapped in the table (V, ISyn)",
			table: func(tb *kabi.Table) { p := sig(tb, "KERNEL_ARGS").Params; p[10], p[11] = p[11], p[10] },
			gen:   true, src: true},
		{name: "a parameter's type changed (ALIF m: u64 → double)",
			table: func(tb *kabi.Table) { p := sig(tb, "ALIF_ARGS").Params; p[len(p)-1].Type = "double" },
			gen:   true, src: true, entryErr: true},
		{name: "a parameter dropped (LEARN_ARGS TW)",
			table: func(tb *kabi.Table) { g := sig(tb, "LEARN_ARGS"); g.Params = g.Params[:len(g.Params)-1] },
			gen:   true, src: true, entryErr: true},
		{name: "a 4-byte parameter (the launcher passes 8 bytes each)",
			table: func(tb *kabi.Table) { sig(tb, "KERNEL_ARGS").Params[20].Type = "u32" },
			gen:   true, src: true, entryErr: true},
		{name: "two fields of a record swapped (Brain jeff, dt_over_tau)",
			table: func(tb *kabi.Table) { f := rec(tb, "Brain").Fields; f[10], f[11] = f[11], f[10] },
			gen:   true, src: true},
		{name: "a field's type changed (Task first: u32 → float)",
			table: func(tb *kabi.Table) { rec(tb, "Task").Fields[3].Type = "float" },
			gen:   true, src: true},
		{name: "a padding array shortened (Path pad[3] → pad[2])",
			table: func(tb *kabi.Table) { rec(tb, "Path").Fields[5].N = 2 },
			gen:   true, src: true},
		{name: "a kernel given another parameter list",
			table: func(tb *kabi.Table) { tb.Kernels[3].Sig = "ALIF_ARGS" },
			gen:   true, src: true, entryErr: true},
		{name: "a kernel the source lacks",
			table: func(tb *kabi.Table) {
				tb.Kernels = append(tb.Kernels, kabi.Kernel{Name: "extra", Go: "kExtra", Sig: "KERNEL_ARGS"})
			},
			gen: true, src: true, entryErr: true},
		{name: "a constant's value (RUN_BINS 4 → 16)",
			table: func(tb *kabi.Table) { tb.Consts[5].Value = 16 },
			gen:   true, src: true},
		{name: "step.cu: a constant's value",
			cu:  func(s string) string { return strings.Replace(s, "#define RUN_LEARN 8u", "#define RUN_LEARN 16u", 1) },
			src: true},
		{name: "step.cu: two parameters of KERNEL_ARGS swapped",
			cu: func(s string) string {
				return strings.Replace(s, "float *V, float *ISyn,", "float *ISyn, float *V,", 1)
			},
			src: true},
		{name: "step.cu: KERNEL_ARG_NAMES out of order",
			cu:  func(s string) string { return strings.Replace(s, "nmda, V,", "V, nmda,", 1) },
			src: true},
		{name: "step.cu: a field added to AlifRec",
			cu:  func(s string) string { return strings.Replace(s, "u64 N, pad;", "u64 N, pad, extra;", 1) },
			src: true},
		{name: "step.cu: a new kernel",
			cu: func(s string) string {
				return s + "\nextern \"C\" __global__ void spare(LEARN_ARGS) {}\n"
			},
			src: true},
		{name: "PTX: a parameter missing from an entry",
			ptx: func(s string) string {
				return strings.Replace(s, "\t.param .u64 learn_psi_param_13\n", "", 1)
			},
			entryErr: true},
		{name: "PTX: a parameter of another type",
			ptx: func(s string) string {
				return strings.Replace(s, ".param .u64 alif_zeta_param_21", ".param .u32 alif_zeta_param_21", 1)
			},
			entryErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab, src, entries := cloneTable(&kabi.ABI), cu, map[string]string{}
			if c.table != nil {
				c.table(tab)
			}
			if c.cu != nil {
				if src = c.cu(cu); src == cu {
					t.Fatal("the perturbation did not change step.cu")
				}
			}
			for n, p := range ptx {
				entries[n] = p
				if c.ptx != nil {
					if entries[n] = c.ptx(p); entries[n] == p {
						t.Fatalf("the perturbation did not change %s", n)
					}
				}
			}
			gen, srcErr, entryErr := abiErrors(t, tab, src, entries)
			for _, x := range []struct {
				what string
				errs []string
				want bool
			}{{"the generated files", gen, c.gen}, {"step.cu", srcErr, c.src}, {"the PTX", entryErr, c.entryErr}} {
				if got := len(x.errs) > 0; got != x.want {
					t.Errorf("check of %s fails: %v, want %v %q", x.what, got, x.want, x.errs)
				} else if got {
					t.Log(x.errs[0])
				}
			}
		})
	}
}

// TestFlatRecords: the words a record is uploaded as are its table
// fields in the table's order — field i's value at its word, padding zero.
func TestFlatRecords(t *testing.T) {
	flat := map[string]func(v reflect.Value) []uint64{
		"brainRecord": func(v reflect.Value) []uint64 {
			return widen(flatRecords[uint32]([]brainRecord{v.Interface().(brainRecord)}))
		},
		"task": func(v reflect.Value) []uint64 { return widen(flatRecords[uint32]([]task{v.Interface().(task)})) },
		"path": func(v reflect.Value) []uint64 { return widen(flatRecords[uint32]([]path{v.Interface().(path)})) },
		"learnRecord": func(v reflect.Value) []uint64 {
			return flatRecords[uint64]([]learnRecord{v.Interface().(learnRecord)})
		},
		"alifRecord": func(v reflect.Value) []uint64 {
			return flatRecords[uint64]([]alifRecord{v.Interface().(alifRecord)})
		},
	}
	types := map[string]reflect.Type{
		"brainRecord": reflect.TypeFor[brainRecord](), "task": reflect.TypeFor[task](), "path": reflect.TypeFor[path](),
		"learnRecord": reflect.TypeFor[learnRecord](), "alifRecord": reflect.TypeFor[alifRecord](),
	}
	if len(types) != len(kabi.ABI.Structs) {
		t.Fatalf("the table has %d records, this test %d", len(kabi.ABI.Structs), len(types))
	}
	for _, s := range kabi.ABI.Structs {
		typ, ok := types[s.Go]
		if !ok {
			t.Fatalf("no Go type %s", s.Go)
		}
		v := reflect.New(typ).Elem()
		var want []uint64
		for _, f := range s.Fields {
			if f.Go == "_" {
				want = append(want, make([]uint64, max(f.N, 1))...)
				continue
			}
			x := uint64(len(want) + 1)
			want = append(want, x)
			fv := v.FieldByName(f.Go)
			switch fv.Kind() {
			case reflect.Uint32, reflect.Uint64:
				fv.SetUint(x)
			case reflect.Float32:
				fv.SetFloat(float64(math.Float32frombits(uint32(x))))
			case reflect.Float64:
				fv.SetFloat(math.Float64frombits(x))
			default:
				t.Fatalf("%s.%s is a %s", s.Go, f.Go, fv.Kind())
			}
		}
		if got := flat[s.Go](v); !slices.Equal(got, want) {
			t.Errorf("%s flattens to %v, want %v", s.Go, got, want)
		}
	}
}

func widen(ws []uint32) []uint64 {
	out := make([]uint64, len(ws))
	for i, w := range ws {
		out[i] = uint64(w)
	}
	return out
}

// TestEmuABICompiles: g++ compiles the driver emulator — step.cu with
// emu/abi.h's static_asserts of its record offsets, kernel parameter
// types and constants — and refuses it when step.cu's layout or a
// kernel's parameter type moves away from the table. Skipped without g++
// (gpu/emu.sh and make test-cuda need it anyway).
func TestEmuABICompiles(t *testing.T) {
	cxx, err := exec.LookPath(cmp.Or(os.Getenv("CXX"), "g++"))
	if err != nil {
		t.Skip("no g++: the emulator's compile-time checks are not run")
	}
	cu, _ := abiInputs(t)
	compile := func(src string) (string, error) {
		dir := t.TempDir()
		for _, d := range []string{"emu", "kernels"} {
			if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range []string{"emu/libcuda_emu.cpp", kabi.EmuFile} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "kernels/step.cu"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(cxx, "-std=c++17", "-fsyntax-only", filepath.Join(dir, "emu/libcuda_emu.cpp")).CombinedOutput()
		return string(out), err
	}
	if out, err := compile(cu); err != nil {
		t.Fatalf("the emulator does not compile: %v\n%s", err, out)
	}
	for _, c := range []struct{ name, old, new, assert string }{
		{"two record fields swapped", "float jeff, dt_over_tau,", "float dt_over_tau, jeff,", "Brain.jeff"},
		{"a record field widened", "u64 N, pad;", "u64 N; double pad;", "AlifRec.pad"},
		{"a parameter's type", "u64 t, u64 slot, u64 nstep", "u64 t, u32 slot, u64 nstep", "neuron(KERNEL_ARGS)"},
		{"a constant", "#define RUN_BINS 4u", "#define RUN_BINS 16u", "RUN_BINS is 4"},
	} {
		src := strings.Replace(cu, c.old, c.new, 1)
		if src == cu {
			t.Fatalf("%s: step.cu has no %q", c.name, c.old)
		}
		out, err := compile(src)
		if err == nil || !strings.Contains(out, "static assertion failed: "+c.assert) {
			t.Errorf("%s: g++ did not refuse it with %q: %v\n%s", c.name, c.assert, err, out)
		}
	}
}
