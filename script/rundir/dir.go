package rundir

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// The files a run keeps itself; scripts may not write them.
const (
	LockFile   = ".lock" // held by the run using the directory (see Dir.Lock)
	RunFile    = "run.json"
	OutputFile = "output.txt"
	UnitsDir   = "units"
)

// reserved names scripts may not write.
var reserved = []string{RunFile, OutputFile, UnitsDir, PlanFile, ShardsDir, LockFile}

// Dir is a run directory; every access goes through an os.Root, so
// nothing outside it can be touched, even through symbolic links.
type Dir struct {
	Path   string
	root   *os.Root
	mu     sync.Mutex
	locked *os.File // the lock file while held
}

// DefaultPath is results/<script name>/<UTC timestamp>, relative to the
// working directory.
func DefaultPath(script string, now time.Time) string {
	stem := strings.TrimSuffix(filepath.Base(script), filepath.Ext(script))
	return filepath.Join("results", stem, now.UTC().Format("20060102-150405"))
}

// Latest is the newest run directory of a script under results/, for
// --resume without --out.
func Latest(script string) (string, error) {
	stem := strings.TrimSuffix(filepath.Base(script), filepath.Ext(script))
	parent := filepath.Join("results", stem)
	des, err := os.ReadDir(parent)
	if err != nil {
		return "", fmt.Errorf("--resume: no earlier run of %s in %s: %v", script, parent, err)
	}
	var names []string
	for _, d := range des {
		if d.IsDir() {
			if _, err := os.Stat(filepath.Join(parent, d.Name(), RunFile)); err == nil {
				names = append(names, d.Name())
			}
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("--resume: no earlier run of %s in %s", script, parent)
	}
	sort.Strings(names)
	return filepath.Join(parent, names[len(names)-1]), nil
}

// Create makes a new, empty run directory (its parents as needed).
// A directory that exists and is not empty is refused: it belongs to
// another run.
func Create(dir string) (*Dir, error) {
	if des, err := os.ReadDir(dir); err == nil && len(des) > 0 {
		return nil, Usagef("run directory %s exists and is not empty; use --resume to continue that run, or another --out", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %v", err)
	}
	return Open(dir)
}

// Open opens an existing run directory.
func Open(dir string) (*Dir, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("run directory: %v", err)
	}
	return &Dir{Path: dir, root: root}, nil
}

// Close releases the directory (and its lock).
func (d *Dir) Close() error {
	if d.locked != nil {
		d.locked.Close()
		d.locked = nil
	}
	return d.root.Close()
}

// Lock takes the lock file name (LockFile, or a shard's own) for this
// process until Close, so that two runs cannot use the directory (two
// --resume runs, or one shard run twice at once) and compute units twice
// or overwrite each other's run info. A directory held by a live run is
// refused with its process id; the lock of a killed run is gone with it.
func (d *Dir) Lock(name string) error {
	f, err := d.root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("run directory %s: cannot create its lock %s: %v", d.Path, name, err)
	}
	busy, err := flockFile(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("run directory %s: cannot lock %s: %v", d.Path, name, err)
	}
	if busy {
		b, _ := io.ReadAll(io.LimitReader(f, 200))
		f.Close()
		holder := strings.TrimSpace(string(b))
		if holder == "" {
			holder = "another process"
		}
		return Usagef("run directory %s is in use by another encephagen run (%s); wait for it to end, or stop it, before using the directory again", d.Path, holder)
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %d on %s\n", os.Getpid(), host)), 0)
	d.locked = f
	return nil
}

// CheckName validates a file name given by a script: relative, inside the
// run directory, not one of the files the run itself keeps.
func CheckName(fn, name string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%s: name must be a relative path inside the run directory (%s), got %q", fn, why, name)
	}
	switch {
	case name == "":
		return "", bad("empty")
	case strings.ContainsRune(name, '\\') || strings.ContainsRune(name, 0):
		return "", bad("no backslashes or NUL")
	case path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		return "", bad("not absolute")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", bad("no .. components")
		}
	}
	clean := path.Clean(name)
	if clean == "." || strings.HasSuffix(name, "/") {
		return "", bad("a file name")
	}
	first, _, _ := strings.Cut(clean, "/")
	for _, r := range reserved {
		if first == r {
			return "", fmt.Errorf("%s: %q is kept by the run itself (%s); choose another name", fn, name, strings.Join(reserved, ", "))
		}
	}
	return clean, nil
}

// WriteFault, when set (by tests), makes WriteFile of name fail with its
// error, as a full disk would.
var WriteFault func(name string) error

// WriteFile writes name (a clean relative path) atomically.
func (d *Dir) WriteFile(name string, data []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if WriteFault != nil {
		if err := WriteFault(name); err != nil {
			return err
		}
	}
	if dir := path.Dir(name); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// A temporary name of its own: shards on several machines may write
	// the same file into a shared run directory at the same time.
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(rnd[:])+".part")
	if err := d.writeExact(tmp, data); err != nil {
		return err
	}
	if err := d.root.Rename(tmp, name); err != nil {
		d.root.Remove(tmp)
		return err
	}
	return nil
}

// writeExact creates name, which must not exist, and writes data to disk;
// on failure nothing is left under name.
func (d *Dir) writeExact(name string, data []byte) error {
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		d.root.Remove(name)
	}
	return err
}

// MkdirAll makes the folder name (and its parents) in the directory.
func (d *Dir) MkdirAll(name string) error { return d.root.MkdirAll(name, 0o755) }

// ReadFile reads name from the run directory.
func (d *Dir) ReadFile(name string) ([]byte, error) { return d.root.ReadFile(name) }

// Exists reports whether name exists.
func (d *Dir) Exists(name string) bool {
	_, err := d.root.Stat(name)
	return err == nil
}

// OpenOutput opens the file of printed output (output.txt) for
// appending, or afresh with truncate.
func (d *Dir) OpenOutput(name string, truncate bool) (*os.File, error) {
	if dir := path.Dir(name); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if truncate {
		flag |= os.O_TRUNC
	}
	return d.root.OpenFile(name, flag, 0o644)
}

// Info is run.json: the provenance of a run and how it ended.
type Info struct {
	Program   string            `json:"program"`
	Version   string            `json:"version"`
	Commit    string            `json:"commit"`
	GoVersion string            `json:"go_version"`
	Script    string            `json:"script"`
	ScriptSHA string            `json:"script_sha256"`
	Modules   map[string]string `json:"modules,omitempty"` // loaded module → sha256
	Params    map[string]any    `json:"params"`
	Sets      []string          `json:"sets,omitempty"`
	Workers   int               `json:"workers"`
	Backend   string            `json:"backend"`
	Host      string            `json:"host"`
	OS        string            `json:"os"`
	CPUs      int               `json:"cpus"`
	Started   string            `json:"started"`
	Resumed   []string          `json:"resumed,omitempty"` // times of --resume
	Finished  string            `json:"finished,omitempty"`
	WallS     float64           `json:"wall_s,omitempty"`
	Status    string            `json:"status"` // running, ok, error, interrupted
	Error     string            `json:"error,omitempty"`
	Units     *UnitCounts       `json:"units,omitempty"`

	// A shard's info (shards/I-of-N.json): which shard, how it was
	// chosen, the scheduler's variables, and the plan it ran.
	Shard     string            `json:"shard,omitempty"` // "1/3"
	ShardFrom string            `json:"shard_from,omitempty"`
	Scheduler map[string]string `json:"scheduler,omitempty"`
	PlanSHA   string            `json:"plan_sha256,omitempty"`
	// A merged run's info (run.json): the shards merged.
	Merge *MergeInfo `json:"merge,omitempty"`
}

// UnitCounts says how many units a run computed and how many it reused.
type UnitCounts struct {
	Computed int `json:"computed"`
	Reused   int `json:"reused"`
}

// infoReserve is the room kept at the end of a run info file (as spaces,
// which JSON ignores), so that how the run ended can still be written in
// place when the disk is full.
const infoReserve = 4096

// WriteInfo writes info as the file name (run.json, or a shard's).
func (d *Dir) WriteInfo(name string, info *Info) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	err = d.WriteFile(name, append(b, bytes.Repeat([]byte{' '}, infoReserve)...))
	if err != nil {
		// No room for a new file (a full disk): overwrite the old one in
		// the room it has, shortening the error message if need be, so
		// that it does not go on saying "running".
		d.overwriteInfo(name, info)
	}
	return err
}

// overwriteInfo writes info over the existing file name without growing
// it; it reports whether that worked.
func (d *Dir) overwriteInfo(name string, info *Info) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := d.root.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	size := int(st.Size())
	in := *info
	for {
		b, err := json.MarshalIndent(&in, "", "  ")
		if err != nil {
			return false
		}
		b = append(b, '\n')
		if len(b) <= size {
			b = append(b, bytes.Repeat([]byte{' '}, size-len(b))...)
			_, err = f.WriteAt(b, 0)
			return err == nil && f.Sync() == nil
		}
		if len(in.Error) == 0 {
			return false
		}
		cut := max(0, len(in.Error)-(len(b)-size)-16)
		in.Error = strings.ToValidUTF8(in.Error[:cut], "") + " […]"
		if cut == 0 {
			in.Error = ""
		}
	}
}

// ReadInfo reads run.json.
func (d *Dir) ReadInfo() (*Info, error) { return d.ReadInfoAs(RunFile) }

// ReadInfoAs reads the run info file name.
func (d *Dir) ReadInfoAs(name string) (*Info, error) {
	b, err := d.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: it is not a run directory", d.Path, name)
	}
	if err != nil {
		return nil, err
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil || info.ScriptSHA == "" {
		why := "it lacks the script's sha256"
		if err != nil {
			why = err.Error()
		}
		return nil, fmt.Errorf("%s is damaged and cannot be read (%s); the units in %s are intact: start a new run (a fresh --out), or restore %s from a backup", filepath.Join(d.Path, name), why, filepath.Join(d.Path, UnitsDir), name)
	}
	return &info, nil
}
