//go:build cuda

package gpu

// A minimal binding to the CUDA driver API, opened with dlopen at run time.
//
// Why not gorgonia.org/cu: its package init calls cuInit and exits the
// process when that fails, so a binary that links it dies before main on
// any machine without a usable GPU (and fails to load where libcuda.so.1 is
// missing). Opening the driver at run time instead lets one binary run
// everywhere: the CPU backend works on any machine, `--backend auto` falls
// back with a reason, `--backend cuda` fails with a clear message, and the
// GPU tests skip. Building needs a C compiler (cgo) but no CUDA toolkit.
// Only the driver API calls the backend uses are bound; all of them exist,
// with these signatures, in every driver since CUDA 11.

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;

static void *enc_lib;
static CUresult (*enc_cuInit)(unsigned);
static CUresult (*enc_cuDriverGetVersion)(int *);
static CUresult (*enc_cuDeviceGetCount)(int *);
static CUresult (*enc_cuDeviceGet)(CUdevice *, int);
static CUresult (*enc_cuDeviceGetName)(char *, int, CUdevice);
static CUresult (*enc_cuDeviceGetAttribute)(int *, int, CUdevice);
static CUresult (*enc_cuDeviceTotalMem)(size_t *, CUdevice);
static CUresult (*enc_cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
static CUresult (*enc_cuDevicePrimaryCtxRelease)(CUdevice);
static CUresult (*enc_cuCtxSetCurrent)(CUcontext);
static CUresult (*enc_cuCtxSynchronize)(void);
static CUresult (*enc_cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
static CUresult (*enc_cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
static CUresult (*enc_cuMemAlloc)(CUdeviceptr *, size_t);
static CUresult (*enc_cuMemFree)(CUdeviceptr);
static CUresult (*enc_cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
static CUresult (*enc_cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
static CUresult (*enc_cuMemsetD32)(CUdeviceptr, unsigned, size_t);
static CUresult (*enc_cuMemGetInfo)(size_t *, size_t *);
static CUresult (*enc_cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
	unsigned, unsigned, unsigned, unsigned, CUstream, void **, void **);
static CUresult (*enc_cuGetErrorName)(CUresult, const char **);

#define ENC_SYM(var, name) \
	if (!(*(void **)(&var) = dlsym(enc_lib, name))) return name;

// enc_open loads the driver library and its symbols; it returns NULL or
// the name of what is missing (dlerror() for the library itself).
static const char *enc_open(const char *path) {
	enc_lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!enc_lib) return dlerror();
	ENC_SYM(enc_cuInit, "cuInit")
	ENC_SYM(enc_cuDriverGetVersion, "cuDriverGetVersion")
	ENC_SYM(enc_cuDeviceGetCount, "cuDeviceGetCount")
	ENC_SYM(enc_cuDeviceGet, "cuDeviceGet")
	ENC_SYM(enc_cuDeviceGetName, "cuDeviceGetName")
	ENC_SYM(enc_cuDeviceGetAttribute, "cuDeviceGetAttribute")
	ENC_SYM(enc_cuDeviceTotalMem, "cuDeviceTotalMem_v2")
	ENC_SYM(enc_cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
	ENC_SYM(enc_cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2")
	ENC_SYM(enc_cuCtxSetCurrent, "cuCtxSetCurrent")
	ENC_SYM(enc_cuCtxSynchronize, "cuCtxSynchronize")
	ENC_SYM(enc_cuModuleLoadDataEx, "cuModuleLoadDataEx")
	ENC_SYM(enc_cuModuleGetFunction, "cuModuleGetFunction")
	ENC_SYM(enc_cuMemAlloc, "cuMemAlloc_v2")
	ENC_SYM(enc_cuMemFree, "cuMemFree_v2")
	ENC_SYM(enc_cuMemcpyHtoD, "cuMemcpyHtoD_v2")
	ENC_SYM(enc_cuMemcpyDtoH, "cuMemcpyDtoH_v2")
	ENC_SYM(enc_cuMemsetD32, "cuMemsetD32_v2")
	ENC_SYM(enc_cuMemGetInfo, "cuMemGetInfo_v2")
	ENC_SYM(enc_cuLaunchKernel, "cuLaunchKernel")
	ENC_SYM(enc_cuGetErrorName, "cuGetErrorName")
	return NULL;
}

static int enc_loaded(void) { return enc_lib != 0; }
static CUresult enc_init(void) { return enc_cuInit(0); }
static CUresult enc_driver_version(int *v) { return enc_cuDriverGetVersion(v); }
static CUresult enc_device_count(int *n) { return enc_cuDeviceGetCount(n); }
static CUresult enc_device_get(CUdevice *d, int i) { return enc_cuDeviceGet(d, i); }
static CUresult enc_device_name(char *s, int n, CUdevice d) { return enc_cuDeviceGetName(s, n, d); }
static CUresult enc_device_attr(int *v, int a, CUdevice d) { return enc_cuDeviceGetAttribute(v, a, d); }
static CUresult enc_device_mem(size_t *b, CUdevice d) { return enc_cuDeviceTotalMem(b, d); }
static CUresult enc_ctx_retain(CUcontext *c, CUdevice d) { return enc_cuDevicePrimaryCtxRetain(c, d); }
static CUresult enc_ctx_release(CUdevice d) { return enc_cuDevicePrimaryCtxRelease(d); }
static CUresult enc_ctx_set(CUcontext c) { return enc_cuCtxSetCurrent(c); }
static CUresult enc_sync(void) { return enc_cuCtxSynchronize(); }
static CUresult enc_function(CUfunction *f, CUmodule m, const char *name) { return enc_cuModuleGetFunction(f, m, name); }
static CUresult enc_alloc(CUdeviceptr *p, size_t n) { return enc_cuMemAlloc(p, n); }
static CUresult enc_free(CUdeviceptr p) { return enc_cuMemFree(p); }
static CUresult enc_htod(CUdeviceptr d, const void *s, size_t n) { return enc_cuMemcpyHtoD(d, s, n); }
static CUresult enc_dtoh(void *d, CUdeviceptr s, size_t n) { return enc_cuMemcpyDtoH(d, s, n); }
static CUresult enc_memset32(CUdeviceptr d, unsigned v, size_t n) { return enc_cuMemsetD32(d, v, n); }
static CUresult enc_mem_info(size_t *free, size_t *total) { return enc_cuMemGetInfo(free, total); }

static const char *enc_error_name(CUresult r) {
	const char *s = 0;
	if (enc_cuGetErrorName == 0 || enc_cuGetErrorName(r, &s) != 0 || s == 0) return "unknown CUDA error";
	return s;
}

// enc_module_load JIT-compiles PTX (NUL-terminated), keeping the error log.
static CUresult enc_module_load(CUmodule *m, const char *ptx, char *log, size_t logsize) {
	int opts[2] = {5, 6}; // CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
	void *vals[2] = {log, (void *)logsize};
	return enc_cuModuleLoadDataEx(m, ptx, 2, opts, vals);
}

// enc_launch launches f on a 1-D grid; every kernel argument is 8 bytes,
// taken from args[0..n). The driver copies the values during the call.
static CUresult enc_launch(CUfunction f, unsigned grid, unsigned block, uint64_t *args, int n) {
	void *params[64];
	if (n > 64) return 1; // CUDA_ERROR_INVALID_VALUE
	for (int i = 0; i < n; i++) params[i] = &args[i];
	return enc_cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, 0, params, 0);
}
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

// cuError is a failed driver call.
type cuError struct {
	call string
	code C.CUresult
}

func (e *cuError) Error() string {
	return fmt.Sprintf("%s: %s (%d)", e.call, C.GoString(C.enc_error_name(e.code)), int(e.code))
}

func check(call string, r C.CUresult) error {
	if r != 0 {
		return &cuError{call, r}
	}
	return nil
}

// Device attributes (cuda.h CUdevice_attribute).
const (
	attrMultiprocessors = 16
	attrCCMajor         = 75
	attrCCMinor         = 76
)

// libcudaPaths are tried in order. ENCEPHAGEN_LIBCUDA, when set, is the
// only one (gpu/emu.sh points it at the CPU emulator).
func libcudaPaths() []string {
	if p := os.Getenv("ENCEPHAGEN_LIBCUDA"); p != "" {
		return []string{p}
	}
	return []string{"libcuda.so.1", "libcuda.so",
		"/usr/local/nvidia/lib64/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
		"/usr/lib64/libcuda.so.1"}
}

// openDriver loads libcuda and its entry points.
func openDriver() error {
	var errs []string
	for _, p := range libcudaPaths() {
		cp := C.CString(p)
		msg := C.enc_open(cp)
		C.free(unsafe.Pointer(cp))
		if msg == nil {
			return nil
		}
		errs = append(errs, C.GoString(msg))
		if C.enc_loaded() != 0 {
			// The library loaded but lacks an entry point: too old.
			return fmt.Errorf("CUDA driver %s lacks %s (driver too old)", p, C.GoString(msg))
		}
	}
	return fmt.Errorf("no CUDA driver library (libcuda.so.1) found: %s", errs[0])
}

type (
	cuDevice   = C.CUdevice
	cuContext  = C.CUcontext
	cuFunction = C.CUfunction
	cuModule   = C.CUmodule
	devptr     = C.CUdeviceptr
)

func cuInit() error { return check("cuInit", C.enc_init()) }

func cuDriverVersion() int {
	var v C.int
	if C.enc_driver_version(&v) != 0 {
		return 0
	}
	return int(v)
}

func cuDeviceCount() (int, error) {
	var n C.int
	err := check("cuDeviceGetCount", C.enc_device_count(&n))
	return int(n), err
}

func cuDeviceGet(i int) (cuDevice, error) {
	var d C.CUdevice
	err := check("cuDeviceGet", C.enc_device_get(&d, C.int(i)))
	return d, err
}

func cuDeviceName(d cuDevice) string {
	var buf [256]C.char
	if C.enc_device_name(&buf[0], C.int(len(buf)), d) != 0 {
		return "unknown GPU"
	}
	return C.GoString(&buf[0])
}

func cuDeviceAttr(d cuDevice, attr int) (int, error) {
	var v C.int
	err := check("cuDeviceGetAttribute", C.enc_device_attr(&v, C.int(attr), d))
	return int(v), err
}

func cuDeviceTotalMem(d cuDevice) (uint64, error) {
	var b C.size_t
	err := check("cuDeviceTotalMem", C.enc_device_mem(&b, d))
	return uint64(b), err
}

func cuPrimaryCtxRetain(d cuDevice) (cuContext, error) {
	var c C.CUcontext
	err := check("cuDevicePrimaryCtxRetain", C.enc_ctx_retain(&c, d))
	return c, err
}

func cuCtxSetCurrent(c cuContext) error { return check("cuCtxSetCurrent", C.enc_ctx_set(c)) }

func cuCtxSynchronize() error { return check("cuCtxSynchronize", C.enc_sync()) }

// cuModuleLoadPTX JIT-compiles PTX; a failure carries the JIT's log.
func cuModuleLoadPTX(ptx string) (cuModule, error) {
	src := C.CString(ptx)
	defer C.free(unsafe.Pointer(src))
	const logSize = 8192
	log := (*C.char)(C.calloc(logSize, 1))
	defer C.free(unsafe.Pointer(log))
	var m C.CUmodule
	if err := check("cuModuleLoadDataEx", C.enc_module_load(&m, src, log, logSize)); err != nil {
		if s := C.GoString(log); s != "" {
			return nil, fmt.Errorf("%w: %s", err, s)
		}
		return nil, err
	}
	return m, nil
}

func cuModuleGetFunction(m cuModule, name string) (cuFunction, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var f C.CUfunction
	err := check("cuModuleGetFunction "+name, C.enc_function(&f, m, cs))
	return f, err
}

func cuMemAlloc(bytes int) (devptr, error) {
	var p C.CUdeviceptr
	err := check(fmt.Sprintf("cuMemAlloc(%d bytes)", bytes), C.enc_alloc(&p, C.size_t(bytes)))
	return p, err
}

func cuMemFree(p devptr) error { return check("cuMemFree", C.enc_free(p)) }

// cuMemcpyHtoD copies bytes from host memory that holds no Go pointers.
func cuMemcpyHtoD(dst devptr, src unsafe.Pointer, bytes int) error {
	return check("cuMemcpyHtoD", C.enc_htod(dst, src, C.size_t(bytes)))
}

func cuMemcpyDtoH(dst unsafe.Pointer, src devptr, bytes int) error {
	return check("cuMemcpyDtoH", C.enc_dtoh(dst, src, C.size_t(bytes)))
}

func cuMemsetD32(dst devptr, v uint32, words int) error {
	return check("cuMemsetD32", C.enc_memset32(dst, C.unsigned(v), C.size_t(words)))
}

func cuMemGetInfo() (free, total uint64, err error) {
	var f, t C.size_t
	err = check("cuMemGetInfo", C.enc_mem_info(&f, &t))
	return uint64(f), uint64(t), err
}

// cuLaunch launches f on grid blocks of block threads; every argument is
// 8 bytes wide.
func cuLaunch(f cuFunction, grid, block int, args []uint64) error {
	return check("cuLaunchKernel", C.enc_launch(f, C.unsigned(grid), C.unsigned(block), (*C.uint64_t)(unsafe.Pointer(&args[0])), C.int(len(args))))
}
