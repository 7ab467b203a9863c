package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// CheckUnitKey checks a unit's key: it names the unit's file, so it is
// letters, digits and . _ - = + , in parts separated by /, none empty or
// hidden. fn heads the message.
func CheckUnitKey(fn, key string) error {
	bad := func(why string) error {
		return fmt.Errorf("%s: key must be letters, digits and . _ - = + , separated by /, %s; got %q", fn, why, key)
	}
	if key == "" || len(key) > 200 {
		return bad("1 to 200 characters")
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") {
			return bad("with no empty, . or .. parts")
		}
	}
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("._-=+,/", r):
		default:
			return bad(fmt.Sprintf("not %q", r))
		}
	}
	return nil
}

// UnitFile is the file of the unit key: units/<key>.json.
func UnitFile(key string) string { return UnitsDir + "/" + key + ".json" }

// Units are the units of work of one execution in its run directory: a
// finished unit is the file units/<key>.json, {"key": …, "wall_s": …,
// "value": …}, written atomically; an execution that reuses (--resume, a
// shard run again, a merge) reads it instead of computing the unit again.
// Units counts what it computed and reused, and refuses a key used twice.
type Units struct {
	dir   *Dir
	reuse bool

	mu       sync.Mutex
	keys     map[string]bool
	computed int
	reused   int
}

// NewUnits keeps the units of an execution in dir; reuse says whether
// stored units are reused rather than computed.
func NewUnits(dir *Dir, reuse bool) *Units {
	return &Units{dir: dir, reuse: reuse, keys: map[string]bool{}}
}

// Claim takes key for this execution; it reports false when it was
// taken before.
func (u *Units) Claim(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.keys[key] {
		return false
	}
	u.keys[key] = true
	return true
}

// Stored reports whether the unit key is finished and will be reused.
func (u *Units) Stored(key string) bool { return u.reuse && u.dir.Exists(UnitFile(key)) }

// Load reads a stored unit's value (JSON), checking that the file is the
// unit's, and counts it as reused.
func (u *Units) Load(key string) (json.RawMessage, error) {
	data, err := u.dir.ReadFile(UnitFile(key))
	if err != nil {
		return nil, err
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(data, &rec); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, fmt.Errorf("not a JSON object")
	}
	if k, found := rec["key"]; found {
		var ks string
		if json.Unmarshal(k, &ks) != nil || ks != key {
			return nil, fmt.Errorf("it records the key %s, not %q", k, key)
		}
	}
	val, found := rec["value"]
	if !found {
		return nil, fmt.Errorf("no \"value\" field")
	}
	u.mu.Lock()
	u.reused++
	u.mu.Unlock()
	return val, nil
}

// Store writes a computed unit: its key, its value (JSON) and how long it
// took, kept beside the value, not in it, so that results never depend on
// timing.
func (u *Units) Store(key string, value []byte, wallS float64) error {
	keyJSON, err := json.Marshal(key)
	if err != nil {
		return err
	}
	record := []byte(`{"key": ` + string(keyJSON) + fmt.Sprintf(`, "wall_s": %.3f`, wallS) + `, "value": ` + string(value) + "}\n")
	if err := u.dir.WriteFile(UnitFile(key), record); err != nil {
		return err
	}
	u.mu.Lock()
	u.computed++
	u.mu.Unlock()
	return nil
}

// Counts says how many units this execution computed and reused.
func (u *Units) Counts() UnitCounts {
	u.mu.Lock()
	defer u.mu.Unlock()
	return UnitCounts{Computed: u.computed, Reused: u.reused}
}
