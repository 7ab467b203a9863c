package connectome

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SHA256SUMS pins the catalogue: the TVB demonstration connectivities at one
// commit of the-virtual-brain/tvb-data, renamed tvbN.zip. A download that
// does not match is refused.
//
//go:embed SHA256SUMS
var sha256sums []byte

// DefaultBaseURL is where Fetch downloads the catalogue from: the
// tvb_data/connectivity folder of the-virtual-brain/tvb-data at the pinned
// commit. Files keep their upstream names there (connectivity_96.zip).
const DefaultBaseURL = "https://raw.githubusercontent.com/the-virtual-brain/tvb-data/f1a3e7dc5370158df721f206c9c9bfad55d98172/tvb_data/connectivity/"

// maxDownloadBytes stops a wrong URL from filling the disk; the largest
// pinned file (tvb998.zip) is 0.6 MB.
const maxDownloadBytes = 256 << 20

// CatalogueEntry is one pinned connectome file.
type CatalogueEntry struct {
	Name   string // "tvb96"
	File   string // local file name, "tvb96.zip"
	Remote string // upstream file name, "connectivity_96.zip"
	SHA256 string // hex
}

var catalogue = parseSums(sha256sums)

func parseSums(b []byte) []CatalogueEntry {
	var es []CatalogueEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || len(f[0]) != 64 || strings.Trim(strings.ToLower(f[0]), "0123456789abcdef") != "" {
			continue
		}
		file := strings.TrimPrefix(f[1], "*")
		name := strings.TrimSuffix(file, ".zip")
		remote := file
		if rest, ok := strings.CutPrefix(name, "tvb"); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			remote = "connectivity_" + rest + ".zip"
		}
		es = append(es, CatalogueEntry{Name: name, File: file, Remote: remote, SHA256: strings.ToLower(f[0])})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	return es
}

// Catalogue lists the pinned connectomes.
func Catalogue() []CatalogueEntry { return append([]CatalogueEntry(nil), catalogue...) }

// lookup finds a catalogue entry by name ("tvb96") or file ("tvb96.zip").
func lookup(name string) (CatalogueEntry, bool) {
	for _, e := range catalogue {
		if e.Name == name || e.File == name {
			return e, true
		}
	}
	return CatalogueEntry{}, false
}

func catalogueNames() string {
	names := make([]string, len(catalogue))
	for i, e := range catalogue {
		names[i] = e.Name
	}
	return strings.Join(names, ", ")
}

// Store is where connectome files are found (Path, then Cache) and where
// Fetch and Import put them (Cache).
type Store struct {
	Path     []string     // data folders, searched in order
	Cache    string       // per-user cache folder; "" when none could be determined
	BaseURL  string       // download location of the catalogue, ending in '/'
	Client   *http.Client // nil: http.DefaultClient
	cacheErr error        // why Cache is ""
}

// DefaultStore reads the environment: ENCEPHAGEN_DATA (folders separated by
// os.PathListSeparator) and ENCEPHAGEN_CACHE, else
// os.UserCacheDir()/encephagen/connectomes.
func DefaultStore() *Store {
	s := &Store{BaseURL: DefaultBaseURL}
	for _, d := range filepath.SplitList(os.Getenv("ENCEPHAGEN_DATA")) {
		if d != "" {
			s.Path = append(s.Path, d)
		}
	}
	if c := os.Getenv("ENCEPHAGEN_CACHE"); c != "" {
		s.Cache = c
	} else if u, err := os.UserCacheDir(); err == nil {
		s.Cache = filepath.Join(u, "encephagen", "connectomes")
	} else {
		s.cacheErr = fmt.Errorf("no cache folder: %v; set ENCEPHAGEN_CACHE", err)
	}
	return s
}

func (s *Store) cache() (string, error) {
	if s.Cache == "" {
		if s.cacheErr != nil {
			return "", s.cacheErr
		}
		return "", errors.New("no cache folder; set ENCEPHAGEN_CACHE")
	}
	return s.Cache, nil
}

// candidates are the file names a bare name may stand for, in order.
func candidates(name string) []string {
	if filepath.Ext(name) != "" {
		return []string{name}
	}
	return []string{name + ".zip", name, name + ".npy"}
}

func (s *Store) folders() (dirs, kinds []string) {
	for _, d := range s.Path {
		dirs, kinds = append(dirs, d), append(kinds, "ENCEPHAGEN_DATA")
	}
	if s.Cache != "" {
		dirs, kinds = append(dirs, s.Cache), append(kinds, "cache")
	}
	return dirs, kinds
}

// Resolve turns a connectome name into a path. A name with a path
// separator, or naming an existing file, is a path and is used as is;
// otherwise "tvb96" or "tvb96.zip" is looked for in the data folders, then
// the cache (a bare "name" may be name.zip, a TVB folder name, or name.npy).
func (s *Store) Resolve(name string) (string, error) {
	if name == "" || name == "." || name == ".." {
		return "", fmt.Errorf("invalid connectome name %q", name)
	}
	if strings.ContainsAny(name, `/`+string(os.PathSeparator)) {
		if _, err := os.Stat(name); err != nil {
			return "", err
		}
		return name, nil
	}
	if st, err := os.Stat(name); err == nil && st.Mode().IsRegular() {
		return name, nil
	}
	if p, ok := s.Find(name); ok {
		return p, nil
	}
	dirs, kinds := s.folders()
	var b strings.Builder
	fmt.Fprintf(&b, "connectome %q not found; looked in:", name)
	for i, d := range dirs {
		fmt.Fprintf(&b, "\n  %s (%s)", d, kinds[i])
	}
	if len(s.Path) == 0 {
		b.WriteString("\n  (ENCEPHAGEN_DATA is not set)")
	}
	if s.Cache == "" {
		b.WriteString("\n  (no cache folder)")
	}
	if e, ok := lookup(name); ok {
		fmt.Fprintf(&b, "\nget it with `encephagen connectome fetch %s`, or `encephagen connectome import FILE` if you have the file", e.Name)
	} else {
		fmt.Fprintf(&b, "\nadd it with `encephagen connectome import FILE`; `encephagen connectome fetch NAME` gets a pinned one (%s)", catalogueNames())
	}
	return "", errors.New(b.String())
}

// Find looks a connectome name up in the data folders, then the cache,
// and nowhere else (not the current folder: sandboxed scripts use it).
func (s *Store) Find(name string) (string, bool) {
	dirs, _ := s.folders()
	for _, d := range dirs {
		for _, f := range candidates(name) {
			p := filepath.Join(d, f)
			if _, err := os.Stat(p); err == nil {
				return p, true
			}
		}
	}
	return "", false
}

// LoadNamed resolves name and loads it.
func (s *Store) LoadNamed(name string, opt LoadOptions) (*Connectome, error) {
	p, err := s.Resolve(name)
	if err != nil {
		return nil, err
	}
	return Load(p, opt)
}

// Entry is a known connectome and where it is.
type Entry struct {
	CatalogueEntry        // SHA256 and Remote are "" for an imported file outside the catalogue
	Path           string // where it is found; "" when not present
	Verified       bool   // the file at Path matches the pinned SHA-256
}

// Where is Path, or "not present".
func (e Entry) Where() string {
	if e.Path == "" {
		return "not present"
	}
	return e.Path
}

// List returns the catalogue with where each file is found (and whether it
// matches its pinned sum), followed by other connectomes imported into the
// cache.
func (s *Store) List() []Entry {
	var out []Entry
	for _, c := range catalogue {
		e := Entry{CatalogueEntry: c}
		if p, err := s.Resolve(c.File); err == nil {
			e.Path = p
			if sum, err := fileSHA256(p); err == nil && sum == c.SHA256 {
				e.Verified = true
			}
		}
		out = append(out, e)
	}
	if s.Cache != "" {
		des, _ := os.ReadDir(s.Cache)
		for _, d := range des {
			n := d.Name()
			if !d.Type().IsRegular() || strings.HasPrefix(n, ".") {
				continue
			}
			if _, ok := lookup(n); ok {
				continue
			}
			out = append(out, Entry{CatalogueEntry: CatalogueEntry{Name: baseName(n), File: n}, Path: filepath.Join(s.Cache, n)})
		}
	}
	return out
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Fetch downloads a pinned connectome into the cache and returns its path.
// The download goes to a temporary file that is renamed into place only
// once its SHA-256 matches the catalogue; a mismatch deletes it. A file
// already in the cache with the right sum is not downloaded again.
// offlineHint says how to get a connectome without this machine's
// network.
func offlineHint(e CatalogueEntry, url string) string {
	return fmt.Sprintf("\nWithout a network here: download %s on a machine that has one (encephagen connectome fetch %s, or %s), copy it here and run `encephagen connectome import %s`, or set ENCEPHAGEN_DATA to a folder that holds it", e.File, e.Name, url, e.File)
}

func (s *Store) Fetch(ctx context.Context, name string, progress io.Writer) (string, error) {
	if progress == nil {
		progress = io.Discard
	}
	e, ok := lookup(name)
	if !ok {
		return "", fmt.Errorf("fetch: %q is not in the pinned catalogue (%s); use `encephagen connectome import FILE` for other files", name, catalogueNames())
	}
	cache, err := s.cache()
	if err != nil {
		return "", fmt.Errorf("fetch %s: %v", e.Name, err)
	}
	dest := filepath.Join(cache, e.File)
	if sum, err := fileSHA256(dest); err == nil && sum == e.SHA256 {
		fmt.Fprintf(progress, "%s: already in %s (sha256 ok)\n", e.File, cache)
		return dest, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("fetch %s: %v", e.Name, err)
	}
	base := s.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	url := base + e.Remote
	fmt.Fprintf(progress, "fetching %s from %s\n", e.File, url)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("fetch %s: %v", e.Name, err)
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("fetch %s: %w", e.Name, ctx.Err())
		}
		return "", fmt.Errorf("fetch %s: %v%s", e.Name, err, offlineHint(e, url))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch %s: GET %s: %s%s", e.Name, url, resp.Status, offlineHint(e, url))
	}
	tmp, err := os.CreateTemp(cache, "."+e.File+".*.part")
	if err != nil {
		return "", fmt.Errorf("fetch %s: %v", e.Name, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	nbytes, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, maxDownloadBytes+1))
	if err == nil && nbytes > maxDownloadBytes {
		err = fmt.Errorf("larger than %d bytes", maxDownloadBytes)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("fetch %s: GET %s: %v%s", e.Name, url, err, offlineHint(e, url))
	}
	got := hex.EncodeToString(h.Sum(nil))
	if got != e.SHA256 {
		return "", fmt.Errorf("fetch %s: checksum mismatch for %s: expected sha256 %s, got %s; the download was deleted", e.Name, url, e.SHA256, got)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("fetch %s: %v", e.Name, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return "", fmt.Errorf("fetch %s: %v", e.Name, err)
	}
	fmt.Fprintf(progress, "%s: %d bytes in %.1fs, sha256 ok → %s\n", e.File, nbytes, time.Since(start).Seconds(), dest)
	return dest, nil
}

// Import validates a connectome file and copies it into the cache, so that
// it can then be named like a pinned one. The file must Load; a file named
// like a catalogue entry must also match its pinned SHA-256 (rename it to
// import a different file). A note on what was done goes to note.
func (s *Store) Import(src string, note io.Writer) (string, error) {
	if note == nil {
		note = io.Discard
	}
	st, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("import: %v", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("import %s: not a regular file (zip a TVB folder first)", src)
	}
	c, err := Load(src, LoadOptions{})
	if err != nil {
		return "", fmt.Errorf("import: %w", err)
	}
	file := filepath.Base(src)
	sum, err := fileSHA256(src)
	if err != nil {
		return "", fmt.Errorf("import: %v", err)
	}
	if e, ok := lookup(file); ok {
		if sum != e.SHA256 {
			return "", fmt.Errorf("import %s: %s is a pinned name but the file differs: expected sha256 %s, got %s; rename the file to import it under another name", src, file, e.SHA256, sum)
		}
		fmt.Fprintf(note, "%s: matches the pinned sha256\n", file)
	} else {
		fmt.Fprintf(note, "%s: not in the pinned catalogue; imported unverified as %q (%d regions, sha256 %s)\n", file, c.Name, c.N(), sum)
		if strings.EqualFold(filepath.Ext(file), ".npy") {
			fmt.Fprintf(note, "%s: only the weight matrix is imported; pass labels, tract lengths and centres when loading\n", file)
		}
	}
	cache, err := s.cache()
	if err != nil {
		return "", fmt.Errorf("import: %v", err)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("import: %v", err)
	}
	dest := filepath.Join(cache, file)
	if err := copyAtomic(src, dest); err != nil {
		return "", fmt.Errorf("import %s: %v", src, err)
	}
	fmt.Fprintf(note, "%s → %s\n", src, dest)
	return dest, nil
}

// copyAtomic copies via a temporary file in dest's folder and renames it
// into place, so readers never see a partial file.
func copyAtomic(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}

// The package-level forms use DefaultStore (the environment).

// Resolve finds a connectome file by name in the data path and cache.
func Resolve(name string) (string, error) { return DefaultStore().Resolve(name) }

// LoadNamed resolves name and loads it.
func LoadNamed(name string, opt LoadOptions) (*Connectome, error) {
	return DefaultStore().LoadNamed(name, opt)
}

// List returns the catalogue and where each file is.
func List() []Entry { return DefaultStore().List() }

// Fetch downloads a pinned connectome into the cache.
func Fetch(ctx context.Context, name string, progress io.Writer) (string, error) {
	return DefaultStore().Fetch(ctx, name, progress)
}
