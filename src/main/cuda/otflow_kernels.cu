// Fused element-wise and reduction kernels of the cnf4j GPU engine (org.cnf4j.backend.cuda).
//
// Every kernel exists twice, with the suffix _f32 (T = float) and _f64 (T = double). Floating-point
// scalar arguments are always double, integer arguments int. The Java twin of each kernel, which
// defines its semantics and runs the same engine on the CPU in the unit tests, is
// src/main/java/org/cnf4j/backend/cuda/JavaKernels.java: keep the two in step.
//
// Layouts (column-major, one sample per column, samples contiguous):
//   activations m x cs        element (j, s)     at j + m*s
//   s = [x; t], grad          element (k, s)     at k + (d+1)*s
//   Jacobians  m x (cs*d)     element (j, s, k)  at j + m*(s*d + k)
//   K_l (device copy of the row-major m x fanIn weight) = K_l^T column-major, element (c, j) at c + fanIn*j
//   RK states z, k_j, kbar_j  element (s, q)     at s*(d+3) + q
// Reductions accumulate in double.

#include <cuda_runtime.h>

typedef long long i64;

__device__ __forceinline__ float tanh_t(float x) { return tanhf(x); }
__device__ __forceinline__ double tanh_t(double x) { return tanh(x); }
__device__ __forceinline__ float act_t(float x) { float a = fabsf(x); return a + log1pf(expf(-2.0f * a)); }
__device__ __forceinline__ double act_t(double x) { double a = fabs(x); return a + log1p(exp(-2.0 * a)); }

// Sum over the block (blockDim.x a multiple of 32, at most 1024); the result is valid in thread 0.
__device__ double block_sum(double v) {
    __shared__ double partial[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = (blockDim.x + 31) >> 5;
    v = threadIdx.x < warps ? partial[threadIdx.x] : 0.0;
    if (warp == 0) {
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    }
    return v;
}

#define GRID_STRIDE(i, count) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (count); i += (i64)blockDim.x * gridDim.x)

// ---- forward of the ResNet ----------------------------------------------------------------------
// a = pre + b_j; tau = tanh(a); mode 0: u = act(a); mode 1: u = uprev + h act(a); mode 2: u untouched.
template <typename T>
__device__ void act_layer(const T* pre, const T* b, const T* uprev, T* tau, T* u, int m, int cs, double h, int mode) {
    GRID_STRIDE(i, (i64)m * cs) {
        int j = (int)(i % m);
        T a = pre[i] + b[j];
        tau[i] = tanh_t(a);
        if (mode == 0) u[i] = act_t(a);
        else if (mode == 1) u[i] = (T)(uprev[i] + (T)h * act_t(a));
    }
}

// zn = top ? w_j : znext; p = tau * zn; with copyZ also z = zn.
template <typename T>
__device__ void grad_prep(const T* tau, const T* znext, const T* w, T* z, T* p, int m, int cs, int top, int copyZ) {
    GRID_STRIDE(i, (i64)m * cs) {
        int j = (int)(i % m);
        T zn = top ? w[j] : znext[i];
        p[i] = tau[i] * zn;
        if (copyZ) z[i] = zn;
    }
}

// X[r + rows*c] += v[r]
template <typename T>
__device__ void add_rows(T* x, const T* v, int rows, int cols) {
    GRID_STRIDE(i, (i64)rows * cols) {
        x[i] += v[(int)(i % rows)];
    }
}

// One block per sample: trH = traceMx[0] + sum_j (1 - tau0^2) zn_j g0_j and, with writeJ,
// J0(j, s, k) = tau0(j, s) K0[k + (d+1) j].
template <typename T>
__device__ void trace_init(const T* tau0, const T* znext, const T* w, const T* k0, const T* g0, T* j0, T* trH,
                           int m, int d, int cs, const double* traceMx, int top, int writeJ) {
    int s = blockIdx.x;
    if (s >= cs) return;
    double sum = 0;
    for (int j = threadIdx.x; j < m; j += blockDim.x) {
        i64 ia = (i64)s * m + j;
        double t = tau0[ia];
        double zn = top ? (double)w[j] : (double)znext[ia];
        sum += (1.0 - t * t) * zn * (double)g0[j];
    }
    if (writeJ) {
        i64 base = (i64)s * m * d;
        int md = m * d, d1 = d + 1;
        for (int e = threadIdx.x; e < md; e += blockDim.x) {
            int j = e % m, k = e / m;
            j0[base + e] = tau0[(i64)s * m + j] * k0[k + d1 * j];
        }
    }
    sum = block_sum(sum);
    if (threadIdx.x == 0) trH[s] = (T)(traceMx[0] + sum);
}

// One block per sample: trH += h sum_{j,k} (1 - tau_j^2) zn_j KJ(j,s,k)^2; with carry
// Jcur = Jprev + h tau_j KJ.
template <typename T>
__device__ void trace_layer(const T* kj, const T* tau, const T* znext, const T* w, const T* jprev, T* jcur, T* trH,
                            int m, int d, int cs, double h, int top, int carry) {
    int s = blockIdx.x;
    if (s >= cs) return;
    i64 base = (i64)s * m * d;
    int md = m * d;
    double sum = 0;
    for (int e = threadIdx.x; e < md; e += blockDim.x) {
        int j = e % m;
        i64 ia = (i64)s * m + j;
        T t = tau[ia];
        T zn = top ? w[j] : znext[ia];
        T v = kj[base + e];
        sum += (double)((1 - t * t) * zn) * (double)v * (double)v;
        if (carry) jcur[base + e] = jprev[base + e] + (T)h * t * v;
    }
    sum = block_sum(sum);
    if (threadIdx.x == 0) trH[s] = (T)((double)trH[s] + h * sum);
}

// Phi = w.u + 1/2 s'Ms + cw.s + cb, one thread per sample.
template <typename T>
__device__ void phi_value(const T* u, const T* w, const T* sv, const T* mm, const T* cw, double cb, T* phi, int m, int d1, int cs) {
    GRID_STRIDE(s, (i64)cs) {
        double v = cb;
        for (int j = 0; j < m; j++) v += (double)w[j] * (double)u[s * m + j];
        const T* x = sv + s * d1;
        for (int a = 0; a < d1; a++) {
            double ms = 0;
            for (int c = 0; c < d1; c++) ms += (double)mm[a + d1 * c] * (double)x[c];
            v += (double)cw[a] * (double)x[a] + 0.5 * (double)x[a] * ms;
        }
        phi[s] = (T)v;
    }
}

// ---- Runge-Kutta bookkeeping --------------------------------------------------------------------
// y = z_x + sum_{l<nl} c_l k_l (x part); S = [y; t]; with writeX also X[s*d + q] = y.
template <typename T>
__device__ void rk_stage_input(const T* z, const T* kst, T* sv, T* xrec, int cs, int d, int nl,
                               double c0, double c1, double c2, double c3, double t, int writeX) {
    int d1 = d + 1, w = d + 3;
    i64 stage = (i64)cs * w;
    GRID_STRIDE(i, (i64)cs * d1) {
        i64 s = i / d1;
        int q = (int)(i % d1);
        if (q == d) { sv[i] = (T)t; continue; }
        i64 o = s * w + q;
        double v = z[o];
        if (nl > 0) v += c0 * (double)kst[o];
        if (nl > 1) v += c1 * (double)kst[stage + o];
        if (nl > 2) v += c2 * (double)kst[2 * stage + o];
        if (nl > 3) v += c3 * (double)kst[3 * stage + o];
        sv[i] = (T)v;
        if (writeX) xrec[s * d + q] = (T)v;
    }
}

// S = [X; t]
template <typename T>
__device__ void load_stage(const T* xrec, T* sv, int cs, int d, double t) {
    int d1 = d + 1;
    GRID_STRIDE(i, (i64)cs * d1) {
        i64 s = i / d1;
        int q = (int)(i % d1);
        sv[i] = q == d ? (T)t : xrec[s * d + q];
    }
}

// f = [-g_x/a0, -trH/a0, |dx|^2/2, |-g_t + a0 v|], one thread per sample.
template <typename T>
__device__ void rk_rhs(const T* grad, const T* trH, T* f, int cs, int d, double a0) {
    int d1 = d + 1, w = d + 3;
    GRID_STRIDE(s, (i64)cs) {
        const T* g = grad + s * d1;
        T* o = f + s * w;
        double v = 0;
        for (int q = 0; q < d; q++) {
            double dx = -(double)g[q] / a0;
            o[q] = (T)dx;
            v += dx * dx;
        }
        v *= 0.5;
        o[d] = (T)(-(double)trH[s] / a0);
        o[d + 1] = (T)v;
        o[d + 2] = (T)fabs(-(double)g[d] + a0 * v);
    }
}

// z += sum_{l<ns} b_l k_l (b_l includes the step)
template <typename T>
__device__ void rk_update(T* z, const T* kst, int cs, int w, int ns, double b0, double b1, double b2, double b3) {
    i64 stage = (i64)cs * w;
    GRID_STRIDE(i, stage) {
        double v = 0;
        if (ns > 0) v += b0 * (double)kst[i];
        if (ns > 1) v += b1 * (double)kst[stage + i];
        if (ns > 2) v += b2 * (double)kst[2 * stage + i];
        if (ns > 3) v += b3 * (double)kst[3 * stage + i];
        z[i] = (T)((double)z[i] + v);
    }
}

// Per-sample loss terms summed into acc[0..2] = (sum L, sum C, sum R); with withGrad also dJ/dz.
template <typename T>
__device__ void loss_terms(const T* z, T* zbar, double* acc, int cs, int d, double invN, double a0, double a1,
                           double a2, double logNorm, int withGrad) {
    int w = d + 3;
    double sl = 0, sc = 0, sr = 0;
    i64 s = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (s < cs) {
        const T* zs = z + s * w;
        double sq = 0;
        for (int q = 0; q < d; q++) sq += (double)zs[q] * (double)zs[q];
        sc = 0.5 * sq + logNorm - (double)zs[d];
        sl = zs[d + 1];
        sr = zs[d + 2];
        if (withGrad) {
            T* zb = zbar + s * w;
            for (int q = 0; q < d; q++) zb[q] = (T)(a1 * (double)zs[q] * invN);
            zb[d] = (T)(-a1 * invN);
            zb[d + 1] = (T)(a0 * invN);
            zb[d + 2] = (T)(a2 * invN);
        }
    }
    sl = block_sum(sl);
    if (threadIdx.x == 0) atomicAdd(acc, sl);
    sc = block_sum(sc);
    if (threadIdx.x == 0) atomicAdd(acc + 1, sc);
    sr = block_sum(sr);
    if (threadIdx.x == 0) atomicAdd(acc + 2, sr);
}

// kbar_l = hb_l zbar for l < ns
template <typename T>
__device__ void kbar_init(const T* zbar, T* kbar, int cs, int w, int ns, double hb0, double hb1, double hb2, double hb3) {
    i64 stage = (i64)cs * w;
    GRID_STRIDE(i, stage) {
        double v = zbar[i];
        if (ns > 0) kbar[i] = (T)(hb0 * v);
        if (ns > 1) kbar[stage + i] = (T)(hb1 * v);
        if (ns > 2) kbar[2 * stage + i] = (T)(hb2 * v);
        if (ns > 3) kbar[3 * stage + i] = (T)(hb3 * v);
    }
}

// Adjoint of rk_rhs: fbar (d+3 per sample) -> gbar (d+1 per sample), trHbar; sign(0) = 0.
template <typename T>
__device__ void rhs_adjoint(const T* grad, const T* fbar, T* gbar, T* trHbar, int cs, int d, double a0) {
    int d1 = d + 1, w = d + 3;
    GRID_STRIDE(s, (i64)cs) {
        const T* g = grad + s * d1;
        const T* fb = fbar + s * w;
        T* gb = gbar + s * d1;
        double v = 0;
        for (int q = 0; q < d; q++) {
            double dx = -(double)g[q] / a0;
            v += dx * dx;
        }
        v *= 0.5;
        double res = -(double)g[d] + a0 * v;
        double sgn = res > 0 ? 1.0 : (res < 0 ? -1.0 : 0.0);
        double resBar = (double)fb[d + 2] * sgn;
        double vBar = (double)fb[d + 1] + a0 * resBar;
        for (int q = 0; q < d; q++) {
            double dx = -(double)g[q] / a0;
            gb[q] = (T)(-((double)fb[q] + vBar * dx) / a0);
        }
        gb[d] = (T)(-resBar);
        trHbar[s] = (T)(-(double)fb[d] / a0);
    }
}

// y-bar = sBar[:d]: zbar_x += ybar; kbar_l += c_l ybar for l < nl.
template <typename T>
__device__ void rk_xbar(const T* sbar, T* zbar, T* kbar, int cs, int d, int nl, double c0, double c1, double c2, double c3) {
    int d1 = d + 1, w = d + 3;
    i64 stage = (i64)cs * w;
    GRID_STRIDE(i, (i64)cs * d) {
        i64 s = i / d;
        int q = (int)(i % d);
        double v = sbar[s * d1 + q];
        i64 o = s * w + q;
        zbar[o] = (T)((double)zbar[o] + v);
        if (nl > 0) kbar[o] = (T)((double)kbar[o] + c0 * v);
        if (nl > 1) kbar[stage + o] = (T)((double)kbar[stage + o] + c1 * v);
        if (nl > 2) kbar[2 * stage + o] = (T)((double)kbar[2 * stage + o] + c2 * v);
        if (nl > 3) kbar[3 * stage + o] = (T)((double)kbar[3 * stage + o] + c3 * v);
    }
}

// ---- adjoint of the trace -----------------------------------------------------------------------
// One thread per (j, s). KJ is overwritten by its adjoint; tauBar and zBarNext are accumulated.
template <typename T>
__device__ void trace_layer_adj(T* kj, const T* tau, const T* znext, const T* w, const T* jbar, T* taubar, T* zbarNext,
                                const T* trHbar, int m, int d, int cs, double h, int top, int carry) {
    GRID_STRIDE(i, (i64)m * cs) {
        int j = (int)(i % m);
        i64 s = i / m;
        double t = tau[i], dt = 1.0 - t * t;
        double zn = top ? (double)w[j] : (double)znext[i];
        double tb = h * (double)trHbar[s];
        double c2 = 2.0 * tb * dt * zn;
        i64 base = s * m * d + j;
        double sq = 0, sj = 0;
        for (int k = 0; k < d; k++) {
            i64 idx = base + (i64)m * k;
            double v = kj[idx];
            sq += v * v;
            double kb = c2 * v;
            if (carry) {
                double jb = jbar[idx];
                sj += jb * v;
                kb += h * t * jb;
            }
            kj[idx] = (T)kb;
        }
        double cbar = tb * sq;
        taubar[i] = (T)((double)taubar[i] + h * sj - 2.0 * t * zn * cbar);
        zbarNext[i] = (T)((double)zbarNext[i] + cbar * dt);
    }
}

// Adjoint of J0 = diag(tau0) K0x and of t_0, one thread per (j, s). jbar is scaled by tau0 in place
// (its column sums are then dLoss/dK0x); coefTmp receives trHbar (1 - tau0^2) z1.
template <typename T>
__device__ void trace_first_adj(T* jbar, const T* tau0, const T* znext, const T* w, const T* k0, const T* g0,
                                const T* trHbar, T* taubar0, T* zbar1, T* coefTmp, int m, int d, int cs, int top) {
    int d1 = d + 1;
    GRID_STRIDE(i, (i64)m * cs) {
        int j = (int)(i % m);
        i64 s = i / m;
        double t = tau0[i], dt = 1.0 - t * t;
        double z1 = top ? (double)w[j] : (double)znext[i];
        double tbar = trHbar[s], g = g0[j];
        i64 base = s * m * d + j;
        double sj = 0;
        for (int k = 0; k < d; k++) {
            i64 idx = base + (i64)m * k;
            double jb = jbar[idx];
            sj += jb * (double)k0[k + d1 * j];
            jbar[idx] = (T)(jb * t);
        }
        taubar0[i] = (T)((double)taubar0[i] + sj - 2.0 * t * z1 * g * tbar);
        zbar1[i] = (T)((double)zbar1[i] + tbar * dt * g);
        coefTmp[i] = (T)(tbar * dt * z1);
    }
}

// work = dLoss/dp with p = tau * zn: tauBar += work zn; zBarNext += work tau (+ zBarCur with addCur).
template <typename T>
__device__ void spread_adj(const T* work, const T* tau, const T* znext, const T* w, T* taubar, T* zbarNext,
                           const T* zbarCur, int m, int cs, int top, int addCur) {
    GRID_STRIDE(i, (i64)m * cs) {
        int j = (int)(i % m);
        T zn = top ? w[j] : znext[i];
        T pb = work[i];
        taubar[i] += pb * zn;
        T add = pb * tau[i];
        if (addCur) add += zbarCur[i];
        zbarNext[i] += add;
    }
}

// work = tauBar (1 - tau^2) + hl uBar tau
template <typename T>
__device__ void resnet_adj(const T* tau, const T* taubar, const T* ubar, T* work, int m, int cs, double hl) {
    GRID_STRIDE(i, (i64)m * cs) {
        T t = tau[i];
        work[i] = taubar[i] * (1 - t * t) + (T)hl * ubar[i] * t;
    }
}

// acc[r] += scale sum_c X[r + rows*c]; block (32, 8), grid (ceil(rows/32), splits of the columns).
template <typename T>
__device__ void colsum(const T* x, int rows, int cols, double* acc, double scale) {
    __shared__ double part[8][33];
    int r = blockIdx.x * 32 + threadIdx.x;
    double v = 0;
    if (r < rows) {
        for (i64 c = (i64)blockIdx.y * blockDim.y + threadIdx.y; c < cols; c += (i64)gridDim.y * blockDim.y) {
            v += (double)x[r + (i64)rows * c];
        }
    }
    part[threadIdx.y][threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.y == 0 && r < rows) {
        double s = 0;
        for (int y = 0; y < blockDim.y; y++) s += part[y][threadIdx.x];
        atomicAdd(acc + r, scale * s);
    }
}

// out[r] += sum_b P[r + rows*b]: folds the partial products of a split-K GEMM into its accumulator.
template <typename T>
__device__ void sum_partials(const T* parts, int rows, int batches, T* out) {
    GRID_STRIDE(r, (i64)rows) {
        double v = out[r];
        for (int b = 0; b < batches; b++) v += (double)parts[r + (i64)rows * b];
        out[r] = (T)v;
    }
}

// ---- extern "C" entry points ----------------------------------------------------------------------
#define BOTH(NAME, PARAMS_F, ARGS, PARAMS_D)                                     \
    extern "C" __global__ void NAME##_f32 PARAMS_F { NAME<float> ARGS; }          \
    extern "C" __global__ void NAME##_f64 PARAMS_D { NAME<double> ARGS; }

#define P(T) (const T* pre, const T* b, const T* uprev, T* tau, T* u, int m, int cs, double h, int mode)
BOTH(act_layer, P(float), (pre, b, uprev, tau, u, m, cs, h, mode), P(double))
#undef P
#define P(T) (const T* tau, const T* znext, const T* w, T* z, T* p, int m, int cs, int top, int copyZ)
BOTH(grad_prep, P(float), (tau, znext, w, z, p, m, cs, top, copyZ), P(double))
#undef P
#define P(T) (T* x, const T* v, int rows, int cols)
BOTH(add_rows, P(float), (x, v, rows, cols), P(double))
#undef P
#define P(T) (const T* tau0, const T* znext, const T* w, const T* k0, const T* g0, T* j0, T* trH, int m, int d, int cs, const double* traceMx, int top, int writeJ)
BOTH(trace_init, P(float), (tau0, znext, w, k0, g0, j0, trH, m, d, cs, traceMx, top, writeJ), P(double))
#undef P
#define P(T) (const T* kj, const T* tau, const T* znext, const T* w, const T* jprev, T* jcur, T* trH, int m, int d, int cs, double h, int top, int carry)
BOTH(trace_layer, P(float), (kj, tau, znext, w, jprev, jcur, trH, m, d, cs, h, top, carry), P(double))
#undef P
#define P(T) (const T* u, const T* w, const T* sv, const T* mm, const T* cw, double cb, T* phi, int m, int d1, int cs)
BOTH(phi_value, P(float), (u, w, sv, mm, cw, cb, phi, m, d1, cs), P(double))
#undef P
#define P(T) (const T* z, const T* kst, T* sv, T* xrec, int cs, int d, int nl, double c0, double c1, double c2, double c3, double t, int writeX)
BOTH(rk_stage_input, P(float), (z, kst, sv, xrec, cs, d, nl, c0, c1, c2, c3, t, writeX), P(double))
#undef P
#define P(T) (const T* xrec, T* sv, int cs, int d, double t)
BOTH(load_stage, P(float), (xrec, sv, cs, d, t), P(double))
#undef P
#define P(T) (const T* grad, const T* trH, T* f, int cs, int d, double a0)
BOTH(rk_rhs, P(float), (grad, trH, f, cs, d, a0), P(double))
#undef P
#define P(T) (T* z, const T* kst, int cs, int w, int ns, double b0, double b1, double b2, double b3)
BOTH(rk_update, P(float), (z, kst, cs, w, ns, b0, b1, b2, b3), P(double))
#undef P
#define P(T) (const T* z, T* zbar, double* acc, int cs, int d, double invN, double a0, double a1, double a2, double logNorm, int withGrad)
BOTH(loss_terms, P(float), (z, zbar, acc, cs, d, invN, a0, a1, a2, logNorm, withGrad), P(double))
#undef P
#define P(T) (const T* zbar, T* kbar, int cs, int w, int ns, double hb0, double hb1, double hb2, double hb3)
BOTH(kbar_init, P(float), (zbar, kbar, cs, w, ns, hb0, hb1, hb2, hb3), P(double))
#undef P
#define P(T) (const T* grad, const T* fbar, T* gbar, T* trHbar, int cs, int d, double a0)
BOTH(rhs_adjoint, P(float), (grad, fbar, gbar, trHbar, cs, d, a0), P(double))
#undef P
#define P(T) (const T* sbar, T* zbar, T* kbar, int cs, int d, int nl, double c0, double c1, double c2, double c3)
BOTH(rk_xbar, P(float), (sbar, zbar, kbar, cs, d, nl, c0, c1, c2, c3), P(double))
#undef P
#define P(T) (T* kj, const T* tau, const T* znext, const T* w, const T* jbar, T* taubar, T* zbarNext, const T* trHbar, int m, int d, int cs, double h, int top, int carry)
BOTH(trace_layer_adj, P(float), (kj, tau, znext, w, jbar, taubar, zbarNext, trHbar, m, d, cs, h, top, carry), P(double))
#undef P
#define P(T) (T* jbar, const T* tau0, const T* znext, const T* w, const T* k0, const T* g0, const T* trHbar, T* taubar0, T* zbar1, T* coefTmp, int m, int d, int cs, int top)
BOTH(trace_first_adj, P(float), (jbar, tau0, znext, w, k0, g0, trHbar, taubar0, zbar1, coefTmp, m, d, cs, top), P(double))
#undef P
#define P(T) (const T* work, const T* tau, const T* znext, const T* w, T* taubar, T* zbarNext, const T* zbarCur, int m, int cs, int top, int addCur)
BOTH(spread_adj, P(float), (work, tau, znext, w, taubar, zbarNext, zbarCur, m, cs, top, addCur), P(double))
#undef P
#define P(T) (const T* tau, const T* taubar, const T* ubar, T* work, int m, int cs, double hl)
BOTH(resnet_adj, P(float), (tau, taubar, ubar, work, m, cs, hl), P(double))
#undef P
#define P(T) (const T* x, int rows, int cols, double* acc, double scale)
BOTH(colsum, P(float), (x, rows, cols, acc, scale), P(double))
#undef P
#define P(T) (const T* parts, int rows, int batches, T* out)
BOTH(sum_partials, P(float), (parts, rows, batches, out), P(double))
#undef P
