package connectome

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bombZip is a zip whose member name expands to head followed by pad
// repeated n times (deflate squeezes the padding ~1000-fold).
func bombZip(t testing.TB, others []member, name, head, pad string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range others {
		w, _ := zw.Create(m.name)
		w.Write([]byte(m.body))
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(head))
	if n > 0 {
		chunk := []byte(strings.Repeat(pad, 1<<20/len(pad)))
		for written := 0; written < n*len(pad); written += len(chunk) {
			w.Write(chunk)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZipBombBounded: a member that expands far beyond what its matrix
// can need is refused after reading about that much, in bounded memory
// and time, whichever member it is.
func TestZipBombBounded(t *testing.T) {
	const big = 200 << 20 // 200 MB once expanded
	cases := []struct {
		name string
		zip  func() []byte
		want string
	}{
		{"weights padded", func() []byte {
			return bombZip(t, nil, "weights.txt", "0 1\n1 0\n", "\n", big)
		}, "more than a 2×2 matrix can need"},
		{"tract lengths padded", func() []byte {
			return bombZip(t, []member{{"weights.txt", "0 1\n1 0\n"}}, "tract_lengths.txt", "0 1\n1 0\n", " ", big)
		}, "more than its matrix can need"},
		{"centres padded", func() []byte {
			return bombZip(t, []member{{"weights.txt", "0 1\n1 0\n"}}, "centres.txt", "a 0 0 0\nb 0 0 0\n", "#\n", big/2)
		}, "more than its matrix can need"},
		{"comments first", func() []byte {
			return bombZip(t, nil, "weights.txt", "", "# x\n", big/4)
		}, "more than the first row of a matrix of at most 4096 regions can need"},
		{"one endless line", func() []byte {
			return bombZip(t, nil, "weights.txt", "", "0 ", big/2)
		}, "more than the first row of a matrix of at most 4096 regions can need"},
		{"one wide line", func() []byte {
			return bombZip(t, nil, "weights.txt", strings.Repeat("0 ", 5000), "", 0)
		}, "5000 columns: a connectivity has at most 4096 regions"},
		{"too many columns", func() []byte {
			return bombZip(t, nil, "weights.txt", strings.Repeat("0 ", 5000)+"\n", "0 ", big/2)
		}, "5000 columns: a connectivity has at most 4096 regions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.zip()
			if len(b) > 2<<20 {
				t.Fatalf("test zip is %d bytes", len(b))
			}
			p := writeFile(t, filepath.Join(t.TempDir(), "bomb.zip"), b)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Load(p, LoadOptions{})
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
				t.Errorf("allocated %d MB reading a bomb", alloc>>20)
			}
			if took > 5*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

// TestBudgetFitsSharedFiles: the largest shared connectivity is well
// inside its budget (tvb998's weights are 16 MB).
func TestBudgetFitsSharedFiles(t *testing.T) {
	if b := matrixBudget(998); b < 2*16<<20 {
		t.Errorf("budget of a 998-region matrix is %d bytes", b)
	}
	shared(t, "tvb998")
}

// TestOnlyRegularFiles: a FIFO, a device or a link to one is refused at
// once (opening a FIFO would block until a writer came), and so is an
// .npy file larger than a MaxRegions matrix.
func TestOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "c.zip")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	fifoNpy := filepath.Join(dir, "w.npy")
	syscall.Mkfifo(fifoNpy, 0o644)
	zeroNpy := filepath.Join(dir, "zero.npy")
	if err := os.Symlink("/dev/zero", zeroNpy); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.npy")
	writeFile(t, good, npyBytes("<f8", false, 2, 2, []float64{0, 1, 1, 0}))
	labelsFifo := filepath.Join(dir, "labels.json")
	syscall.Mkfifo(labelsFifo, 0o644)
	huge := filepath.Join(dir, "huge.npy")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(npyBytes("<f8", false, 2, 2, []float64{0, 1, 1, 0}))
	f.Truncate(maxNpyBytes + 1) // sparse: costs no disk
	f.Close()
	folder := filepath.Join(dir, "tvb")
	os.Mkdir(folder, 0o755)
	syscall.Mkfifo(filepath.Join(folder, "weights.txt"), 0o644)

	cases := []struct {
		file string
		opt  LoadOptions
		want string
	}{
		{fifo, LoadOptions{}, "is not a regular file"},
		{fifoNpy, LoadOptions{}, "is not a regular file"},
		{zeroNpy, LoadOptions{}, "is not a regular file"},
		{good, LoadOptions{Labels: labelsFifo}, "is not a regular file"},
		{good, LoadOptions{TractLengths: zeroNpy}, "is not a regular file"},
		{huge, LoadOptions{}, "more than the"},
		{folder, LoadOptions{}, "missing weights.txt"}, // the FIFO is not a member
	}
	for _, c := range cases {
		done := make(chan error, 1)
		go func() { _, err := Load(c.file, c.opt); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", filepath.Base(c.file), err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Load still blocked after 5 s", filepath.Base(c.file))
		}
	}
}

// TestLoadCancelled: a cancelled context stops a load.
func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(dataFile(t, "tvb998.zip"), LoadOptions{Ctx: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestPlainNumbersOnly: numbers are decimals as a scientist writes them;
// Go's other forms are refused.
func TestPlainNumbersOnly(t *testing.T) {
	for _, tok := range []string{"1_0", "0x1p4", "0x10", "inf", "Infinity", "nan", "1e", "e5", ".", "+", "1.2.3", "0b1", "1__0"} {
		if _, err := readMatrix([]byte(tok+"\n"), "weight"); err == nil || !strings.Contains(err.Error(), "not a") {
			t.Errorf("%q: %v", tok, err)
		}
	}
	for _, tok := range []string{".5", "5.", "1E3", "+2", "2.5e-3", "007", "1.00000000000000000000001"} {
		if _, err := readMatrix([]byte(tok+"\n"), "weight"); err != nil {
			t.Errorf("%q: %v", tok, err)
		}
	}
}

// TestWeightRange: weights are bounded so that normalising them stays
// finite; the labels option on a zip says what to do in the user's words.
func TestWeightRangeAndMessages(t *testing.T) {
	dir := t.TempDir()
	p := writeZip(t, dir, "big.zip", member{"weights.txt", "0 1e200\n1 0\n"})
	if _, err := Load(p, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "weights must be in [0, 1e+100]") {
		t.Errorf("weight 1e200: %v", err)
	}
	p = writeZip(t, dir, "ok.zip", tinyMembers()...)
	_, err := Load(p, LoadOptions{Labels: "labels.json"})
	if err == nil || strings.Contains(err.Error(), "Labels") || !strings.Contains(err.Error(), "a TVB connectivity (zip or folder) carries its own") {
		t.Errorf("labels on a zip: %v", err)
	}
}

// TestFetchOfflineSaysWhatToDo: without a network, fetch's error says how
// to get the file in: connectome import, or ENCEPHAGEN_DATA.
func TestFetchOfflineSaysWhatToDo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	s := &Store{Cache: t.TempDir(), BaseURL: "http://" + addr + "/"}
	_, err = s.Fetch(context.Background(), "tvb96", nil)
	if err == nil || !strings.Contains(err.Error(), "encephagen connectome import tvb96.zip") || !strings.Contains(err.Error(), "ENCEPHAGEN_DATA") {
		t.Errorf("offline fetch: %v", err)
	}
}
