//go:build cuda

package gpu

// The driver API calls the backend makes, through gorgonia.org/cu: one
// small seam, so that the rest of the package names what it does (upload,
// launch, read back) rather than how the binding spells it.
//
// gorgonia.org/cu initialises the driver in its package init and exits the
// process when that fails; package cuinit (imported below, initialised
// first) turns that into encephagen's own message and exit status, and
// into a skip for the GPU tests. A cuda build therefore runs only where a
// GPU is usable; the default build is the one that runs everywhere.

import (
	"fmt"
	"unsafe"

	_ "github.com/encephagen/encephagen/gpu/cuinit"
	"gorgonia.org/cu"
)

type (
	cuDevice   = cu.Device
	cuContext  = cu.CUContext
	cuFunction = cu.Function
	cuModule   = cu.Module
	devptr     = cu.DevicePtr
)

// wrap names the failed call.
func wrap(call string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	return nil
}

func cuDriverVersion() int { return cu.Version() }

func cuDeviceCount() (int, error) {
	n, err := cu.NumDevices()
	return n, wrap("cuDeviceGetCount", err)
}

func cuDeviceGet(i int) (cuDevice, error) {
	d, err := cu.GetDevice(i)
	return d, wrap("cuDeviceGet", err)
}

func cuDeviceName(d cuDevice) string {
	s, err := d.Name()
	if err != nil {
		return "unknown GPU"
	}
	return s
}

// Device attributes the backend reads.
const (
	attrMultiprocessors = cu.MultiprocessorCount
	attrCCMajor         = cu.ComputeCapabilityMajor
	attrCCMinor         = cu.ComputeCapabilityMinor
)

func cuDeviceAttr(d cuDevice, attr cu.DeviceAttribute) (int, error) {
	v, err := d.Attribute(attr)
	return v, wrap("cuDeviceGetAttribute", err)
}

func cuDeviceTotalMem(d cuDevice) (uint64, error) {
	b, err := d.TotalMem()
	return uint64(b), wrap("cuDeviceTotalMem", err)
}

func cuPrimaryCtxRetain(d cuDevice) (cuContext, error) {
	c, err := d.RetainPrimaryCtx()
	return c, wrap("cuDevicePrimaryCtxRetain", err)
}

func cuCtxSetCurrent(c cuContext) error { return wrap("cuCtxSetCurrent", cu.SetCurrentContext(c)) }

func cuCtxSynchronize() error { return wrap("cuCtxSynchronize", cu.Synchronize()) }

// cuModuleLoadPTX JIT-compiles PTX; a failure carries the JIT's log.
func cuModuleLoadPTX(ptx string) (cuModule, error) {
	log := &cu.JITErrorLogBuffer{Buffer: make([]byte, 8192)}
	m, err := cu.LoadDataEx(ptx, log)
	if err != nil {
		if n := indexNUL(log.Buffer); n > 0 {
			return m, fmt.Errorf("cuModuleLoadDataEx: %w: %s", err, log.Buffer[:n])
		}
		return m, wrap("cuModuleLoadDataEx", err)
	}
	return m, nil
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

func cuModuleGetFunction(m cuModule, name string) (cuFunction, error) {
	f, err := m.Function(name)
	return f, wrap("cuModuleGetFunction "+name, err)
}

func cuMemAlloc(bytes int) (devptr, error) {
	p, err := cu.MemAlloc(int64(bytes))
	return p, wrap(fmt.Sprintf("cuMemAlloc(%d bytes)", bytes), err)
}

func cuMemFree(p devptr) error { return wrap("cuMemFree", cu.MemFree(p)) }

// cuMemcpyHtoD copies bytes from host memory that holds no Go pointers.
func cuMemcpyHtoD(dst devptr, src unsafe.Pointer, bytes int) error {
	return wrap("cuMemcpyHtoD", cu.MemcpyHtoD(dst, src, int64(bytes)))
}

func cuMemcpyDtoH(dst unsafe.Pointer, src devptr, bytes int) error {
	return wrap("cuMemcpyDtoH", cu.MemcpyDtoH(dst, src, int64(bytes)))
}

func cuMemsetD32(dst devptr, v uint32, words int) error {
	return wrap("cuMemsetD32", cu.MemsetD32(dst, v, int64(words)))
}

func cuMemGetInfo() (free, total uint64, err error) {
	f, t, err := cu.MemInfo()
	return uint64(f), uint64(t), wrap("cuMemGetInfo", err)
}

// kernelParams points at every argument of args, for cuLaunch; made once
// per argument array, since the launch reads the values at call time.
func kernelParams(args []uint64) []unsafe.Pointer {
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	return params
}

// cuLaunch launches f on grid blocks of block threads; every argument is
// 8 bytes wide (cu.Function.Launch copies 8 bytes per argument).
func cuLaunch(f cuFunction, grid, block int, params []unsafe.Pointer) error {
	return wrap("cuLaunchKernel", f.Launch(grid, 1, 1, block, 1, 1, 0, cu.NoStream, params))
}
