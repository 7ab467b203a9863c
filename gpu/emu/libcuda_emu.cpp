// libcuda_emu: a stand-in for the CUDA driver library that runs the CUDA
// backend's kernels (gpu/kernels/step.cu, compiled as C++) on the CPU.
//
// It lets the cuda build be tested end to end on a machine without a GPU:
// the Go binding, the upload, the argument list of every launch, the
// kernels' own source (indexing, record layout, barriers, ballots) and the
// read-back, all but the real driver, the PTX compiler and the hardware.
// gpu/emu.sh builds it and runs the cuda-tagged tests with
// ENCEPHAGEN_LIBCUDA pointing at it.
//
// Each thread block runs as one fiber per CUDA thread on one OS thread,
// scheduled round-robin from barrier to barrier (so every barrier is a
// real one: a thread that skips one is reported). Every device buffer ends
// at an inaccessible page, so a read or write past its end crashes the
// test, and starts after one.

#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <vector>

// ---- the CUDA C++ subset step.cu uses ----

struct emu_dim3 {
    unsigned x, y, z;
};
static emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline double __longlong_as_double(long long x) {
    double d;
    memcpy(&d, &x, sizeof d);
    return d;
}
static inline int __ffs(int x) { return __builtin_ffs(x); }
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
static inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
static inline unsigned atomicAdd(unsigned *p, unsigned v) {
    unsigned old = *p;  // one OS thread: no concurrency
    *p = old + v;
    return old;
}
static void emu_barrier();
static inline void __syncthreads() { emu_barrier(); }
static unsigned emu_acc, emu_words[32];
static inline int __syncthreads_count(int pred) {
    emu_barrier();  // threads run in index order between barriers:
    if (threadIdx.x == 0) emu_acc = 0;  // thread 0 resets first
    emu_acc += pred ? 1 : 0;
    emu_barrier();
    unsigned r = emu_acc;
    emu_barrier();
    return (int)r;
}
static inline unsigned __ballot_sync(unsigned mask, int pred) {
    if (mask != 0xffffffffu) {
        fprintf(stderr, "libcuda_emu: __ballot_sync with a partial mask\n");
        abort();
    }
    emu_barrier();
    if (threadIdx.x == 0) memset(emu_words, 0, sizeof emu_words);
    if (pred) emu_words[threadIdx.x >> 5] |= 1u << (threadIdx.x & 31);
    emu_barrier();
    unsigned r = emu_words[threadIdx.x >> 5];
    emu_barrier();
    return r;
}

#include "../kernels/step.cu"

// Launch argument i as a T (the launch's parameters, set by cuLaunchKernel).
static void **launch_params;
template <typename T>
static T emu_arg(int i) {
    T v;
    memcpy(&v, launch_params[i], sizeof v);
    return v;
}

// Generated from the kernel interface table (gpu/internal/kabi): the
// kernels, their arguments in order, and compile-time checks that
// step.cu's records and kernels are the table's.
#include "abi.h"

// ---- fibers ----

namespace {

const size_t kStack = 256 << 10;

struct Fiber {
    ucontext_t uc;
    jmp_buf jb;
    char *stack = nullptr;
    bool started = false, done = false;
    unsigned tid = 0;
    unsigned long gen = 0;  // barriers passed
};

jmp_buf sched_jb;
Fiber *cur;
std::vector<Fiber *> fibers;
int launch_kernel;  // 1 … EMU_KERNELS, as emu_kernel_names (abi.h)

void run_thread() { emu_call_kernel(launch_kernel); }

void fiber_entry() {
    for (;;) {
        run_thread();
        cur->done = true;
        // The next block resumes here, at the top of the loop.
        if (!_setjmp(cur->jb)) _longjmp(sched_jb, 1);
    }
}

void resume(Fiber *f) {
    cur = f;
    threadIdx = {f->tid, 0, 0};
    if (!_setjmp(sched_jb)) {
        if (!f->started) {
            f->started = true;
            setcontext(&f->uc);
        }
        _longjmp(f->jb, 1);
    }
}

bool run_block(unsigned threads) {
    while (fibers.size() < threads) {
        Fiber *f = new Fiber;
        f->tid = fibers.size();
        f->stack = (char *)malloc(kStack);
        getcontext(&f->uc);
        f->uc.uc_stack.ss_sp = f->stack;
        f->uc.uc_stack.ss_size = kStack;
        f->uc.uc_link = nullptr;
        makecontext(&f->uc, fiber_entry, 0);
        fibers.push_back(f);
    }
    for (unsigned t = 0; t < threads; t++) fibers[t]->done = false, fibers[t]->gen = 0;
    for (;;) {
        for (unsigned t = 0; t < threads; t++)
            if (!fibers[t]->done) resume(fibers[t]);
        unsigned done = 0;
        for (unsigned t = 0; t < threads; t++) done += fibers[t]->done;
        if (done == threads) break;
        // Every live thread must wait at the same barrier.
        unsigned long gen = 0;
        for (unsigned t = 0; t < threads; t++)
            if (!fibers[t]->done) gen = fibers[t]->gen;
        for (unsigned t = 0; t < threads; t++)
            if (fibers[t]->done || fibers[t]->gen != gen) {
                fprintf(stderr,
                        "libcuda_emu: barrier divergence in block %u: thread %u %s, others at barrier %lu\n",
                        blockIdx.x, t, fibers[t]->done ? "finished" : "at another barrier", gen);
                return false;
            }
    }
    return true;
}

}  // namespace

static void emu_barrier() {
    cur->gen++;
    if (!_setjmp(cur->jb)) _longjmp(sched_jb, 1);
}

// ---- device memory: every buffer between two inaccessible pages ----

namespace {

struct Alloc {
    char *map;
    size_t maplen;
};
std::map<unsigned long long, Alloc> allocs;
size_t page;

}  // namespace

// ---- the driver API subset the binding opens ----

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;

#define API extern "C" __attribute__((visibility("default")))

enum {
    OK = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    INVALID_PTX = 218,
    NOT_FOUND = 500,
    LAUNCH_FAILED = 719,
};

static bool initialised;
static int module_token, ctx_token;

API CUresult cuInit(unsigned flags) {
    if (flags != 0) return INVALID_VALUE;
    initialised = true;
    page = sysconf(_SC_PAGESIZE);
    return OK;
}
API CUresult cuDriverGetVersion(int *v) {
    *v = 13000;
    return OK;
}
API CUresult cuDeviceGetCount(int *n) {
    *n = initialised ? 1 : 0;
    return OK;
}
API CUresult cuDeviceGet(CUdevice *d, int i) {
    if (i != 0) return INVALID_VALUE;
    *d = 0;
    return OK;
}
API CUresult cuDeviceGetName(char *s, int n, CUdevice) {
    snprintf(s, n, "CPU emulator (gpu/emu)");
    return OK;
}
API CUresult cuDeviceGetAttribute(int *v, int attr, CUdevice) {
    switch (attr) {
        case 16: *v = 1; return OK;   // multiprocessors
        case 75: *v = 9; return OK;   // compute capability major
        case 76: *v = 0; return OK;   // minor
    }
    return INVALID_VALUE;
}
API CUresult cuDeviceTotalMem_v2(size_t *b, CUdevice) {
    *b = size_t(16) << 30;
    return OK;
}
API CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice) {
    *c = &ctx_token;
    return OK;
}
API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) { return OK; }
API CUresult cuCtxSetCurrent(CUcontext c) { return c == &ctx_token ? OK : INVALID_VALUE; }
API CUresult cuCtxSynchronize(void) { return OK; }

// The PTX is not run, but it must be the committed kernels' PTX.
API CUresult cuModuleLoadDataEx(CUmodule *m, const void *image, unsigned n, int *opts, void **vals) {
    const char *ptx = (const char *)image;
    bool ok = strstr(ptx, "Generated by NVIDIA NVVM") && strstr(ptx, ".target sm_90");
    for (int k = 1; ok && k <= EMU_KERNELS; k++) {
        char entry[64];
        snprintf(entry, sizeof entry, ".entry %s(", emu_kernel_names[k]);
        ok = strstr(ptx, entry) != nullptr;
    }
    if (!ok) {
        for (unsigned i = 0; i + 1 < n; i++)
            if (opts[i] == 5 && opts[i + 1] == 6)
                snprintf((char *)vals[i], (size_t)vals[i + 1], "libcuda_emu: not the step kernels' compute_90 PTX");
        return INVALID_PTX;
    }
    *m = &module_token;
    return OK;
}
API CUresult cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) {
    if (m != &module_token) return INVALID_VALUE;
    for (int k = 1; k <= EMU_KERNELS; k++)
        if (!strcmp(name, emu_kernel_names[k])) {
            *f = (void *)(uintptr_t)k;
            return OK;
        }
    return NOT_FOUND;
}

API CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
    if (n == 0) return INVALID_VALUE;
    size_t body = (n + 7) / 8 * 8;
    size_t span = (body + page - 1) / page * page;
    size_t maplen = span + 2 * page;
    char *map = (char *)mmap(nullptr, maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return OUT_OF_MEMORY;
    if (mprotect(map + page, span, PROT_READ | PROT_WRITE) != 0) return OUT_OF_MEMORY;
    char *buf = map + page + span - body;  // ends at the guard page
    memset(buf, 0xa5, body);               // device memory starts undefined
    *p = (CUdeviceptr)buf;
    allocs[*p] = {map, maplen};
    return OK;
}
API CUresult cuMemFree_v2(CUdeviceptr p) {
    auto it = allocs.find(p);
    if (it == allocs.end()) return INVALID_VALUE;
    munmap(it->second.map, it->second.maplen);
    allocs.erase(it);
    return OK;
}
API CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
    memcpy((void *)d, s, n);
    return OK;
}
API CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) {
    memcpy(d, (const void *)s, n);
    return OK;
}
API CUresult cuMemsetD32_v2(CUdeviceptr d, unsigned v, size_t n) {
    unsigned *p = (unsigned *)d;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return OK;
}
API CUresult cuMemGetInfo_v2(size_t *f, size_t *t) {
    *f = *t = size_t(16) << 30;
    return OK;
}
API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                            unsigned by, unsigned bz, unsigned shmem, CUstream stream,
                            void **params, void **extra) {
    if ((uintptr_t)f < 1 || (uintptr_t)f > EMU_KERNELS || gy != 1 || gz != 1 || by != 1 || bz != 1 ||
        shmem != 0 || stream != nullptr || extra != nullptr || params == nullptr ||
        bx == 0 || bx > MAX_BLOCK || bx % 32 != 0)
        return INVALID_VALUE;
    launch_kernel = (int)(uintptr_t)f;
    launch_params = params;
    blockDim = {bx, 1, 1};
    gridDim = {gx, 1, 1};
    for (unsigned b = 0; b < gx; b++) {
        blockIdx = {b, 0, 0};
        if (!run_block(bx)) return LAUNCH_FAILED;
    }
    return OK;
}
API CUresult cuGetErrorName(CUresult r, const char **s) {
    switch (r) {
        case OK: *s = "CUDA_SUCCESS"; break;
        case INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; break;
        case OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; break;
        case INVALID_PTX: *s = "CUDA_ERROR_INVALID_PTX"; break;
        case NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; break;
        case LAUNCH_FAILED: *s = "CUDA_ERROR_LAUNCH_FAILED"; break;
        default: return INVALID_VALUE;
    }
    return OK;
}
