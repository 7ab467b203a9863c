package connectome

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// LoadOptions says how to read a connectivity file.
type LoadOptions struct {
	// Rows is what the rows of the weight (and tract-length) matrix mean.
	// The zero value, RowsAreSources, is the reference code's reading.
	Rows Orientation
	// For .npy weights only (refused for TVB input, whose labels, tract
	// lengths and centres come from the zip or folder):
	Labels       string // JSON array of region labels; default "R0".."R{n-1}"
	TractLengths string // .npy, n×n, mm
	Centres      string // .npy, n×3, mm
	// Ctx, when set, interrupts a load: reading stops with an error
	// wrapping Ctx.Err().
	Ctx context.Context
}

// Bounds on what a connectivity may cost to read, so that a hostile file
// (a zip bomb, a link to /dev/zero, a FIFO) cannot exhaust memory or
// hang. A matrix has at most MaxRegions rows; text members are read as a
// stream and refused as soon as they exceed what their matrix can need:
// the weights' budget is set by the column count of their first row, the
// tract lengths' and centres' by the weights' size (see matrixBudget).
// Only regular files (and folders) are opened.
const (
	MaxRegions = 4096
	// bytesPerValue is the text a value of a matrix may take on average,
	// separator included: "%.18e" (numpy.savetxt's default) takes 25.
	bytesPerValue = 40
	// bytesPerCentre is the text of one centres line (label x y z …).
	bytesPerCentre = 1024
	// textSlack is allowed on top of any budget: comment lines, a header.
	textSlack = 1 << 20
)

// matrixBudget is the most text an n×n matrix may take.
func matrixBudget(n int) int64 { return int64(n)*int64(n)*bytesPerValue + int64(n)*64 + textSlack }

// Load reads a connectome from a TVB connectivity zip, a TVB folder, or a
// NumPy .npy weight matrix. Anything malformed is refused with a
// *FormatError naming the file, member and line.
//
// TVB members are weights.txt, tract_lengths.txt (optional) and centres.txt
// (optional; "label x y z" per line, further columns ignored as TVB itself
// does — tvb66 has a fifth column that is always "None"), each possibly
// compressed as .txt.bz2 or .txt.gz, at the top or inside one subfolder.
// Without centres.txt (and for .npy without Labels) regions are named
// "R0".."R{n-1}", 0-based like every index in the engine, and Centres is nil.
// Other members (areas, cortical, orientations, info) are ignored.
func Load(file string, opt LoadOptions) (*Connectome, error) {
	if opt.Rows != RowsAreSources && opt.Rows != RowsAreTargets {
		return nil, fmt.Errorf("%s: invalid orientation %v", file, opt.Rows)
	}
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return nil, notRegular(file, st)
	}
	ctx := opt.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	var c *Connectome
	switch {
	case st.IsDir():
		if err := tvbOnly(file, opt); err != nil {
			return nil, err
		}
		c, err = loadTVB(ctx, dirMembers(file), file)
	case strings.EqualFold(filepath.Ext(file), ".npy"):
		c, err = loadNpyFiles(ctx, file, opt)
	default:
		if err := tvbOnly(file, opt); err != nil {
			return nil, err
		}
		c, err = loadZipFile(ctx, file, st.Size())
	}
	if err != nil {
		return nil, err
	}
	if err := c.checkWeights(); err != nil {
		return nil, &FormatError{File: file, Msg: err.Error()}
	}
	c.Name = baseName(file)
	c.Source = file
	if opt.Rows == RowsAreTargets {
		transposeInPlace(c.Weights, c.N())
		if c.TractLengths != nil {
			transposeInPlace(c.TractLengths, c.N())
		}
	}
	c.Orientation = opt.Rows
	return c, nil
}

func tvbOnly(p string, opt LoadOptions) error {
	if opt.Labels != "" || opt.TractLengths != "" || opt.Centres != "" {
		return fmt.Errorf("%s: separate labels, tract-length and centres files go with .npy weights only; a TVB connectivity (zip or folder) carries its own (centres.txt names the regions, tract_lengths.txt holds the lengths): drop them, or edit the connectivity", p)
	}
	return nil
}

func notRegular(p string, st os.FileInfo) error {
	return fmt.Errorf("%s is not a regular file (%s); connectomes are read from files and folders only", p, st.Mode().Type())
}

// openRegular opens p for reading if it is a regular file no larger than
// max bytes: a FIFO, a device or a link to one is refused before it is
// opened, so that reading never blocks or runs on without end.
func openRegular(p string, max int64) (*os.File, int64, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, notRegular(p, st)
	}
	if st.Size() > max {
		return nil, 0, &FormatError{File: p, Msg: fmt.Sprintf("%d bytes, more than the %d a connectivity file may have (%d regions at most)", st.Size(), max, MaxRegions)}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	// It may have been replaced since the Stat.
	if st2, err := f.Stat(); err != nil || !st2.Mode().IsRegular() || !os.SameFile(st, st2) {
		f.Close()
		return nil, 0, fmt.Errorf("%s changed while it was opened", p)
	}
	return f, st.Size(), nil
}

// readRegular reads a regular file of at most max bytes.
func readRegular(ctx context.Context, p string, max int64) ([]byte, error) {
	f, size, err := openRegular(p, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 0, size+1)
	buf := bytes.NewBuffer(b)
	if _, err := buf.ReadFrom(io.LimitReader(ctxReader{ctx, f}, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, &FormatError{File: p, Msg: fmt.Sprintf("more than %d bytes", max)}
	}
	return buf.Bytes(), nil
}

// ctxReader stops reading when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("interrupted: %w", err)
	}
	return c.r.Read(p)
}

// baseName is the file name without directory and extensions: tvb96.zip →
// tvb96, weights.npy → weights, connectivity_192/ → connectivity_192.
func baseName(p string) string {
	b := filepath.Base(filepath.Clean(p))
	for _, ext := range []string{".zip", ".npy"} {
		if len(b) > len(ext) && strings.EqualFold(b[len(b)-len(ext):], ext) {
			return b[:len(b)-len(ext)]
		}
	}
	return b
}

func transposeInPlace(m []float64, n int) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			m[i*n+j], m[j*n+i] = m[j*n+i], m[i*n+j]
		}
	}
}

// members is a TVB connectivity's files, from a zip or a folder: names
// relative to the root with '/' separators.
type members struct {
	names []string
	open  func(name string) (io.ReadCloser, error)
}

func dirMembers(root string) members {
	m := members{open: func(name string) (io.ReadCloser, error) {
		f, _, err := openRegular(filepath.Join(root, filepath.FromSlash(name)), math.MaxInt64)
		return f, err
	}}
	top, err := os.ReadDir(root)
	if err != nil {
		return m
	}
	for _, e := range top {
		if e.Type().IsRegular() {
			m.names = append(m.names, e.Name())
		} else if e.IsDir() {
			sub, err := os.ReadDir(filepath.Join(root, e.Name()))
			if err != nil {
				continue
			}
			for _, s := range sub {
				if s.Type().IsRegular() {
					m.names = append(m.names, e.Name()+"/"+s.Name())
				}
			}
		}
	}
	return m
}

func loadZipFile(ctx context.Context, p string, size int64) (*Connectome, error) {
	f, size, err := openRegular(p, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return loadZip(ctx, f, size, p)
}

// loadZip reads a TVB connectivity zip; file names it in errors.
func loadZip(ctx context.Context, r io.ReaderAt, size int64, file string) (*Connectome, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &FormatError{File: file, Msg: "not a readable zip file (truncated, or not a zip): " + err.Error()}
	}
	byName := map[string]*zip.File{}
	m := members{open: func(name string) (io.ReadCloser, error) { return byName[name].Open() }}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		name := strings.TrimPrefix(path.Clean(strings.ReplaceAll(zf.Name, "\\", "/")), "/")
		if _, dup := byName[name]; dup {
			return nil, &FormatError{File: file, Member: name, Msg: "member appears twice in the zip"}
		}
		byName[name] = zf
		m.names = append(m.names, name)
	}
	return loadTVB(ctx, m, file)
}

// The TVB member stems we read, and the suffixes TVB allows for each.
var memberSuffixes = []string{".txt", ".txt.bz2", ".txt.gz"}

// findMembers picks the folder holding weights.txt (the root or one
// subfolder) and the members of interest in it.
func findMembers(m members, file string) (dir string, found map[string]string, err error) {
	isStem := func(name, stem string) bool {
		b := path.Base(name)
		for _, s := range memberSuffixes {
			if b == stem+s {
				return true
			}
		}
		return false
	}
	var dirs []string
	seen := map[string]bool{}
	for _, n := range m.names {
		if isStem(n, "weights") {
			d := path.Dir(n)
			if !seen[d] {
				seen[d] = true
				dirs = append(dirs, d)
			}
		}
	}
	switch len(dirs) {
	case 0:
		return "", nil, &FormatError{File: file, Msg: "missing weights.txt (a TVB connectivity needs weights.txt, optionally .bz2 or .gz compressed)"}
	case 1:
	default:
		sort.Strings(dirs)
		return "", nil, &FormatError{File: file, Msg: "weights.txt appears in several folders (" + strings.Join(dirs, ", ") + "); keep one connectivity per zip"}
	}
	dir = dirs[0]
	found = map[string]string{}
	for _, stem := range []string{"weights", "tract_lengths", "centres", "centers"} {
		for _, s := range memberSuffixes {
			want := stem + s
			if dir != "." {
				want = dir + "/" + want
			}
			for _, n := range m.names {
				if n == want {
					if _, ok := found[stem]; !ok {
						found[stem] = n
					}
				}
			}
		}
	}
	if c, ok := found["centers"]; ok {
		if _, ok := found["centres"]; !ok {
			found["centres"] = c
		}
	}
	return dir, found, nil
}

// readMember returns a member's bytes, decompressed by its suffix, read
// as a stream and refused as soon as it exceeds budget bytes. With
// budget < 0 the member is a matrix of unknown size: its first row's
// column count n sets the budget to matrixBudget(n) (at most MaxRegions
// columns).
func readMember(ctx context.Context, m members, file, name string, budget int64) ([]byte, error) {
	rc, err := m.open(name)
	if err != nil {
		return nil, &FormatError{File: file, Member: name, Msg: err.Error()}
	}
	defer rc.Close()
	var r io.Reader = rc
	switch {
	case strings.HasSuffix(name, ".bz2"):
		r = bzip2.NewReader(rc)
	case strings.HasSuffix(name, ".gz"):
		zr, err := gzip.NewReader(rc)
		if err != nil {
			return nil, &FormatError{File: file, Member: name, Msg: "bad gzip data: " + err.Error()}
		}
		defer zr.Close()
		r = zr
	}
	r = ctxReader{ctx, r}
	tooLarge := func(limit int64, why string) error {
		return &FormatError{File: file, Member: name, Msg: fmt.Sprintf("larger than %d bytes once decompressed, more than %s can need", limit, why)}
	}
	readErr := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %s: interrupted: %w", file, name, ctx.Err())
		}
		return &FormatError{File: file, Member: name, Msg: "cannot read: " + err.Error()}
	}
	var buf bytes.Buffer
	why := "its matrix"
	if budget < 0 {
		// Until the first row is complete: MaxRegions columns.
		limit := int64(MaxRegions)*bytesPerValue + textSlack
		chunk := make([]byte, 64<<10)
		for {
			n, err := r.Read(chunk)
			buf.Write(chunk[:n])
			if cols, line, ok := firstRowColumns(buf.Bytes()); ok {
				if cols > MaxRegions {
					return nil, &FormatError{File: file, Member: name, Line: line, Msg: fmt.Sprintf("%d columns: a connectivity has at most %d regions", cols, MaxRegions)}
				}
				budget = matrixBudget(cols)
				why = fmt.Sprintf("a %d×%d matrix", cols, cols)
				break
			}
			if int64(buf.Len()) > limit {
				return nil, tooLarge(limit, fmt.Sprintf("the first row of a matrix of at most %d regions", MaxRegions))
			}
			if err == io.EOF {
				// One line without a newline: its columns still count.
				if f, ok := (&textLines{b: buf.Bytes()}).nextRecord(nil); ok && len(f) > MaxRegions {
					return nil, &FormatError{File: file, Member: name, Line: 1, Msg: fmt.Sprintf("%d columns: a connectivity has at most %d regions", len(f), MaxRegions)}
				}
				return buf.Bytes(), nil
			}
			if err != nil {
				return nil, readErr(err)
			}
		}
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, budget+1-int64(buf.Len()))); err != nil {
		return nil, readErr(err)
	}
	if int64(buf.Len()) > budget {
		return nil, tooLarge(budget, why)
	}
	return buf.Bytes(), nil
}

// firstRowColumns counts the values of the first line of b that is
// neither blank nor a comment, once that line is complete (ends in a
// newline); line is its 1-based number.
func firstRowColumns(b []byte) (cols, line int, ok bool) {
	var f [][]byte
	for line = 1; ; line++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return 0, 0, false
		}
		if f = fields(f, b[:i]); !skipLine(f) {
			return len(f), line, true
		}
		b = b[i+1:]
	}
}

func loadTVB(ctx context.Context, m members, file string) (*Connectome, error) {
	_, found, err := findMembers(m, file)
	if err != nil {
		return nil, err
	}
	read := func(stem string, budget int64) ([]byte, string, error) {
		name, ok := found[stem]
		if !ok {
			return nil, "", nil
		}
		b, err := readMember(ctx, m, file, name, budget)
		return b, name, err
	}

	// The weights come first: their size bounds what the other members
	// may take. Tract lengths are then read and decoded while the weights
	// are decoded, which roughly halves the load time of tvb998.
	type result struct {
		m   *matrix
		err error
	}
	var wres, tres result
	wname, tname := found["weights"], found["tract_lengths"]
	b, _, err := read("weights", -1)
	if err != nil {
		return nil, err
	}
	n := 0
	if f, ok := (&textLines{b: b}).nextRecord(nil); ok {
		n = len(f)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b, name, err := read("tract_lengths", matrixBudget(n))
		if err != nil || b == nil {
			tres.err = err
			return
		}
		mt, err := readMatrix(b, "tract length")
		tres.m, tres.err = mt, locate(err, file, name)
	}()
	wres.m, err = readMatrix(b, "weight")
	err = locate(err, file, wname)
	<-done
	if err != nil {
		return nil, err
	}
	if tres.err != nil {
		return nil, tres.err
	}
	w := wres.m
	c := &Connectome{Weights: w.vals}
	if t := tres.m; t != nil {
		if t.n != w.n {
			return nil, &FormatError{File: file, Member: tname, Msg: fmt.Sprintf("tract-length matrix is %d×%d but the weight matrix is %d×%d", t.n, t.n, w.n, w.n)}
		}
		c.TractLengths = t.vals
	}

	cb, cname, err := read("centres", int64(w.n)*bytesPerCentre+textSlack)
	if err != nil {
		return nil, err
	}
	if cb != nil {
		labels, centres, err := readCentres(cb)
		if err != nil {
			return nil, locate(err, file, cname)
		}
		if len(labels) != w.n {
			return nil, &FormatError{File: file, Member: cname, Msg: fmt.Sprintf("%d regions listed but the weight matrix is %d×%d", len(labels), w.n, w.n)}
		}
		c.Labels, c.Centres = labels, centres
	} else {
		c.Labels = defaultLabels(w.n)
	}
	return c, nil
}

func defaultLabels(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf("R%d", i)
	}
	return l
}

// readCentres parses "label x y z [more columns]" lines. Every line must
// have the column count of the first (at least 4); columns after z are
// ignored, as TVB's reader does (use_cols=(1,2,3)).
func readCentres(b []byte) ([]string, [][3]float64, error) {
	t := textLines{b: b}
	var f [][]byte
	var labels []string
	var centres [][3]float64
	cols, firstLine := -1, 0
	for {
		var ok bool
		if f, ok = t.nextRecord(f); !ok {
			break
		}
		if len(f) < 4 {
			return nil, nil, lineErr(t.line, "want \"label x y z\", got %d columns", len(f))
		}
		if cols < 0 {
			cols, firstLine = len(f), t.line
		} else if len(f) != cols {
			return nil, nil, lineErr(t.line, "%d columns, but the first line (line %d) has %d", len(f), firstLine, cols)
		}
		var xyz [3]float64
		for k := 0; k < 3; k++ {
			v, err := parseNumber(f[k+1])
			if err != nil {
				return nil, nil, lineErr(t.line, "column %d: %v", k+2, err)
			}
			xyz[k] = v
		}
		labels = append(labels, string(f[0]))
		centres = append(centres, xyz)
	}
	if len(labels) == 0 {
		return nil, nil, &FormatError{Msg: "empty file: no regions"}
	}
	return labels, centres, nil
}

// loadNpyFiles reads .npy weights and the optional sidecars of opt.
func loadNpyFiles(ctx context.Context, p string, opt LoadOptions) (*Connectome, error) {
	w, err := readNpyFile(ctx, p)
	if err != nil {
		return nil, err
	}
	n, err := w.square(p, "weights")
	if err != nil {
		return nil, err
	}
	if err := w.nonNegative(p, "weight"); err != nil {
		return nil, err
	}
	c := &Connectome{Weights: w.vals}
	if opt.TractLengths != "" {
		t, err := readNpyFile(ctx, opt.TractLengths)
		if err != nil {
			return nil, err
		}
		if t.rows != n || t.cols != n {
			return nil, &FormatError{File: opt.TractLengths, Msg: fmt.Sprintf("tract-length matrix has shape %s but the weights (%s) are %d×%d", t.shape(), p, n, n)}
		}
		if err := t.nonNegative(opt.TractLengths, "tract length"); err != nil {
			return nil, err
		}
		c.TractLengths = t.vals
	}
	if opt.Centres != "" {
		ce, err := readNpyFile(ctx, opt.Centres)
		if err != nil {
			return nil, err
		}
		if ce.rows != n || ce.cols != 3 {
			return nil, &FormatError{File: opt.Centres, Msg: fmt.Sprintf("centres have shape %s, want (%d, 3) for %d regions", ce.shape(), n, n)}
		}
		c.Centres = make([][3]float64, n)
		for i := range c.Centres {
			copy(c.Centres[i][:], ce.vals[i*3:i*3+3])
		}
	}
	if opt.Labels != "" {
		labels, err := readLabelsJSON(ctx, opt.Labels, n)
		if err != nil {
			return nil, err
		}
		if len(labels) != n {
			return nil, &FormatError{File: opt.Labels, Msg: fmt.Sprintf("%d labels but the weight matrix (%s) is %d×%d", len(labels), p, n, n)}
		}
		c.Labels = labels
	} else {
		c.Labels = defaultLabels(n)
	}
	return c, nil
}

func readLabelsJSON(ctx context.Context, p string, n int) ([]string, error) {
	b, err := readRegular(ctx, p, int64(n)*bytesPerCentre+textSlack)
	if err != nil {
		return nil, err
	}
	var labels []string
	if err := json.Unmarshal(b, &labels); err != nil {
		fe := &FormatError{File: p, Msg: "want a JSON array of strings: " + err.Error()}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			fe.Line = lineAt(b, se.Offset)
		case errors.As(err, &te):
			fe.Line = lineAt(b, te.Offset)
		}
		return nil, fe
	}
	if len(labels) == 0 {
		return nil, &FormatError{File: p, Msg: "empty label list"}
	}
	return labels, nil
}

// lineAt is the 1-based line of byte offset off in b.
func lineAt(b []byte, off int64) int {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte{'\n'}) + 1
}
