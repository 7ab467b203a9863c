package interp

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/starlark"

	"github.com/encephagen/encephagen/stdlib"
)

// StdlibPrefix marks a module of the embedded standard library.
const StdlibPrefix = "@stdlib//"

const ChainKey = "encephagen.loadchain"

// loader resolves and caches modules. A module runs once per session; its
// globals are frozen when it finishes, so its functions may run on several
// threads (pmap). A module that loads itself, directly or through others,
// is an error showing the chain.
type loader struct {
	s       *Session
	mu      sync.Mutex
	entries map[string]*loadEntry
	sums    map[string]string // display name → sha256 (disk) or "embedded"
}

type loadEntry struct {
	globals starlark.StringDict
	err     error
	done    bool
}

func newLoader(s *Session) *loader {
	return &loader{s: s, entries: map[string]*loadEntry{}, sums: map[string]string{}}
}

func (l *loader) hashes() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.sums) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range l.sums {
		out[k] = v
	}
	return out
}

// moduleRef is a resolved module name.
type moduleRef struct {
	key     string // cache key: "@stdlib//x.star" or an absolute real path
	display string // the file name shown in positions and errors
	stdlib  string // path inside stdlib.FS, for stdlib modules
	disk    string // real path, for disk modules
}

// resolveModule resolves module as loaded from the file named from.
func resolveModule(sb *sandbox, from, module string) (moduleRef, error) {
	if !strings.HasSuffix(module, ".star") {
		return moduleRef{}, fmt.Errorf("module names end in .star, got %q", module)
	}
	if rest, ok := strings.CutPrefix(module, StdlibPrefix); ok {
		return stdlibRef(rest)
	}
	if strings.HasPrefix(module, "@") {
		return moduleRef{}, fmt.Errorf("unknown library %q: the only one is %s (e.g. load(\"@stdlib//report.star\", \"table\"))", strings.SplitN(module, "//", 2)[0], StdlibPrefix)
	}
	if path.IsAbs(module) || filepath.IsAbs(module) {
		return moduleRef{}, fmt.Errorf("absolute module paths are not allowed; load relative to the loading file, or from %s", StdlibPrefix)
	}
	if rest, ok := strings.CutPrefix(from, StdlibPrefix); ok {
		// Relative loads inside the library stay inside it.
		return stdlibRef(path.Join(path.Dir(rest), module))
	}
	display := filepath.Join(filepath.Dir(from), filepath.FromSlash(module))
	real, err := locate(display, []string{sb.scriptRoot}, func() error {
		return fmt.Errorf("%s is outside the script folder %s; scripts load only from their own folder and %s", display, sb.scriptRoot, StdlibPrefix)
	})
	if err != nil {
		if strings.HasPrefix(err.Error(), "no such file") {
			err = fmt.Errorf("%v (loads are relative to the loading file's folder)", err)
		}
		return moduleRef{}, err
	}
	return moduleRef{key: real, display: display, disk: real}, nil
}

func stdlibRef(p string) (moduleRef, error) {
	p = path.Clean(p)
	if strings.HasPrefix(p, "../") || p == ".." {
		return moduleRef{}, fmt.Errorf("%s%s is outside the standard library", StdlibPrefix, p)
	}
	if _, err := fs.Stat(stdlib.FS, p); err != nil {
		return moduleRef{}, fmt.Errorf("no module %s%s in the standard library (it has: %s)", StdlibPrefix, p, strings.Join(StdlibModules(), ", "))
	}
	return moduleRef{key: StdlibPrefix + p, display: StdlibPrefix + p, stdlib: p}, nil
}

// StdlibModules lists the modules of the embedded library.
func StdlibModules() []string {
	var out []string
	fs.WalkDir(stdlib.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".star") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (ref moduleRef) source() ([]byte, error) {
	if ref.stdlib != "" {
		return fs.ReadFile(stdlib.FS, ref.stdlib)
	}
	return readSource(ref.disk)
}

// load is the Thread.Load of every session thread.
func (s *Session) load(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	if m, ok := s.Opts.ExtraModules[module]; ok {
		return m, nil
	}
	chain, _ := thread.Local(ChainKey).([]string)
	from := s.MainName
	if len(chain) > 0 {
		from = chain[len(chain)-1]
	}
	ref, err := resolveModule(s.Sandbox, from, module)
	if err != nil {
		return nil, err
	}
	for _, c := range chain {
		if c == ref.display {
			return nil, fmt.Errorf("load cycle: %s → %s", strings.Join(chain, " → "), ref.display)
		}
	}
	l := s.loader
	l.mu.Lock()
	e := l.entries[ref.key]
	if e != nil {
		l.mu.Unlock()
		if !e.done {
			return nil, fmt.Errorf("load cycle: %s → %s", strings.Join(chain, " → "), ref.display)
		}
		return e.globals, e.err
	}
	e = &loadEntry{}
	l.entries[ref.key] = e
	l.mu.Unlock()

	src, err := ref.source()
	if err == nil {
		sum := "embedded"
		if ref.disk != "" {
			sum = rundir.Hash(src)
		}
		l.mu.Lock()
		l.sums[ref.display] = sum
		l.mu.Unlock()
		th := s.NewThread("load " + ref.display)
		th.SetLocal(ChainKey, append(append([]string(nil), chain...), ref.display))
		e.globals, err = starlark.ExecFileOptions(FileOptions, th, ref.display, src, Predeclared())
		s.dropThread(th)
	}
	l.mu.Lock()
	e.err, e.done = err, true
	l.mu.Unlock()
	return e.globals, err
}
