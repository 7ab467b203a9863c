//go:build cuda

// Package cuinit initialises the CUDA driver for a cuda build, before
// gorgonia.org/cu does, and decides what happens when that fails.
//
// gorgonia.org/cu calls cuInit in its package init and, when it fails,
// prints a link to NVIDIA's documentation and exits with status 1 before
// main runs. This package's import path sorts before gorgonia.org/cu and it
// imports nothing cu does not, so the Go initialisation order (by import
// path among the packages ready) runs its init first. When the driver
// cannot be initialised — no GPU, no kernel module, a driver too old — it
// ends the process itself:
//
//   - a test binary (go test -tags cuda) prints why and exits 0, so the GPU
//     tests are skipped on a machine without a GPU, or exits 1 when
//     REQUIRE_GPU=1 is set (the GPU check, where a skip would hide a fault);
//   - any other program (bin/encephagen-cuda) prints what it needs and
//     which build to use instead, and exits 1.
//
// Where libcuda.so.1 itself is missing the dynamic loader stops the program
// before any Go code runs; the default build (no cgo, no CUDA) is the one
// for such machines.
package cuinit

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>

static const char *cuinit_error_name(CUresult r) {
	const char *s = 0;
	if (cuGetErrorName(r, &s) != CUDA_SUCCESS || s == 0) return "unknown CUDA error";
	return s;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strings"
)

// ExitNoGPU is the exit status of a cuda build that found no usable GPU.
const ExitNoGPU = 1

func init() {
	r := C.cuInit(0)
	if r == C.CUDA_SUCCESS {
		return
	}
	reason := fmt.Sprintf("cuInit: %s (%d)", C.GoString(C.cuinit_error_name(r)), int(r))
	if isTest() {
		if os.Getenv("REQUIRE_GPU") == "1" {
			fmt.Fprintf(os.Stderr, "FAIL: REQUIRE_GPU=1 and no usable GPU (%s)\n", reason)
			os.Exit(1)
		}
		fmt.Printf("SKIP: no usable GPU (%s): the GPU tests did not run; set REQUIRE_GPU=1 to make this a failure\n", reason)
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "%s: this is the CUDA build of encephagen and it found no usable GPU (%s).\n"+
		"Run the default build (bin/encephagen, make build) to simulate on the CPU.\n", program(), reason)
	os.Exit(ExitNoGPU)
}

// isTest says whether this process is a test binary run by go test.
func isTest() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.") {
			return true
		}
	}
	return strings.HasSuffix(os.Args[0], ".test")
}

func program() string {
	name := os.Args[0]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}
