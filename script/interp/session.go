package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/encephagen/encephagen/engine/backend"
	"github.com/encephagen/encephagen/engine/connectome"
	"github.com/encephagen/encephagen/engine/network"
	"github.com/encephagen/encephagen/script/rundir"
)

// fileOptions is the Starlark dialect of scripts: top-level if/for/while,
// while loops, global reassignment and sets are allowed (experiment
// scripts are programs, not configuration); recursion is not.
var FileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
}

// Options configure one execution of a script.
type Options struct {
	Script  string   // path of the main script
	Sets    []string // "name=value" parameter overrides
	RunDir  string   // run directory; "" means DefaultRunDir (or the latest one with Resume)
	Resume  bool     // continue the run in RunDir, reusing its finished units
	Workers int      // goroutines for batches and pmap; 0 means GOMAXPROCS
	// Backend advances the brains (its Name goes into provenance); nil
	// means the CPU engine. The caller opened it and closes it.
	Backend backend.Backend
	// Shard, when set, runs one shard of the units into RunDir, shared
	// with the other shards (see Exec).
	Shard *rundir.Shard

	Stdout io.Writer // the script's print output (also kept in output.txt); nil: os.Stdout
	Stderr io.Writer // notes from the runner; nil: os.Stderr

	Version, Commit string // for provenance

	// Store finds connectomes; nil means connectome.DefaultStore().
	Store *connectome.Store
	// ExtraModules are loadable by exact name (tests add "assert.star").
	ExtraModules map[string]starlark.StringDict
	// Started, when set, is told the run directory before the script runs.
	Started func(dir string)
	// ThreadHook, when set, is called on every thread the session makes
	// (tests use it for starlarktest.SetReporter).
	ThreadHook func(*starlark.Thread)
}

const sessionKey = "encephagen.session"

// Session is the state of one execution, kept on its threads (never in
// globals, so that several sessions can run in one process). Its parts,
// by concern: the language (modules, parameters, sandbox), the engine
// (networks, backend, workers), the run (directory, provenance, units,
// progress, what run_units does), the printed output and the threads.
// Builtins find it with SessionOf; the exported fields are what the
// experiment builtins (package script) use, set when the session starts
// and never changed after.
type Session struct {
	ctx      context.Context
	Opts     Options
	MainName string // the main script's file name as shown in positions

	// The language.
	Sandbox *sandbox
	loader  *loader
	params  paramState

	// The engine.
	Nets    network.Cache
	Workers int
	Backend backend.Backend
	gather  backend.Gathering // the backend, when it gathers concurrent runs

	// The run.
	Dir      *rundir.Dir
	Info     *rundir.Info
	started  time.Time
	units    *rundir.Units
	Progress *rundir.Progress
	planState

	printer
	threadSet
}

// planState is what run_units does in a session: compute the units, or
// plan, shard or merge them (plan.go, shard.go, merge.go).
type planState struct {
	mode       runMode
	shard      rundir.Shard
	plan       *rundir.Plan // the plan run_units made (plan), committed (shard) or must match (merge)
	planShards int

	planMu      sync.Mutex
	planErr     error // a mismatch with the run's plan, found by run_units
	unitsCalled bool  // run_units has been called
	stopped     bool  // run_units stopped a plan or shard session
}

// printer is where the script's print output goes: stdout and output.txt.
type printer struct {
	outMu sync.Mutex
	out   io.Writer // stdout
	log   *os.File  // output.txt
}

// threadSet is the session's live threads, cancelled together.
type threadSet struct {
	thrMu   sync.Mutex
	threads map[*starlark.Thread]bool
}

func SessionOf(thread *starlark.Thread, fn string) (*Session, error) {
	s, ok := thread.Local(sessionKey).(*Session)
	if !ok || s == nil {
		return nil, fmt.Errorf("%s: not running inside an encephagen session", fn)
	}
	return s, nil
}

// newThread makes a thread of the session; it is cancelled when the
// session's context is.
func (s *Session) NewThread(name string) *starlark.Thread {
	th := &starlark.Thread{Name: name, Print: s.print, Load: s.load}
	th.SetLocal(sessionKey, s)
	if s.Opts.ThreadHook != nil {
		s.Opts.ThreadHook(th)
	}
	s.thrMu.Lock()
	s.threads[th] = true
	s.thrMu.Unlock()
	if s.ctx.Err() != nil {
		th.Cancel("interrupted")
	}
	return th
}

func (s *Session) dropThread(th *starlark.Thread) {
	s.thrMu.Lock()
	delete(s.threads, th)
	s.thrMu.Unlock()
}

func (s *Session) CancelThreads() {
	s.thrMu.Lock()
	defer s.thrMu.Unlock()
	for th := range s.threads {
		th.Cancel("interrupted")
	}
}

const printBufKey = "encephagen.printbuf"

// print writes a line to stdout and output.txt; inside a pmap worker it
// is buffered and emitted in item order.
func (s *Session) print(thread *starlark.Thread, msg string) {
	if buf, ok := thread.Local(printBufKey).(*strings.Builder); ok {
		buf.WriteString(msg)
		buf.WriteByte('\n')
		return
	}
	s.emit(msg + "\n")
}

func (s *Session) emit(text string) {
	if text == "" {
		return
	}
	s.outMu.Lock()
	defer s.outMu.Unlock()
	io.WriteString(s.out, text)
	if s.log != nil {
		s.log.WriteString(text)
	}
}

func (s *Session) note(format string, args ...any) {
	w := s.Opts.Stderr
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "encephagen: "+format+"\n", args...)
}

// prepared is a script read, parsed and given its parameters, before
// anything runs.
type prepared struct {
	file   *syntax.File
	prog   *starlark.Program
	decls  []ParamDecl
	values map[string]starlark.Value
	sha    string
	now    time.Time
}

func prepare(opts Options) (*prepared, error) {
	src, err := readSource(opts.Script)
	if err != nil {
		return nil, usagef("script: %v", err)
	}
	f, prog, err := starlark.SourceProgramOptions(FileOptions, opts.Script, src, isPredeclared)
	if err != nil {
		return nil, wrapError(err)
	}
	decls, err := StaticParams(f)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	values, err := resolveSets(opts.Script, decls, opts.Sets)
	if err != nil {
		return nil, err
	}
	return &prepared{file: f, prog: prog, decls: decls, values: values, sha: rundir.Hash(src), now: time.Now()}, nil
}

// Exec runs a script as `encephagen exec` does: it reads the script and
// its parameter declaration, applies the --set overrides, creates (or with
// Resume reopens) the run directory, runs the script there and records
// how it ended in run.json. It returns the run directory's path with any
// error: a *UsageError for a bad invocation, an *Error (with the Starlark
// backtrace) for a failed script, and an error wrapping context.Canceled
// when ctx was cancelled. With opts.Shard it runs one shard (see
// execShard).
func Exec(ctx context.Context, opts Options) (string, error) {
	p, err := prepare(opts)
	if err != nil {
		return "", err
	}
	if opts.Shard != nil {
		return execShard(ctx, opts, p)
	}
	scriptSHA, decls, values, now := p.sha, p.decls, p.values, p.now

	var dir *rundir.Dir
	var info *rundir.Info
	if opts.Resume {
		path := opts.RunDir
		if path == "" {
			if path, err = rundir.Latest(opts.Script); err != nil {
				return "", &UsageError{Err: err}
			}
		}
		if dir, err = rundir.Open(path); err != nil {
			return "", &UsageError{Err: err}
		}
		if err := dir.Lock(rundir.LockFile); err != nil {
			dir.Close()
			return "", err
		}
		if info, err = dir.ReadInfo(); err != nil {
			if dir.Exists(rundir.PlanFile) {
				err = fmt.Errorf("--resume: %s is a sharded run that has not been merged yet: run its missing shards again with --shard (they skip finished units), then encephagen merge %s", path, path)
			}
			dir.Close()
			return "", &UsageError{Err: err}
		}
		if err := resumable(info, scriptSHA, decls, values, opts); err != nil {
			dir.Close()
			return "", err
		}
		info.Resumed = append(info.Resumed, now.UTC().Format(time.RFC3339))
	} else {
		path := opts.RunDir
		if path == "" {
			path = rundir.DefaultPath(opts.Script, now)
			for i := 2; ; i++ {
				if _, err := os.Stat(path); err != nil {
					break
				}
				path = rundir.DefaultPath(opts.Script, now) + fmt.Sprintf("-%d", i)
			}
		}
		if dir, err = rundir.Create(path); err != nil {
			return "", err
		}
		if err := dir.Lock(rundir.LockFile); err != nil {
			dir.Close()
			return "", err
		}
		info = NewRunInfo(opts, scriptSHA, decls, values, now)
	}
	defer dir.Close()
	_, err = runIn(ctx, opts, dir, p, info, sessionConfig{mode: modeRun, infoFile: rundir.RunFile, outFile: rundir.OutputFile})
	return dir.Path, err
}

// runMode is what a session does with run_units.
type runMode int

const (
	modeRun   runMode = iota // compute every unit (reusing finished ones with --resume), go on
	modePlan                 // record the units and stop: encephagen plan
	modeShard                // compute this shard's units and stop: exec --shard
	modeMerge                // load every unit (never compute one), go on: encephagen merge
)

// sessionConfig says how runIn runs a session.
type sessionConfig struct {
	mode       runMode
	shard      rundir.Shard
	plan       *rundir.Plan // modeMerge: the run's plan
	planShards int          // modePlan: the shard count to record
	infoFile   string
	outFile    string
	truncate   bool // start outFile afresh
}

// errStopAfterUnits ends a plan or shard session after its run_units call.
var errStopAfterUnits = errors.New("stopped after run_units")

// runIn runs the prepared script in dir as one session and records how
// it ended in info (written to cfg.infoFile at the start and the end).
func runIn(ctx context.Context, opts Options, dir *rundir.Dir, p *prepared, info *rundir.Info, cfg sessionConfig) (*Session, error) {
	s, err := NewSession(ctx, opts, dir, p.values, p.decls)
	if err != nil {
		return nil, err
	}
	s.mode, s.shard, s.plan, s.planShards = cfg.mode, cfg.shard, cfg.plan, cfg.planShards
	s.units = rundir.NewUnits(dir, opts.Resume || cfg.mode == modeShard || cfg.mode == modeMerge)
	s.Info = info
	info.Status, info.Error, info.Finished, info.WallS = "running", "", "", 0
	if err := dir.WriteInfo(cfg.infoFile, info); err != nil {
		return s, fmt.Errorf("run directory: %v", err)
	}
	if s.log, err = dir.OpenOutput(cfg.outFile, cfg.truncate); err != nil {
		return s, fmt.Errorf("run directory: %v", err)
	}
	defer s.log.Close()
	if opts.Started != nil {
		opts.Started(dir.Path)
	}

	s.Progress.Start()
	runErr := s.run(p.prog)
	s.Progress.Close()
	runErr = s.settle(runErr)

	s.finish(runErr)
	if err := dir.WriteInfo(cfg.infoFile, info); err != nil && runErr == nil {
		runErr = fmt.Errorf("run directory: %v", err)
	}
	return s, runErr
}

// settle turns how the script ended into how the session ended: a plan
// or shard session succeeds by stopping after run_units, and fails when
// the script never calls it; a plan mismatch found by run_units is a
// usage error.
func (s *Session) settle(runErr error) error {
	s.planMu.Lock()
	stopped, called, planErr := s.stopped, s.unitsCalled, s.planErr
	s.planMu.Unlock()
	if s.ctx.Err() != nil {
		return runErr
	}
	if planErr != nil {
		return planErr
	}
	switch s.mode {
	case modePlan, modeShard:
		if stopped && (runErr == nil || errors.Is(runErr, errStopAfterUnits)) {
			return nil
		}
		if runErr == nil {
			what := "encephagen plan"
			if s.mode == modeShard {
				what = s.shard.Flag()
			}
			return noRunUnits(what, s.Opts.Script)
		}
	case modeMerge:
		if runErr == nil && !called {
			return fmt.Errorf("merge: %s did not call run_units", s.Opts.Script)
		}
	}
	return runErr
}

func NewRunInfo(opts Options, scriptSHA string, decls []ParamDecl, values map[string]starlark.Value, now time.Time) *rundir.Info {
	host, _ := os.Hostname()
	info := &rundir.Info{
		Program: "encephagen", Version: opts.Version, Commit: opts.Commit,
		GoVersion: runtime.Version(), Script: opts.Script, ScriptSHA: scriptSHA,
		Params: map[string]any{}, Sets: opts.Sets, Workers: workerCount(opts.Workers),
		Backend: backendName(opts.Backend), Host: host, OS: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), Started: now.UTC().Format(time.RFC3339),
	}
	for _, d := range decls {
		info.Params[d.Name] = paramGoValue(values[d.Name])
	}
	return info
}

// backendName is what provenance records of the backend.
func backendName(b backend.Backend) string {
	if b == nil {
		return backend.CPU{}.Name()
	}
	return b.Name()
}

// resumable checks that a run can be continued with this script and
// these parameters: anything else would mix results of different
// experiments.
func resumable(info *rundir.Info, scriptSHA string, decls []ParamDecl, values map[string]starlark.Value, opts Options) error {
	if info.ScriptSHA != scriptSHA {
		return usagef("--resume: %s has changed since the run in %s started (sha256 %.12s…, now %.12s…); start a new run", opts.Script, opts.RunDir, info.ScriptSHA, scriptSHA)
	}
	// Without --set, a resumed run keeps the parameters it started with.
	if len(opts.Sets) == 0 {
		for _, d := range decls {
			if old, ok := info.Params[d.Name]; ok {
				v, err := d.parse(fmt.Sprint(old))
				if err != nil {
					return usagef("--resume: stored parameter %s = %v: %v", d.Name, old, err)
				}
				values[d.Name] = v
			}
		}
		return nil
	}
	for _, d := range decls {
		now := paramGoValue(values[d.Name])
		if old, ok := info.Params[d.Name]; !ok || fmt.Sprint(old) != fmt.Sprint(now) {
			return usagef("--resume: parameter %s is %v now but was %v in that run; resume with the same parameters (or none), or start a new run", d.Name, now, old)
		}
	}
	return nil
}

func workerCount(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}

func NewSession(ctx context.Context, opts Options, dir *rundir.Dir, values map[string]starlark.Value, decls []ParamDecl) (*Session, error) {
	sb, err := newSandbox(opts.Script, opts.Store)
	if err != nil {
		return nil, err
	}
	out := opts.Stdout
	if out == nil {
		out = os.Stdout
	}
	s := &Session{
		ctx: ctx, Opts: opts, Dir: dir, MainName: opts.Script, Sandbox: sb,
		params:    paramState{decls: decls, values: values},
		Workers:   workerCount(opts.Workers),
		printer:   printer{out: out},
		started:   time.Now(),
		threadSet: threadSet{threads: map[*starlark.Thread]bool{}},
		units:     rundir.NewUnits(dir, opts.Resume),
	}
	s.loader = newLoader(s)
	errOut := opts.Stderr
	if errOut == nil {
		errOut = os.Stderr
	}
	s.Progress = rundir.NewProgress(errOut)
	s.Backend = opts.Backend
	if s.Backend == nil {
		s.Backend = backend.CPU{}
	}
	s.gather, _ = s.Backend.(backend.Gathering)
	return s, nil
}

// run executes the main program on a new thread, cancelling it when the
// context is cancelled.
func (s *Session) run(prog *starlark.Program) error {
	th := s.NewThread("main")
	th.SetLocal(ChainKey, []string{s.MainName})
	defer s.dropThread(th)
	stop := context.AfterFunc(s.ctx, s.CancelThreads)
	defer stop()
	_, err := prog.Init(th, Predeclared())
	if err == nil {
		return nil
	}
	if s.ctx.Err() != nil {
		return fmt.Errorf("%w: %v", s.ctx.Err(), wrapError(err))
	}
	return wrapError(err)
}

func (s *Session) finish(runErr error) {
	info := s.Info
	end := time.Now()
	info.Finished = end.UTC().Format(time.RFC3339)
	info.WallS = end.Sub(s.started).Seconds()
	info.Modules = s.loader.hashes()
	if c := s.units.Counts(); c.Computed+c.Reused > 0 {
		info.Units = &c
	}
	switch {
	case runErr == nil:
		info.Status = "ok"
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded):
		info.Status = "interrupted"
	default:
		info.Status, info.Error = "error", runErr.Error()
	}
}

// provenance is the run.json content as a Starlark dict (parameters
// keep their Starlark types).
func (s *Session) provenance() *starlark.Dict {
	d := starlark.NewDict(16)
	if s.Info == nil {
		return d
	}
	i := s.Info
	set := func(k string, v starlark.Value) { d.SetKey(starlark.String(k), v) }
	str := func(k, v string) { set(k, starlark.String(v)) }
	str("program", i.Program)
	str("version", i.Version)
	str("commit", i.Commit)
	str("go_version", i.GoVersion)
	str("script", i.Script)
	str("script_sha256", i.ScriptSHA)
	mods := starlark.NewDict(4)
	for _, k := range sortedKeys(s.loader.hashes()) {
		mods.SetKey(starlark.String(k), starlark.String(s.loader.hashes()[k]))
	}
	set("modules", mods)
	params := starlark.NewDict(len(s.params.decls))
	for _, pd := range s.params.decls {
		params.SetKey(starlark.String(pd.Name), s.params.values[pd.Name])
	}
	set("params", params)
	var sets []starlark.Value
	for _, x := range i.Sets {
		sets = append(sets, starlark.String(x))
	}
	set("sets", starlark.NewList(sets))
	set("workers", starlark.MakeInt(i.Workers))
	str("backend", i.Backend)
	str("host", i.Host)
	str("os", i.OS)
	set("cpus", starlark.MakeInt(i.CPUs))
	str("started", i.Started)
	// Wall time of this execution up to the call (a resumed run counts
	// only its own part; run.json has every execution's).
	set("wall_s", starlark.Float(time.Since(s.started).Seconds()))
	var resumed []starlark.Value
	for _, x := range i.Resumed {
		resumed = append(resumed, starlark.String(x))
	}
	set("resumed", starlark.NewList(resumed))
	if m := i.Merge; m != nil {
		md := starlark.NewDict(3)
		md.SetKey(starlark.String("shards"), starlark.MakeInt(m.Shards))
		md.SetKey(starlark.String("units"), starlark.MakeInt(m.Units))
		md.SetKey(starlark.String("plan_sha256"), starlark.String(m.PlanSHA))
		set("merge", md)
	}
	return d
}

// sandbox is where scripts may read: the main script's folder (and below)
// and the connectome data path.
type sandbox struct {
	scriptRoot string   // absolute, symlinks resolved
	dataRoots  []string // absolute, symlinks resolved
	Store      *connectome.Store
}

func newSandbox(script string, store *connectome.Store) (*sandbox, error) {
	if store == nil {
		store = connectome.DefaultStore()
	}
	root, err := realPath(filepath.Dir(script))
	if err != nil {
		return nil, usagef("script folder: %v", err)
	}
	sb := &sandbox{scriptRoot: root, Store: store}
	dirs := append([]string(nil), store.Path...)
	if store.Cache != "" {
		dirs = append(dirs, store.Cache)
	}
	for _, d := range dirs {
		if r, err := realPath(d); err == nil {
			sb.dataRoots = append(sb.dataRoots, r)
		}
	}
	return sb, nil
}

func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// allowRead checks that p (an existing file) lies in the script folder or
// the data path, after resolving symbolic links.
func (sb *sandbox) AllowRead(fn, p string) (string, error) {
	roots := append([]string{sb.scriptRoot}, sb.dataRoots...)
	real, err := locate(p, roots, func() error {
		return fmt.Errorf("%s is outside the folders scripts may read (the script folder %s and the connectome data path %s)",
			p, sb.scriptRoot, sb.dataRootsString())
	})
	if err != nil {
		return "", fmt.Errorf("%s: %v", fn, err)
	}
	return real, nil
}

// locate resolves a path a script gave (p; what names it in messages)
// for reading inside roots. A path that leads outside them is refused
// with outside's message whether or not it exists, so that scripts cannot
// probe which files exist elsewhere; inside, the message says what is
// wrong: no such file, or a loop of symbolic links.
func locate(p string, roots []string, outside func() error) (string, error) {
	inRoots := func(real string) bool {
		for _, r := range roots {
			if within(r, real) {
				return true
			}
		}
		return false
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err == nil {
		if !inRoots(real) {
			return "", outside()
		}
		return real, nil
	}
	// Where would it be? The nearest ancestor that resolves, with the rest
	// of the path below it.
	if !inRoots(belowNearestReal(abs)) {
		return "", outside()
	}
	// A dangling link inside may point outside: then say nothing about
	// its target.
	if fi, lerr := os.Lstat(abs); lerr == nil && fi.Mode()&os.ModeSymlink != 0 && !isLoop(abs) {
		if target, rerr := os.Readlink(abs); rerr == nil {
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(abs), target)
			}
			if t, err := realPathOrLexical(target); err != nil || !inRoots(t) {
				return "", outside()
			}
		}
	}
	if isLoop(abs) {
		return "", fmt.Errorf("%s: a loop of symbolic links", p)
	}
	return "", fmt.Errorf("no such file %s", p)
}

// isLoop reports whether resolving p runs into a loop of symbolic links.
func isLoop(p string) bool {
	_, err := filepath.EvalSymlinks(p)
	return err != nil && strings.Contains(err.Error(), "too many links")
}

// realPathOrLexical is the real path of p, or of its nearest existing
// ancestor joined with the rest when p does not exist.
func realPathOrLexical(p string) (string, error) {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r, nil
	} else if strings.Contains(err.Error(), "too many links") {
		return "", err
	}
	return belowNearestReal(p), nil
}

// belowNearestReal is the real path of p's nearest ancestor that resolves,
// joined with the rest of p (p itself does not resolve).
func belowNearestReal(p string) string {
	rest, dir := "", filepath.Clean(p)
	for {
		parent := filepath.Dir(dir)
		rest = filepath.Join(filepath.Base(dir), rest)
		if parent == dir {
			return filepath.Join(dir, rest)
		}
		dir = parent
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
	}
}

func (sb *sandbox) dataRootsString() string {
	if len(sb.dataRoots) == 0 {
		return "(none: ENCEPHAGEN_DATA is not set)"
	}
	return strings.Join(sb.dataRoots, ", ")
}

// maxSourceBytes bounds a script or module file.
const maxSourceBytes = 16 << 20

// readSource reads a script or module: a regular file (a FIFO or a device
// is refused before it is opened, so reading never blocks) of at most
// maxSourceBytes.
func readSource(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", p, st.Mode().Type())
	}
	if st.Size() > maxSourceBytes {
		return nil, fmt.Errorf("%s is %d bytes; scripts and modules may have at most %d", p, st.Size(), maxSourceBytes)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSourceBytes+1))
	if err == nil && len(b) > maxSourceBytes {
		err = fmt.Errorf("%s grew beyond %d bytes while read", p, maxSourceBytes)
	}
	return b, err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
