package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encephagen/encephagen/script/rundir"
)

// TestSandbox: scripts read only the data path and their own folder, write
// only inside the run directory, and have no way to run programs or open
// connections.
func TestSandbox(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "evil.star"), []byte("x = 1\n"), 0o644)
	cases := []struct {
		name  string
		src   string
		files map[string]string
		links map[string]string // link name in the script folder → target
		want  string
	}{
		{name: "read /etc/passwd", src: `connectome("/etc/passwd")`,
			want: "connectome: /etc/passwd is outside the folders scripts may read"},
		{name: "read through a symlink", src: `connectome("data/passwd")`, links: map[string]string{"data/passwd": "/etc/passwd"},
			want: "is outside the folders scripts may read"},
		{name: "npy side file outside", src: `connectome("/etc/hostname", labels = "/etc/passwd")`,
			want: "outside the folders scripts may read"},
		{name: "write absolute", src: `write_text("/tmp/encephagen-sandbox.txt", "x")`,
			want: `write_text: name must be a relative path inside the run directory (not absolute), got "/tmp/encephagen-sandbox.txt"`},
		{name: "write dotdot", src: `write_json("../escape.json", 1)`,
			want: "(no .. components)"},
		{name: "load absolute", src: `load("` + filepath.Join(outside, "evil.star") + `", "x")`,
			want: "absolute module paths are not allowed"},
		{name: "load outside", src: `load("../evil.star", "x")`, files: map[string]string{"../evil.star": "x = 1\n"},
			want: "is outside the script folder"},
		{name: "load through a symlink", src: `load("lib/evil.star", "x")`, links: map[string]string{"lib/evil.star": filepath.Join(outside, "evil.star")},
			want: "is outside the script folder"},
		{name: "unknown library", src: `load("@github//x.star", "x")`, want: `unknown library "@github"`},
		{name: "no open", src: `open("/etc/passwd")`, want: "undefined: open"},
		{name: "no exec", src: `exec("ls")`, want: "undefined: exec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dataPath(t)
			files := map[string]string{}
			for k, v := range c.files {
				files[k] = v
			}
			// Links are made after the folder exists: use a hook file.
			r := execWithLinks(t, c.src, files, c.links)
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant %q", r.err, c.want)
			}
		})
	}
	if _, err := os.Stat("/tmp/encephagen-sandbox.txt"); err == nil {
		t.Error("a script wrote outside its run directory")
	}
}

// TestSandboxRunDirSymlink: a symbolic link inside the run directory does
// not lead writes out of it.
func TestSandboxRunDirSymlink(t *testing.T) {
	outside := t.TempDir()
	run := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(run, "out")); err != nil {
		t.Fatal(err)
	}
	d, err := rundir.Open(run)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteFile("out/x.txt", []byte("escaped")); err == nil {
		t.Error("writing through a symlink out of the run directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "x.txt")); err == nil {
		t.Error("the file was written outside the run directory")
	}
	if err := d.WriteFile("in/x.txt", []byte("ok")); err != nil {
		t.Error(err)
	}
}

// TestSandboxMessages: a path outside the readable folders gets the same
// message whether or not it exists (scripts cannot probe the file
// system); inside, the message says what is wrong.
func TestSandboxMessages(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "real.zip"), []byte("x"), 0o644)
	cases := []struct {
		name  string
		src   string
		files map[string]string
		links map[string]string
		want  string
	}{
		{name: "outside, exists", src: `connectome("` + filepath.Join(outside, "real.zip") + `")`, want: "real.zip is outside the folders scripts may read"},
		{name: "outside, missing", src: `connectome("` + filepath.Join(outside, "none.zip") + `")`, want: "none.zip is outside the folders scripts may read"},
		{name: "outside, missing folder", src: `connectome("/nonexistent-encephagen/x.zip")`, want: "x.zip is outside the folders scripts may read"},
		{name: "relative outside, missing", src: `connectome("../../none.zip")`, want: "none.zip is outside the folders scripts may read"},
		{name: "dangling link outward", src: `connectome("./d.zip")`, links: map[string]string{"d.zip": filepath.Join(outside, "none.zip")}, want: "d.zip is outside the folders scripts may read"},
		{name: "dangling link inward", src: `connectome("./d.zip")`, links: map[string]string{"d.zip": "gone.zip"}, want: "no such file"},
		{name: "missing inside", src: `connectome("./none.zip")`, want: "connectome: no such file"},
		{name: "link loop", src: `connectome("./loop.zip")`, links: map[string]string{"loop.zip": "loop2.zip", "loop2.zip": "loop.zip"}, want: "loop.zip: a loop of symbolic links"},
		{name: "module outside, missing", src: `load("../none.star", "x")`, want: "none.star is outside the script folder"},
		{name: "module missing", src: `load("none.star", "x")`, want: "no such file"},
		{name: "module link loop", src: `load("m.star", "x")`, links: map[string]string{"m.star": "m.star"}, want: "m.star: a loop of symbolic links"},
		{name: "folder without ./", src: `connectome("mydata")`, files: map[string]string{"mydata/weights.txt": "0 1\n1 0\n"},
			want: `connectome: "mydata" is not a connectome of the data path, but mydata is beside the script: give it as a path, connectome("./mydata")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dataPath(t)
			r := execWithLinks(t, c.src, c.files, c.links)
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant %q", r.err, c.want)
			}
		})
	}
}
