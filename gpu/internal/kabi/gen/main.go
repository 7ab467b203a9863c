// Command gen writes the files generated from the kernel interface table
// (gpu/internal/kabi): gpu/abi_gen.go and gpu/emu/abi.h. Run it from gpu/
// (go generate ./gpu).
package main

import (
	"fmt"
	"os"

	"github.com/encephagen/encephagen/gpu/internal/kabi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kabi/gen:", err)
		os.Exit(1)
	}
}

func run() error {
	if _, err := os.Stat("kernels/step.cu"); err != nil {
		return fmt.Errorf("run from gpu/ (go generate ./gpu): %w", err)
	}
	goSrc, err := kabi.ABI.GoSource()
	if err != nil {
		return err
	}
	emu, err := kabi.ABI.EmuHeader()
	if err != nil {
		return err
	}
	if err := os.WriteFile(kabi.GoFile, goSrc, 0o644); err != nil {
		return err
	}
	return os.WriteFile(kabi.EmuFile, emu, 0o644)
}
