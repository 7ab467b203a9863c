package connectome

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCatalogue(t *testing.T) {
	want := map[string]string{
		"paupau": "paupau.zip", "tvb66": "connectivity_66.zip", "tvb68": "connectivity_68.zip",
		"tvb76": "connectivity_76.zip", "tvb80": "connectivity_80.zip", "tvb96": "connectivity_96.zip",
		"tvb192": "connectivity_192.zip", "tvb998": "connectivity_998.zip",
	}
	cat := Catalogue()
	if len(cat) != len(want) {
		t.Fatalf("%d entries: %+v", len(cat), cat)
	}
	for _, e := range cat {
		if want[e.Name] != e.Remote || e.File != e.Name+".zip" || len(e.SHA256) != 64 {
			t.Errorf("%+v", e)
		}
		// The embedded sums are those of the shared data.
		sum, err := fileSHA256(dataFile(t, e.File))
		if err != nil {
			t.Fatal(err)
		}
		if sum != e.SHA256 {
			t.Errorf("%s: shared file sha256 %s, pinned %s", e.File, sum, e.SHA256)
		}
	}
}

func TestResolve(t *testing.T) {
	data1, data2, cache := t.TempDir(), t.TempDir(), t.TempDir()
	writeZip(t, data2, "tiny.zip", tinyMembers()...)
	writeZip(t, cache, "cached.zip", tinyMembers()...)
	writeZip(t, data1, "both.zip", tinyMembers()...)
	writeZip(t, cache, "both.zip", tinyMembers()...)
	writeFile(t, filepath.Join(data1, "w.npy"), npyBytes("<f8", false, 1, 1, []float64{0}))
	os.MkdirAll(filepath.Join(data1, "folder"), 0o755)
	s := &Store{Path: []string{data1, data2}, Cache: cache}

	for name, want := range map[string]string{
		"tiny":     filepath.Join(data2, "tiny.zip"),
		"tiny.zip": filepath.Join(data2, "tiny.zip"),
		"cached":   filepath.Join(cache, "cached.zip"),
		"both":     filepath.Join(data1, "both.zip"), // data path before cache
		"w":        filepath.Join(data1, "w.npy"),
		"folder":   filepath.Join(data1, "folder"),
	} {
		got, err := s.Resolve(name)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	// A path is used as is.
	p := filepath.Join(data2, "tiny.zip")
	if got, err := s.Resolve(p); err != nil || got != p {
		t.Errorf("path: %q %v", got, err)
	}
	if _, err := s.Resolve(filepath.Join(data2, "nope.zip")); err == nil {
		t.Error("missing path accepted")
	}

	_, err := s.Resolve("tvb96")
	if err == nil {
		t.Fatal("tvb96 found in empty folders")
	}
	for _, want := range []string{data1, data2, cache, "encephagen connectome fetch tvb96", "import"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	_, err = s.Resolve("mystery")
	if err == nil || !strings.Contains(err.Error(), "encephagen connectome import FILE") || !strings.Contains(err.Error(), "fetch NAME") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := s.Resolve(""); err == nil {
		t.Error("empty name accepted")
	}

	c, err := s.LoadNamed("tiny", LoadOptions{})
	if err != nil || c.N() != 3 || c.Name != "tiny" {
		t.Errorf("LoadNamed: %v %v", c, err)
	}
}

func TestDefaultStoreEnv(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	t.Setenv("ENCEPHAGEN_DATA", a+string(os.PathListSeparator)+string(os.PathListSeparator)+b)
	t.Setenv("ENCEPHAGEN_CACHE", filepath.Join(a, "cache"))
	s := DefaultStore()
	if len(s.Path) != 2 || s.Path[0] != a || s.Path[1] != b || s.Cache != filepath.Join(a, "cache") || s.BaseURL != DefaultBaseURL {
		t.Errorf("%+v", s)
	}
	t.Setenv("ENCEPHAGEN_CACHE", "")
	if u, err := os.UserCacheDir(); err == nil {
		if got := DefaultStore().Cache; got != filepath.Join(u, "encephagen", "connectomes") {
			t.Errorf("cache %q", got)
		}
	}
	writeZip(t, b, "tiny.zip", tinyMembers()...)
	if p, err := Resolve("tiny"); err != nil || p != filepath.Join(b, "tiny.zip") {
		t.Errorf("Resolve: %q %v", p, err)
	}
}

func TestList(t *testing.T) {
	cache := t.TempDir()
	data := filepath.Dir(dataFile(t, "tvb96.zip"))
	writeZip(t, cache, "mine.zip", tinyMembers()...)
	s := &Store{Path: []string{data}, Cache: cache}
	es := s.List()
	if len(es) != len(Catalogue())+1 {
		t.Fatalf("%d entries", len(es))
	}
	for _, e := range es[:len(es)-1] {
		if e.Path != filepath.Join(data, e.File) || !e.Verified {
			t.Errorf("%s: %s verified=%v", e.Name, e.Where(), e.Verified)
		}
	}
	if last := es[len(es)-1]; last.Name != "mine" || last.Path != filepath.Join(cache, "mine.zip") || last.SHA256 != "" {
		t.Errorf("imported entry %+v", last)
	}
	empty := (&Store{Path: []string{t.TempDir()}}).List()
	if empty[0].Where() != "not present" {
		t.Errorf("%+v", empty[0])
	}
}

// fakeUpstream serves the shared files under their upstream names, as the
// tvb-data repository does; corrupt serves tvb96 with one byte changed.
func fakeUpstream(t *testing.T) (srv *httptest.Server, hits *atomic.Int64) {
	hits = new(atomic.Int64)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		for _, e := range Catalogue() {
			if r.URL.Path == "/tvb-data/"+e.Remote {
				b, err := os.ReadFile(dataFile(t, e.File))
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				w.Write(b)
				return
			}
		}
		if r.URL.Path == "/corrupt/connectivity_96.zip" {
			b, _ := os.ReadFile(dataFile(t, "tvb96.zip"))
			b[100] ^= 1
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestFetch(t *testing.T) {
	srv, hits := fakeUpstream(t)
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		cache := filepath.Join(t.TempDir(), "cache")
		s := &Store{Cache: cache, BaseURL: srv.URL + "/tvb-data/", Client: srv.Client()}
		var log bytes.Buffer
		p, err := s.Fetch(ctx, "tvb96", &log)
		if err != nil {
			t.Fatal(err)
		}
		if p != filepath.Join(cache, "tvb96.zip") {
			t.Errorf("path %q", p)
		}
		if c, err := Load(p, LoadOptions{}); err != nil || c.N() != 96 {
			t.Errorf("fetched file: %v", err)
		}
		if !strings.Contains(log.String(), "sha256 ok") {
			t.Errorf("progress: %q", log.String())
		}
		if ents, _ := os.ReadDir(cache); len(ents) != 1 {
			t.Errorf("cache holds %d files (temporary file left?)", len(ents))
		}
		// Second fetch: already there, no download.
		n := hits.Load()
		if _, err := s.Fetch(ctx, "tvb96.zip", nil); err != nil || hits.Load() != n {
			t.Errorf("refetched: %v", err)
		}
		// And Resolve now finds it in the cache.
		if r, err := s.Resolve("tvb96"); err != nil || r != p {
			t.Errorf("Resolve after fetch: %q %v", r, err)
		}
		// paupau keeps its upstream name.
		if _, err := s.Fetch(ctx, "paupau", nil); err != nil {
			t.Error(err)
		}
	})
	t.Run("checksum mismatch", func(t *testing.T) {
		cache := t.TempDir()
		s := &Store{Cache: cache, BaseURL: srv.URL + "/corrupt", Client: srv.Client()}
		_, err := s.Fetch(ctx, "tvb96", nil)
		sum, _ := fileSHA256(dataFile(t, "tvb96.zip"))
		if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "expected sha256 "+sum) || !strings.Contains(err.Error(), ", got ") {
			t.Errorf("got %v", err)
		}
		if ents, _ := os.ReadDir(cache); len(ents) != 0 {
			t.Errorf("cache not empty after a bad download: %v", ents)
		}
	})
	t.Run("404", func(t *testing.T) {
		cache := t.TempDir()
		s := &Store{Cache: cache, BaseURL: srv.URL + "/elsewhere/", Client: srv.Client()}
		_, err := s.Fetch(ctx, "tvb66", nil)
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("got %v", err)
		}
		if ents, _ := os.ReadDir(cache); len(ents) != 0 {
			t.Errorf("cache not empty: %v", ents)
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		s := &Store{Cache: t.TempDir(), BaseURL: srv.URL + "/tvb-data/", Client: srv.Client()}
		_, err := s.Fetch(ctx, "tvb97", nil)
		if err == nil || !strings.Contains(err.Error(), "not in the pinned catalogue") || !strings.Contains(err.Error(), "tvb96") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no cache", func(t *testing.T) {
		s := &Store{BaseURL: srv.URL + "/tvb-data/", Client: srv.Client()}
		if _, err := s.Fetch(ctx, "tvb96", nil); err == nil || !strings.Contains(err.Error(), "ENCEPHAGEN_CACHE") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		s := &Store{Cache: t.TempDir(), BaseURL: srv.URL + "/tvb-data/", Client: srv.Client()}
		if _, err := s.Fetch(cctx, "tvb96", nil); err == nil {
			t.Error("cancelled fetch succeeded")
		}
	})
}

func TestImport(t *testing.T) {
	src := t.TempDir()
	cache := filepath.Join(t.TempDir(), "cache")
	s := &Store{Cache: cache}

	t.Run("pinned file", func(t *testing.T) {
		var note bytes.Buffer
		dest, err := s.Import(dataFile(t, "paupau.zip"), &note)
		if err != nil {
			t.Fatal(err)
		}
		if dest != filepath.Join(cache, "paupau.zip") || !strings.Contains(note.String(), "matches the pinned sha256") {
			t.Errorf("%q %q", dest, note.String())
		}
		a, _ := fileSHA256(dest)
		b, _ := fileSHA256(dataFile(t, "paupau.zip"))
		if a != b {
			t.Error("copy differs")
		}
	})
	t.Run("own name", func(t *testing.T) {
		p := writeZip(t, src, "mine.zip", tinyMembers()...)
		var note bytes.Buffer
		dest, err := s.Import(p, &note)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(note.String(), "not in the pinned catalogue") {
			t.Errorf("note %q", note.String())
		}
		if c, err := s.LoadNamed("mine", LoadOptions{}); err != nil || c.N() != 3 || c.Source != dest {
			t.Errorf("%v %v", c, err)
		}
	})
	t.Run("pinned name, other content", func(t *testing.T) {
		p := writeZip(t, src, "tvb96.zip", tinyMembers()...)
		_, err := s.Import(p, nil)
		if err == nil || !strings.Contains(err.Error(), "expected sha256 ") || !strings.Contains(err.Error(), "rename") {
			t.Errorf("got %v", err)
		}
		if _, err := os.Stat(filepath.Join(cache, "tvb96.zip")); err == nil {
			t.Error("imported anyway")
		}
	})
	t.Run("invalid file", func(t *testing.T) {
		p := writeZip(t, src, "broken.zip", member{"weights.txt", "0 1\n1\n"})
		_, err := s.Import(p, nil)
		if err == nil || !strings.Contains(err.Error(), "broken.zip:weights.txt:2:") {
			t.Errorf("got %v", err)
		}
		if _, err := os.Stat(filepath.Join(cache, "broken.zip")); err == nil {
			t.Error("imported anyway")
		}
	})
	t.Run("folder", func(t *testing.T) {
		if _, err := s.Import(src, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no temporary files left", func(t *testing.T) {
		ents, _ := os.ReadDir(cache)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("left %s", e.Name())
			}
		}
	})
}

func TestParseSums(t *testing.T) {
	h := sha256.Sum256([]byte("x"))
	sum := hex.EncodeToString(h[:])
	es := parseSums([]byte(sum + " *tvb7.zip\n\nbad line\n" + sum + "  other.zip\n"))
	if len(es) != 2 || es[1].Name != "tvb7" || es[1].Remote != "connectivity_7.zip" || es[0].Remote != "other.zip" {
		t.Errorf("%+v", es)
	}
}
