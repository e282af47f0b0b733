// gmmcore/simd.h
//
// Contract: the few vector operations the kernels need, on GCC/Clang vector
// extensions of W doubles (W = 2, 4 or 8). The same source is compiled once
// per instruction set: every function here is forced inline, so it takes the
// instruction set of the kernel entry point it is inlined into (see
// dispatch.h), and vectors never cross a non-inlined call boundary. Vectors
// are passed by reference only, which keeps the calling convention out of it.
// Nothing here rounds differently from scalar code except exp_inplace(),
// which is accurate to about one unit in the last place.
#ifndef GMMCORE_SIMD_H
#define GMMCORE_SIMD_H

#include <cstdint>
#include <cstring>

#define GMM_INLINE __attribute__((always_inline)) inline

#if defined(__clang__)
#define GMM_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define GMM_UNROLL _Pragma("GCC unroll 16")
#else
#define GMM_UNROLL
#endif

namespace gmmcore {
namespace simd {

template <int W>
struct Vec {
  typedef double type __attribute__((vector_size(8 * W)));
  typedef std::int64_t itype __attribute__((vector_size(8 * W)));
};

template <class V>
GMM_INLINE void load(V& v, const double* p) {
  std::memcpy(&v, p, sizeof(V));
}

template <class V>
GMM_INLINE void store(double* p, const V& v) {
  std::memcpy(p, &v, sizeof(V));
}

template <class V>
GMM_INLINE void set1(V& v, double a) {
  v = V{} + a;
}

// Lanes added in a fixed order, so a sum never depends on anything but W.
template <int W>
GMM_INLINE double hsum(const typename Vec<W>::type& v) {
  double s = v[0];
  GMM_UNROLL
  for (int l = 1; l < W; ++l) s += v[l];
  return s;
}

// p = c[0] + c[1] x + ... + c[N-1] x^(N-1) by Horner's rule.
template <class V, int N>
GMM_INLINE void horner(V& p, const V& x, const double (&c)[N]) {
  p = V{} + c[N - 1];
  GMM_UNROLL
  for (int i = N - 2; i >= 0; --i) p = p * x + c[i];
}

// exp(x) in place, for any x (NaN stays NaN, -Inf and anything below -708
// give 0, which is what the log-sum-exp needs: such a term is below 1e-307
// of the largest one). Range reduction x = n log(2) + r with |r| <= log(2)/2,
// exp(r) by its Taylor polynomial of degree 13 (truncation error below
// 1e-17), and 2^n assembled in the exponent bits.
template <int W>
GMM_INLINE void exp_inplace(typename Vec<W>::type& x) {
  typedef typename Vec<W>::type V;
  typedef typename Vec<W>::itype VI;
  const double lo = -708.0, hi = 709.0;
  const double log2e = 1.4426950408889634;
  const double ln2_hi = 6.93147180369123816490e-01;  // 32 significant bits
  const double ln2_lo = 1.90821492927058770002e-10;
  const double magic = 6755399441055744.0;           // 1.5 * 2^52
  const V vlo = V{} + lo, vhi = V{} + hi, vzero = V{};
  const VI under = x < vlo;
  x = x < vlo ? vlo : x;
  x = x > vhi ? vhi : x;
  V t = x * log2e + magic;       // round(x / log 2) in the low bits of t
  const V nf = t - magic;
  V r = x - nf * ln2_hi;
  r = r - nf * ln2_lo;
  // 1/i! for i = 0..13
  static const double taylor[14] = {
      1.0,         1.0,          0.5,           1.0 / 6.0,
      1.0 / 24.0,  1.0 / 120.0,  1.0 / 720.0,   1.0 / 5040.0,
      1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0,
      1.0 / 479001600.0, 1.0 / 6227020800.0};
  V p;
  horner(p, r, taylor);
  VI bits, mbits;
  const V vmagic = V{} + magic;
  std::memcpy(&bits, &t, sizeof(V));
  std::memcpy(&mbits, &vmagic, sizeof(V));
  bits = (bits - mbits + 1023) << 52;  // 2^n
  V scale;
  std::memcpy(&scale, &bits, sizeof(V));
  x = p * scale;
  x = under ? vzero : x;
}

// log(x) in place for lanes with 1 <= x < Inf (the sums of a log-sum-exp),
// to about one unit in the last place: x = 2^e m with m in [sqrt(1/2),
// sqrt(2)), log(m) = 2 atanh(f) with f = (m - 1) / (m + 1), |f| < 0.172,
// summed to f^23 (truncation below 1e-18). Other lanes are the caller's
// business (see log_sum_exp in kernels.h).
template <int W>
GMM_INLINE void log_inplace(typename Vec<W>::type& x) {
  typedef typename Vec<W>::type V;
  typedef typename Vec<W>::itype VI;
  const double ln2_hi = 6.93147180369123816490e-01;
  const double ln2_lo = 1.90821492927058770002e-10;
  VI bits;
  std::memcpy(&bits, &x, sizeof(V));
  VI e = ((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL;  // m in [1, 2)
  V m;
  std::memcpy(&m, &bits, sizeof(V));
  const VI big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1 : e;
  // e to double: small integers, exact through the 2^52 + 2^51 trick.
  const double magic = 6755399441055744.0;
  const V vmagic = V{} + magic;
  VI mbits;
  std::memcpy(&mbits, &vmagic, sizeof(V));
  VI ebits = mbits + e;
  V ef;
  std::memcpy(&ef, &ebits, sizeof(V));
  ef -= magic;
  const V f = (m - 1.0) / (m + 1.0);
  const V f2 = f * f;
  // 1/(2i + 3) for i = 0..10: atanh(f) = f + f^3 (1/3 + f^2/5 + ...)
  static const double odd[11] = {1.0 / 3.0,  1.0 / 5.0,  1.0 / 7.0,  1.0 / 9.0,
                                 1.0 / 11.0, 1.0 / 13.0, 1.0 / 15.0, 1.0 / 17.0,
                                 1.0 / 19.0, 1.0 / 21.0, 1.0 / 23.0};
  V p;
  horner(p, f2, odd);
  // log(m) = 2 f + 2 f^3 p: the small correction last, for accuracy.
  const V lm = 2.0 * f + (2.0 * f * f2) * p;
  x = ef * ln2_hi + (lm + ef * ln2_lo);
}

}  // namespace simd
}  // namespace gmmcore

#endif
