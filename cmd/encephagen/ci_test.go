package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// CI adds Debian's contrib and non-free components (for nvidia-cuda-dev)
// from the apt sources the machine already has: the repository names no
// package host.
func TestCIScriptsNameNoHost(t *testing.T) {
	host := regexp.MustCompile(`(?i)(https?|ftp)://|deb\.debian\.org`)
	for _, f := range []string{"../../.ci/run", "../../.ci/apt-nonfree"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if host.MatchString(line) {
				t.Errorf("%s:%d names a host: %s", f, i+1, line)
			}
		}
	}
}

func TestCIAptNonfreeDerivesFromExistingSources(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	apt := t.TempDir()
	d := filepath.Join(apt, "sources.list.d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(d, "debian.sources"), `Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://other.example/node
Suites: nodistro
Components: main

Types: deb
Enabled: no
URIs: http://off.example/debian
Suites: bookworm
Components: main
`)
	write(filepath.Join(apt, "sources.list"), `# deb http://commented.example/debian bookworm main
deb [arch=amd64 signed-by=/k.gpg] http://mirror2.example/debian bookworm-security main
deb https://vendor.example/apt cloud-sdk-bookworm main
`)
	out, err := exec.Command("bash", "../../.ci/apt-nonfree", apt, "bookworm").CombinedOutput()
	if err != nil {
		t.Fatalf("apt-nonfree: %v\n%s", err, out)
	}
	want := `Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror2.example/debian
Suites: bookworm-security
Components: contrib non-free
Signed-By: /k.gpg

`
	if string(out) != want {
		t.Errorf("apt-nonfree printed\n%s\nwant\n%s", out, want)
	}
}
