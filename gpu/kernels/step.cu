// encephagen: the step kernels of the CUDA backend (MODEL.md §3, §5, §6).
//
// Compiled to PTX by gpu/ptx.sh (compute_80 and compute_90); the PTX is
// committed and embedded, so building needs no nvcc. The layout of every
// record is that of gpu/plan.go; gpu/reference.go is this file's algorithm
// in Go, and gpu's tests prove that algorithm reproduces the CPU engine.
//
// Exactness. Every float operation of the model is written with a
// round-to-nearest intrinsic (__fadd_rn, __fmul_rn, __fsub_rn), which the
// compiler never contracts into a fused multiply-add, and ptx.sh also
// passes -fmad=false -ftz=false -prec-div=true -prec-sqrt=true: the
// arithmetic is the CPU engine's float32 arithmetic, operation for
// operation. Synaptic input is a gather per postsynaptic neuron in the
// order MODEL.md fixes (emission step ascending, presynaptic neuron
// ascending), never an atomic float sum. The only atomics add integers.
//
// One launch per step: `deliver` carries out points 8–9 of step t for its
// block's neurons and then points 1–7 of step t+1 for the same neurons (a
// neuron's next step needs only its own currents). Other blocks read spike
// history of steps t−d, d ≤ max delay, while this one writes step t+1's
// slot; the history has max delay + 2 slots, so they never meet. `neuron`
// carries out points 1–7 alone, for the first step of a chunk of steps.

typedef unsigned int u32;
typedef unsigned long long u64;

#define MAX_BLOCK 1024
#define SENTINEL 0xffffffffu
#define FLAG_ALIF 1u
#define RUN_EXT 1u
#define RUN_RASTER 2u
#define RUN_BINS 4u
#define RUN_LEARN 8u

// brainRecord in plan.go: 24 words.
struct Brain {
    u32 neuron_off, region_off, word_off, npr, words, draws;
    u32 poisson_off, poisson_last, flags, pad0;
    float jeff, dt_over_tau, vth, vreset, tref, dt;
    float decay_syn, decay_nmda, nmda_ratio, beta, rho;
    u32 pad1[3];
};

// task in plan.go: 8 words.
struct Task {
    u32 brain, region, local_region, first, path_start, path_end, pad[2];
};

// path in plan.go: 8 words.
struct Path {
    u32 src, delay, src_word, entry_base, rows, pad[3];
};

// The kernels' arguments, every one 8 bytes wide (the launcher passes
// an array of 64-bit values). Both kernels take the same list.
#define KERNEL_ARGS                                                          \
    const Task *tasks, const Brain *brains, const Path *paths,              \
        const u32 *epre, const float *ew, u32 *hist, u64 *stamps,           \
        const u64 *seeds, const u32 *poisson, const unsigned char *nmda,    \
        float *V, float *ISyn, float *INMDA, float *Refrac, float *A,       \
        u32 *counts, const float *ext, const u32 *runflags, u32 *regcount,  \
        u32 *raster, u64 t, u64 slot, u64 nstep, u64 nslot, u64 rel,        \
        u64 next, u64 H, u64 TW, u64 TR, float *prev, float *ptheta
#define KERNEL_ARG_NAMES                                                      \
    tasks, brains, paths, epre, ew, hist, stamps, seeds, poisson, nmda, V,  \
        ISyn, INMDA, Refrac, A, counts, ext, runflags, regcount, raster, t, \
        slot, nstep, nslot, rel, next, H, TW, TR, prev, ptheta

// wyrand's n-th output (n from 0) of the stream whose state is seed: the
// state after n+1 draws is seed + (n+1)·0xa0761d6478bd642f (engine/rng).
__device__ __forceinline__ u64 wyrand_at(u64 seed, u64 n) {
    u64 s = seed + (n + 1ull) * 0xa0761d6478bd642full;
    u64 b = s ^ 0xe7037ed1a0b428dbull;
    return __umul64hi(s, b) ^ (s * b);
}

// Points 1–7 of MODEL.md §3 for neuron i (index k in its region, global
// region g) at step `step`, given its currents after point 9 of the step
// before. Returns whether it spiked. Mirrors sim.Brain.advance.
__device__ __forceinline__ bool neuron_update(
    const Brain &B, u32 rflags, u32 i, u32 k, u32 g, u64 step, float isyn,
    float inmda, const u64 *seeds, const u32 *poisson, float *V, float *ISyn,
    float *Refrac, float *A, u32 *counts, const float *ext, float *prev,
    float *ptheta) {
    // 1. background: two neurons per 64-bit draw, high half first.
    u64 bits = wyrand_at(seeds[g], step * (u64)B.draws + (u64)(k >> 1));
    u32 u = (k & 1u) ? (u32)bits : (u32)(bits >> 32);
    const u32 *table = poisson + B.poisson_off;
    u32 n = 0;
    while (n < B.poisson_last && u >= table[n]) n++;
    isyn = __fadd_rn(isyn, __fmul_rn((float)n, B.jeff));
    if (rflags & RUN_EXT) isyn = __fadd_rn(isyn, ext[i]);  // 2. external input
    ISyn[i] = isyn;
    float v = V[i], ref = Refrac[i];
    bool active = ref <= 0.0f;  // 3. integrate where not refractory
    if (active)
        v = __fadd_rn(v, __fmul_rn(B.dt_over_tau,
                                   __fadd_rn(__fsub_rn(isyn, v), inmda)));
    bool alif = (B.flags & FLAG_ALIF) != 0;
    float theta = B.vth;  // 4. threshold
    if (alif) theta = __fadd_rn(B.vth, __fmul_rn(B.beta, A[i]));
    if (rflags & RUN_LEARN) {  // 5. learning sees the pre-reset v
        prev[i] = v;
        ptheta[i] = theta;
    }
    bool z = active && v >= theta;
    if (z) {  // 6. reset, 7. refractory
        v = alif ? __fsub_rn(v, theta) : B.vreset;
        ref = B.tref;
    }
    if (alif) {
        float a = __fmul_rn(B.rho, A[i]);
        if (z) a = __fadd_rn(a, 1.0f);
        A[i] = a;
    }
    V[i] = v;
    Refrac[i] = fmaxf(__fsub_rn(ref, B.dt), 0.0f);
    if (z) counts[i] += 1u;
    return z;
}

// Publishes the block's spikes of step nstep: whole 32-bit words of the
// history (no clearing needed), the region's stamp (nstep+1 when any of
// its neurons spiked), and the optional raster and region counts. Every
// thread of the block must call it.
__device__ __forceinline__ void publish(bool z, const Task &T, const Brain &B,
                                        u32 rflags, u32 *hist, u64 *stamps,
                                        u32 *regcount, u32 *raster, u64 nstep,
                                        u64 nslot, u64 rel, u64 TW, u64 TR) {
    u32 lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    u32 word = __ballot_sync(0xffffffffu, z);
    u32 wk = T.first + warp * 32u;  // first neuron of this warp's word
    if (lane == 0 && wk < B.npr) {
        u64 gw = (u64)B.word_off + (u64)T.local_region * B.words + (wk >> 5);
        hist[nslot * TW + gw] = word;
        if (raster != 0 && (rflags & RUN_RASTER)) raster[rel * TW + gw] = word;
    }
    int cnt = __syncthreads_count(z);
    if (threadIdx.x == 0 && cnt > 0) {
        stamps[nslot * TR + T.region] = nstep + 1ull;
        if (regcount != 0 && (rflags & RUN_BINS))
            atomicAdd(&regcount[rel * TR + T.region], (u32)cnt);
    }
}

// Points 1–7 of step nstep (row rel of the chunk's buffers).
extern "C" __global__ void neuron(KERNEL_ARGS) {
    const Task T = tasks[blockIdx.x];
    const Brain B = brains[T.brain];
    const u32 rflags = runflags[T.brain];
    const u32 k = T.first + threadIdx.x;
    bool z = false;
    if (k < B.npr) {
        u32 i = B.neuron_off + T.local_region * B.npr + k;
        z = neuron_update(B, rflags, i, k, T.region, nstep, ISyn[i], INMDA[i],
                          seeds, poisson, V, ISyn, Refrac, A, counts, ext, prev, ptheta);
    }
    publish(z, T, B, rflags, hist, stamps, regcount, raster, nstep, nslot, rel,
            TW, TR);
}

// Points 8–9 of step t, then (when next ≠ 0) points 1–7 of step nstep =
// t+1 for the same neurons. A thread reads U rows of a pathway at a time
// (independent loads that overlap); the additions stay in row order.
template <u32 U>
__device__ __forceinline__ void deliver_body(KERNEL_ARGS) {
    __shared__ u64 s_hist[MAX_BLOCK];   // history word offset of a pathway
    __shared__ u32 s_entry[MAX_BLOCK];  // its first entry
    __shared__ u32 s_rows[MAX_BLOCK];   // its rows, 0 when nothing to read
    const Task T = tasks[blockIdx.x];
    const Brain B = brains[T.brain];
    const u32 rflags = runflags[T.brain];
    const u32 k = T.first + threadIdx.x;
    const bool valid = k < B.npr;
    const u32 i = B.neuron_off + T.local_region * B.npr + k;
    float I = 0.0f;
    // 8. Pathways in summation order, blockDim at a time: each thread
    // checks one pathway's stamp (did its source region spike at the
    // emission step?), then every thread walks the live ones in order.
    for (u32 base = T.path_start; base < T.path_end; base += blockDim.x) {
        u32 p = base + threadIdx.x;
        u32 rows = 0;
        if (p < T.path_end) {
            const Path P = paths[p];
            if (t >= P.delay) {
                u64 s = slot >= P.delay ? slot - P.delay : slot + H - P.delay;
                if (stamps[s * TR + P.src] == t - P.delay + 1ull) {
                    rows = P.rows;
                    s_hist[threadIdx.x] = s * TW + P.src_word;
                    s_entry[threadIdx.x] = P.entry_base;
                }
            }
        }
        s_rows[threadIdx.x] = rows;
        __syncthreads();
        u32 m = min((u32)blockDim.x, T.path_end - base);
        if (valid) {
            for (u32 j = 0; j < m; j++) {
                u32 r = s_rows[j];
                if (r == 0) continue;
                const u32 *h = hist + s_hist[j];
                const u64 stride = B.npr;
                u64 e = (u64)s_entry[j] + k;
                for (u32 row = 0; row < r; row += U, e += U * stride) {
                    u32 pre[U], word[U];
#pragma unroll
                    for (u32 u = 0; u < U; u++)
                        pre[u] = row + u < r ? epre[e + u * stride] : SENTINEL;
#pragma unroll
                    for (u32 u = 0; u < U; u++)
                        word[u] = pre[u] != SENTINEL ? h[pre[u] >> 5] : 0u;
                    bool end = false;
#pragma unroll
                    for (u32 u = 0; u < U; u++) {
                        if (pre[u] == SENTINEL) {
                            end = true;
                            break;
                        }
                        if ((word[u] >> (pre[u] & 31u)) & 1u)
                            I = __fadd_rn(I, ew[e + u * stride]);
                    }
                    if (end) break;
                }
            }
        }
        __syncthreads();
    }
    bool z = false;
    if (valid) {
        // 9. currents decay and take the input.
        float isyn = __fadd_rn(__fmul_rn(ISyn[i], B.decay_syn), I);
        float inmda = INMDA[i];
        if (nmda[i]) {
            inmda = __fadd_rn(__fmul_rn(inmda, B.decay_nmda),
                              __fmul_rn(B.nmda_ratio, I));
            INMDA[i] = inmda;
        }
        if (next)
            z = neuron_update(B, rflags, i, k, T.region, nstep, isyn, inmda,
                              seeds, poisson, V, ISyn, Refrac, A, counts, ext, prev, ptheta);
        else
            ISyn[i] = isyn;
    }
    if (next)
        publish(z, T, B, rflags, hist, stamps, regcount, raster, nstep, nslot,
                rel, TW, TR);
}

// deliver reads four rows at a time, deliver_u1 one (same results; which
// is faster depends on the GPU: BenchmarkGPUBatchTVB96 times both).
extern "C" __global__ void deliver(KERNEL_ARGS) {
    deliver_body<4>(KERNEL_ARG_NAMES);
}
extern "C" __global__ void deliver_u1(KERNEL_ARGS) {
    deliver_body<1>(KERNEL_ARG_NAMES);
}

// ---- e-prop (MODEL.md §4, LIF): gpu/learn.go ----
//
// The learner's per-step work on the batch, with eprop's lif algorithm and
// its float64 operations element by element (double-precision intrinsics,
// never contracted), so that the state handed back equals the CPU
// learner's. k, the step's place in its epoch, is ((t − base) mod K) + 1.

// LearnRec in learn.go: 8 words of 64 bits.
struct LearnRec {
    u64 start_off, syn_off, K, tab_off, base, on, vth_bits, inv_vth_bits;
};

#define LEARN_ARGS                                                         \
    const Task *tasks, const Brain *brains, const LearnRec *lrec,          \
        const double *ltab, const u32 *lstart, const u32 *lpost,          \
        const u32 *hist, const float *prev, double *la, double *lS,       \
        float *lc, u64 t, u64 slot, u64 TW

// The place (1 … len) of step t in its epoch or block, counted from base
// (learn.go's epochStep).
__device__ __forceinline__ u64 cycle_step(u64 t, u64 base, u64 len) {
    return (u64)(((long long)t - (long long)base) % (long long)len) + 1ull;
}
// Calls f(g, jl) for every outgoing synapse of neuron il (g its global
// index, jl its target inside the brain), the warp's lanes striding over
// them; the CSR starts of the brain's network begin at start_off.
template <typename F>
__device__ __forceinline__ void out_synapses(const u32 *lstart, const u32 *lpost,
                                             u64 start_off, u64 syn_off, u32 il,
                                             u32 lane, F f) {
    u32 s0 = lstart[start_off + il], s1 = lstart[start_off + il + 1];
    for (u32 s = s0 + lane; s < s1; s += 32u) {
        u64 g = syn_off + s;
        f(g, lpost[g]);
    }
}

// Calls f(il0 + bit) for every set bit of word, lowest first.
template <typename F>
__device__ __forceinline__ void each_bit(u32 word, u32 il0, F f) {
    while (word != 0u) {
        u32 bit = (u32)(__ffs((int)word) - 1);
        word &= word - 1u;
        f(il0 + bit);
    }
}

__device__ __forceinline__ u64 epoch_step(const LearnRec &R, u64 t) {
    return cycle_step(t, R.base, R.K);
}

// Each spike of step t lowers its outgoing synapses' offsets by dA[k]·S
// of their targets and raises its a by dA[k]; a warp takes its word's
// spikes one after another, its lanes striding over the synapses.
extern "C" __global__ void learn_spikes(LEARN_ARGS) {
    const Task T = tasks[blockIdx.x];
    const LearnRec R = lrec[T.brain];
    if (!R.on) return;
    const Brain B = brains[T.brain];
    u32 lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    u32 wk = T.first + warp * 32u;
    if (wk >= B.npr) return;
    double da = ltab[R.tab_off + epoch_step(R, t)];
    u32 word = hist[slot * TW + (u64)B.word_off + (u64)T.local_region * B.words + (wk >> 5)];
    each_bit(word, T.local_region * B.npr + wk, [&](u32 il) {
        out_synapses(lstart, lpost, R.start_off, R.syn_off, il, lane, [&](u64 g, u32 jl) {
            lc[g] = (float)__dsub_rn((double)lc[g], __dmul_rn(da, lS[B.neuron_off + jl]));
        });
        if (lane == 0) la[B.neuron_off + il] = __dadd_rn(la[B.neuron_off + il], da);
    });
}

// S += max(0, w − |v − v_th|·w/v_th), w = γ·(α/κ)^k.
extern "C" __global__ void learn_psi(LEARN_ARGS) {
    const Task T = tasks[blockIdx.x];
    const LearnRec R = lrec[T.brain];
    if (!R.on) return;
    const Brain B = brains[T.brain];
    u32 k = T.first + threadIdx.x;
    if (k >= B.npr) return;
    u64 i = B.neuron_off + T.local_region * B.npr + k;
    double w = ltab[R.tab_off + (R.K + 1ull) + epoch_step(R, t)];
    double vth = __longlong_as_double((long long)R.vth_bits);
    double wi = __dmul_rn(w, __longlong_as_double((long long)R.inv_vth_bits));
    double y = __dsub_rn(w, __dmul_rn(fabs(__dsub_rn((double)prev[i], vth)), wi));
    lS[i] = __dadd_rn(lS[i], y > 0.0 ? y : 0.0);
}

// At the K-th step of an epoch: c = κ^K·(c + a_pre·S_post), κ^K·c where
// a_pre = 0; a warp takes its word's neurons one after another.
extern "C" __global__ void learn_flush(LEARN_ARGS) {
    const Task T = tasks[blockIdx.x];
    const LearnRec R = lrec[T.brain];
    if (!R.on || epoch_step(R, t) != R.K) return;
    const Brain B = brains[T.brain];
    u32 lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    u32 wk = T.first + warp * 32u;
    if (wk >= B.npr) return;
    double kap = ltab[R.tab_off + 2ull * (R.K + 1ull) + R.K];
    u32 n = min(32u, B.npr - wk);
    for (u32 b = 0; b < n; b++) {
        u32 il = T.local_region * B.npr + wk + b;
        double ai = la[B.neuron_off + il];
        out_synapses(lstart, lpost, R.start_off, R.syn_off, il, lane, [&](u64 g, u32 jl) {
            double c = (double)lc[g];
            if (ai == 0.0)
                lc[g] = (float)__dmul_rn(kap, c);
            else
                lc[g] = (float)__dmul_rn(kap, __dadd_rn(c, __dmul_rn(ai, lS[B.neuron_off + jl])));
        });
    }
}

// After learn_flush: a ·= α^K, S = 0.
extern "C" __global__ void learn_end(LEARN_ARGS) {
    const Task T = tasks[blockIdx.x];
    const LearnRec R = lrec[T.brain];
    if (!R.on || epoch_step(R, t) != R.K) return;
    const Brain B = brains[T.brain];
    u32 k = T.first + threadIdx.x;
    if (k >= B.npr) return;
    u64 i = B.neuron_off + T.local_region * B.npr + k;
    la[i] = __dmul_rn(la[i], ltab[R.tab_off + 3ull * (R.K + 1ull) + R.K]);
    lS[i] = 0.0;
}

// ---- e-prop (MODEL.md §4, ALIF): gpu/learn.go, eprop's alif ----
//
// Per step alif_observe; at the end of a block (step B of it) alif_pass,
// alif_identity, alif_sweep_spikes(m) and alif_sweep_neurons(m) for
// m = B … 1, and alif_zeta. Φ (then the sweep's Λ) lives in fEZ, fEE,
// fPZ, fPE.

// AlifRec in learn.go: 20 words of 64 bits.
struct AlifRec {
    u64 start_off, syn_off, B, tab_off, base, on, hist_off, spk_off, wb;
    double alpha, kappa, rho, beta, gamma, inv_vth, c1, cb, oma;
    u64 N, pad;
};

#define ALIF_ARGS                                                           \
    const Task *tasks, const Brain *brains, const AlifRec *arec,            \
        const double *ltab, const u32 *lstart, const u32 *lpost,           \
        const u32 *hist, const float *prev, const float *ptheta,           \
        float *aeps, float *ae, double *azeta, double *fEZ, double *fEE,   \
        double *fPZ, double *fPE, float *ahist, u32 *aspk, u64 t, u64 slot, \
        u64 TW, u64 m

__device__ __forceinline__ u64 block_step(const AlifRec &R, u64 t) {
    return cycle_step(t, R.base, R.B);
}

// ψ of step t into the block's history, the step's map into Φ, and the
// step's spike words kept.
extern "C" __global__ void alif_observe(ALIF_ARGS) {
    const Task T = tasks[blockIdx.x];
    const AlifRec R = arec[T.brain];
    if (!R.on) return;
    const Brain B = brains[T.brain];
    u64 n1 = block_step(R, t), row = n1 - 1ull;
    u32 k = T.first + threadIdx.x;
    if (k < B.npr) {
        u32 il = T.local_region * B.npr + k;
        u64 i = B.neuron_off + il;
        double d = __dsub_rn((double)prev[i], (double)ptheta[i]);
        if (d < 0.0) d = -d;
        double x = __dmul_rn(R.gamma, __dsub_rn(1.0, __dmul_rn(d, R.inv_vth)));
        if (x < 0.0) x = 0.0;
        float psi32 = (float)x;
        ahist[R.hist_off + row * R.N + il] = psi32;
        double psi = (double)psi32;
        double an1 = ltab[R.tab_off + n1];
        double q = __dsub_rn(R.rho, __dmul_rn(R.beta, psi));
        double pa = __dmul_rn(psi, an1), cq = __dmul_rn(R.cb, q);
        double ez = fEZ[i], ee = fEE[i];
        fEZ[i] = __dadd_rn(__dmul_rn(q, ez), pa);
        fEE[i] = __dmul_rn(q, ee);
        fPZ[i] = __dsub_rn(__dadd_rn(__dmul_rn(R.kappa, fPZ[i]), __dmul_rn(R.c1, pa)),
                           __dmul_rn(cq, ez));
        fPE[i] = __dsub_rn(__dmul_rn(R.kappa, fPE[i]), __dmul_rn(cq, ee));
    }
    u32 wk = T.first + (threadIdx.x & ~31u);
    if ((threadIdx.x & 31u) == 0 && wk < B.npr) {
        u64 lw = (u64)T.local_region * B.words + (wk >> 5);
        aspk[R.spk_off + row * R.wb + lw] = hist[slot * TW + B.word_off + lw];
    }
}

// Every synapse's block-start state through Φ of its target; a warp takes
// its word's neurons one after another.
extern "C" __global__ void alif_pass(ALIF_ARGS) {
    const Task T = tasks[blockIdx.x];
    const AlifRec R = arec[T.brain];
    if (!R.on || block_step(R, t) != R.B) return;
    const Brain B = brains[T.brain];
    u32 lane = threadIdx.x & 31u, wk = T.first + (threadIdx.x & ~31u);
    if (wk >= B.npr) return;
    double kn = ltab[R.tab_off + (R.B + 1ull) + R.B];
    u32 cnt = min(32u, B.npr - wk);
    for (u32 b = 0; b < cnt; b++) {
        u32 il = T.local_region * B.npr + wk + b;
        double z0 = azeta[B.neuron_off + il];
        out_synapses(lstart, lpost, R.start_off, R.syn_off, il, lane, [&](u64 g, u32 jl) {
            u64 j = B.neuron_off + jl;
            double e0 = (double)aeps[g], p0 = (double)ae[g];
            aeps[g] = (float)__dadd_rn(__dmul_rn(fEZ[j], z0), __dmul_rn(fEE[j], e0));
            ae[g] = (float)__dadd_rn(__dadd_rn(__dmul_rn(fPZ[j], z0), __dmul_rn(fPE[j], e0)),
                                     __dmul_rn(kn, p0));
        });
    }
}

// Λ starts at the identity.
extern "C" __global__ void alif_identity(ALIF_ARGS) {
    const Task T = tasks[blockIdx.x];
    const AlifRec R = arec[T.brain];
    if (!R.on || block_step(R, t) != R.B) return;
    const Brain B = brains[T.brain];
    u32 k = T.first + threadIdx.x;
    if (k >= B.npr) return;
    u64 i = B.neuron_off + T.local_region * B.npr + k;
    fEZ[i] = 0.0;
    fEE[i] = 1.0;
    fPZ[i] = 0.0;
    fPE[i] = 0.0;
}

// The backward sweep, step m: each spike of the block's step m adds its
// jump through Λ to its outgoing synapses.
extern "C" __global__ void alif_sweep_spikes(ALIF_ARGS) {
    const Task T = tasks[blockIdx.x];
    const AlifRec R = arec[T.brain];
    if (!R.on || block_step(R, t) != R.B) return;
    const Brain B = brains[T.brain];
    u32 lane = threadIdx.x & 31u, wk = T.first + (threadIdx.x & ~31u);
    if (wk >= B.npr) return;
    double Kc1 = __dmul_rn(ltab[R.tab_off + (R.B + 1ull) + (R.B - m)], R.c1);
    u64 row = R.hist_off + (m - 1ull) * R.N;
    u32 word = aspk[R.spk_off + (m - 1ull) * R.wb + (u64)T.local_region * B.words + (wk >> 5)];
    each_bit(word, T.local_region * B.npr + wk, [&](u32 il) {
        out_synapses(lstart, lpost, R.start_off, R.syn_off, il, lane, [&](u64 g, u32 jl) {
            u64 j = B.neuron_off + jl;
            double psi = (double)ahist[row + jl];
            aeps[g] = (float)__dadd_rn((double)aeps[g],
                                       __dmul_rn(R.oma, __dadd_rn(fEZ[j], __dmul_rn(fEE[j], psi))));
            ae[g] = (float)__dadd_rn(
                (double)ae[g],
                __dmul_rn(R.oma, __dadd_rn(fPZ[j], __dmul_rn(__dadd_rn(fPE[j], Kc1), psi))));
        });
    });
}

// The backward sweep, step m > 1: Λ takes the block's step m's map.
extern "C" __global__ void alif_sweep_neurons(ALIF_ARGS) {
    const Task T = tasks[blockIdx.x];
    const AlifRec R = arec[T.brain];
    if (!R.on || block_step(R, t) != R.B) return;
    const Brain B = brains[T.brain];
    u32 k = T.first + threadIdx.x;
    if (k >= B.npr) return;
    u32 il = T.local_region * B.npr + k;
    u64 j = B.neuron_off + il;
    double K = ltab[R.tab_off + (R.B + 1ull) + (R.B - m)];
    double Kc1 = __dmul_rn(K, R.c1), Kcb = __dmul_rn(K, R.cb);
    double psi = (double)ahist[R.hist_off + (m - 1ull) * R.N + il];
    double q = __dsub_rn(R.rho, __dmul_rn(R.beta, psi));
    double lee = fEE[j], lpe = fPE[j];
    fEZ[j] = __dmul_rn(R.alpha, __dadd_rn(fEZ[j], __dmul_rn(lee, psi)));
    fEE[j] = __dmul_rn(lee, q);
    fPZ[j] = __dmul_rn(R.alpha, __dadd_rn(fPZ[j], __dmul_rn(__dadd_rn(lpe, Kc1), psi)));
    fPE[j] = __dmul_rn(q, __dsub_rn(lpe, Kcb));
}

// z̄ to the block's end (the block's spikes in step order); Φ back to the
// identity.
extern "C" __global__ void alif_zeta(ALIF_ARGS) {
    const Task T = tasks[blockIdx.x];
    const AlifRec R = arec[T.brain];
    if (!R.on || block_step(R, t) != R.B) return;
    const Brain B = brains[T.brain];
    u32 k = T.first + threadIdx.x;
    if (k >= B.npr) return;
    u32 il = T.local_region * B.npr + k;
    u64 i = B.neuron_off + il;
    double z = __dmul_rn(azeta[i], ltab[R.tab_off + R.B]);
    u64 lw = (u64)T.local_region * B.words + (k >> 5);
    for (u64 mm = 1; mm <= R.B; mm++) {
        u32 w = aspk[R.spk_off + (mm - 1ull) * R.wb + lw];
        if ((w >> (k & 31u)) & 1u) z = __dadd_rn(z, __dmul_rn(R.oma, ltab[R.tab_off + (R.B - mm)]));
    }
    azeta[i] = z;
    fEZ[i] = 0.0;
    fEE[i] = 1.0;
    fPZ[i] = 0.0;
    fPE[i] = 0.0;
}
