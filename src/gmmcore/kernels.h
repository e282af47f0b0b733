// gmmcore/kernels.h
//
// Contract: the work done on one block of rows, written once for vectors of
// W doubles with the rows in the lanes (the data are column-major, so W
// consecutive rows of a column are one load). For a block it can
//  1. compute log(w_j N(x_i | mu_j, Sigma_j)) for every row and component:
//     the block is centred on mu_j and multiplied by the inverse Cholesky
//     factor in register tiles of T outputs (only the lower triangle, up to
//     the tile's edge), then squared norms (diagonal structures: scaled by
//     the reciprocal standard deviations, column by column);
//  2. turn those into posterior probabilities by a log-sum-exp over the
//     components (one exp per row and component) and add the row's log
//     density to the block's log-likelihood;
//  3. add each component's sufficient statistics to a slab's sums: the
//     weight sum n_j, and the weighted first and second moments of the rows
//     about a shift c_j (the component's current mean), the second moment in
//     full (lower triangle) or its diagonal only.
// Scratch is O(block x (d + k)) per thread; nothing of size n x k x d.
// Every function is forced inline: the entry points in dispatch.h fix the
// instruction set.
#ifndef GMMCORE_KERNELS_H
#define GMMCORE_KERNELS_H

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>
#include "simd.h"
#include "types.h"

namespace gmmcore {

// What the kernels need of the parameters, laid out for broadcasts.
struct KernelModel {
  Index d = 0, k = 0;
  bool diagonal = false;     // precision diagonal (diag, spherical)
  std::vector<double> mu;    // k x d, component-major: mu[j d + c]
  std::vector<double> prec;  // full: k x d x d, row-major lower inverse
                             // Cholesky factor; diagonal: k x d, 1 / sd
  std::vector<double> cst;   // log w_j - (d log(2 pi) + log|Sigma_j|) / 2
};

// A slab's running sums. `second` is k x d x d (row-major, lower triangle
// filled) when full, k x d when diagonal.
struct SlabSums {
  std::vector<double> count, first, second;
  double loglik = 0.0;
  double entropy = 0.0;  // -sum_ij z_ij log z_ij of the posteriors (E-step passes)
  bool bad = false;  // some row had no finite density

  // `moments` false: a pass that sums no statistics (an E-step alone)
  // keeps only the log-likelihood.
  void reset(Index k, Index d, bool full, bool moments = true) {
    count.assign(moments ? k : 0, 0.0);
    first.assign(moments ? k * d : 0, 0.0);
    second.assign(!moments ? 0 : full ? k * d * d : k * d, 0.0);
    loglik = 0.0;
    entropy = 0.0;
    bad = false;
  }

  // Adds sums of the same shape (another slab's, a group of patterns'):
  // sums are merged in a fixed order, so that the total does not depend on
  // which thread summed what.
  void merge(const SlabSums& s) {
    loglik += s.loglik;
    entropy += s.entropy;
    bad = bad || s.bad;
    for (std::size_t i = 0; i < count.size(); ++i) count[i] += s.count[i];
    for (std::size_t i = 0; i < first.size(); ++i) first[i] += s.first[i];
    for (std::size_t i = 0; i < second.size(); ++i) second[i] += s.second[i];
  }
};

// One block's job. Columns of the block are x + c * ldx (c < d), `rows` of
// them. With `estep`, posteriors are computed (and written to `post`, n x k
// column-major with leading dimension ldp, when not null); without it they
// are read from `post_in`. With `sums`, the statistics about `shift` (k x d,
// component-major) are added; `full_second` chooses the full second moment.
struct BlockJob {
  const double* x = nullptr;
  Index ldx = 0;
  Index rows = 0;
  Index start = 0;             // first row of the block in the data
  bool estep = true;
  double* post = nullptr;      // posteriors out (estep) or null
  const double* post_in = nullptr;  // posteriors in (no estep)
  Index ldp = 0;
  double* logdens = nullptr;   // optional, length n
  const KernelModel* model = nullptr;
  const double* shift = nullptr;
  bool full_second = true;
  SlabSums* sums = nullptr;
  // Case weights of the data's rows (length n, indexed like the rows), or
  // null: each row's log density, entropy and statistics count that many
  // times. The posteriors written out are not weighted.
  const double* case_w = nullptr;
};

// Per-thread scratch, sized for blocks of up to `block` rows.
// The block centred on each component is kept from the E-step for the
// M-step's moments (which are about the same means in a fused pass) when the
// k copies take at most kCentredCache doubles (192 KB, within a core's L2
// cache); otherwise the M-step centres the block again.
constexpr Index kCentredCache = 24576;

struct Scratch {
  Index block = 0;
  std::vector<double> xpad;  // d x block: a short block, padded with zeros
                             // (written in full for each short block)
  std::vector<double> y;     // d x block per part: the block centred on one
                             // component, or on each (y_parts = k)
  Index y_parts = 1;
  std::vector<double> resp;  // k x block: log densities, then posteriors
  std::vector<double> q;     // block: squared Mahalanobis distances
  std::vector<double> w;     // block: case weights, padded with zeros
  std::vector<const double*> col;

  void resize(Index d, Index k, Index rows) {
    block = rows;
    xpad.resize(d * rows);
    y_parts = k * d * rows <= kCentredCache ? k : 1;
    y.resize(d * rows * y_parts);
    resp.resize(k * rows);
    q.resize(rows);
    w.resize(rows);
    col.resize(d);
  }
};

namespace kern {

template <int W>
using V = typename simd::Vec<W>::type;

// y[c][i] = x[c][i] - m[c] for the (padded) rows of the block. With
// `ahead` > 0, also asks for the same rows of the next block, `ahead` rows
// further on: the columns are far apart in memory and a block's compute
// takes long enough that the hardware prefetchers do not run that far ahead
// by themselves.
// (Whether to prefetch is a template argument, so that the loop of a short
// block, which has nothing to prefetch, carries no test.)
template <int W, bool Ahead>
GMM_INLINE void centre_rows(const double* const* col, const double* m, Index d,
                            Index rows_p, double* y, Index ahead) {
  for (Index c = 0; c < d; ++c) {
    const double* xc = col[c];
    double* yc = y + c * rows_p;
    const double mc = m[c];
    for (Index i = 0; i < rows_p; i += W) {
      if (Ahead && (i * 8) % 64 == 0) __builtin_prefetch(xc + i + ahead);
      V<W> v;
      simd::load(v, xc + i);
      v -= mc;
      simd::store(yc + i, v);
    }
  }
}

template <int W>
GMM_INLINE void centre(const double* const* col, const double* m, Index d,
                       Index rows_p, double* y, Index ahead = 0) {
  if (ahead > 0) centre_rows<W, true>(col, m, d, rows_p, y, ahead);
  else centre_rows<W, false>(col, m, d, rows_p, y, 0);
}

// Adds to acc[u][t] the terms of output r0 + t for the rows of vector u at
// i + u W: all of P's columns c < r0, then the triangle c = r0 + cc,
// t >= cc (the factor is lower triangular, so the terms skipped are exact
// zeros, and each output's terms are added in the same order as over all
// of the columns).
template <int W, int T, int U>
GMM_INLINE void quad_terms(const double* y, Index rows_p, const double* P_rows,
                           Index d, Index r0, Index i, V<W> (&acc)[U][T]) {
  for (Index c = 0; c < r0; ++c) {
    V<W> yc[U];
    GMM_UNROLL
    for (int u = 0; u < U; ++u) simd::load(yc[u], y + c * rows_p + i + u * W);
    GMM_UNROLL
    for (int t = 0; t < T; ++t) {
      const double p = P_rows[t * d + c];
      GMM_UNROLL
      for (int u = 0; u < U; ++u) acc[u][t] += p * yc[u];
    }
  }
  GMM_UNROLL
  for (int cc = 0; cc < T; ++cc) {
    V<W> yc[U];
    GMM_UNROLL
    for (int u = 0; u < U; ++u) simd::load(yc[u], y + (r0 + cc) * rows_p + i + u * W);
    GMM_UNROLL
    for (int t = cc; t < T; ++t) {
      const double p = P_rows[t * d + r0 + cc];
      GMM_UNROLL
      for (int u = 0; u < U; ++u) acc[u][t] += p * yc[u];
    }
  }
}

// q[i] += sum over the T outputs r0..r0+T-1 of (sum_{c <= r} P[r][c] y[c][i])^2,
// P row-major with leading dimension d, P_rows = P + r0 d. Two vectors of
// rows at a time when registers allow: each broadcast of P serves both, and
// a narrow tile has enough independent sums to hide the latency of an FMA.
template <int W, int T>
GMM_INLINE void quad_tile(const double* y, Index rows_p, const double* P_rows,
                          Index d, Index r0, double* q) {
  constexpr int U = (W == 8 || T <= 4) ? 2 : 1;
  Index i = 0;
  for (; i + U * W <= rows_p; i += U * W) {
    V<W> acc[U][T];
    GMM_UNROLL
    for (int u = 0; u < U; ++u) {
      GMM_UNROLL
      for (int t = 0; t < T; ++t) acc[u][t] = V<W>{};
    }
    quad_terms<W, T, U>(y, rows_p, P_rows, d, r0, i, acc);
    GMM_UNROLL
    for (int u = 0; u < U; ++u) {
      V<W> qq;
      simd::load(qq, q + i + u * W);
      GMM_UNROLL
      for (int t = 0; t < T; ++t) qq += acc[u][t] * acc[u][t];
      simd::store(q + i + u * W, qq);
    }
  }
  for (; i < rows_p; i += W) {
    V<W> acc[1][T];
    GMM_UNROLL
    for (int t = 0; t < T; ++t) acc[0][t] = V<W>{};
    quad_terms<W, T, 1>(y, rows_p, P_rows, d, r0, i, acc);
    V<W> qq;
    simd::load(qq, q + i);
    GMM_UNROLL
    for (int t = 0; t < T; ++t) qq += acc[0][t] * acc[0][t];
    simd::store(q + i, qq);
  }
}

constexpr int kTile = 8;

// Squared Mahalanobis distances of the centred rows, full precision factor.
template <int W>
GMM_INLINE void quad_full(const double* y, Index rows_p, const double* P,
                          Index d, double* q) {
  for (Index i = 0; i < rows_p; ++i) q[i] = 0.0;
  Index r0 = 0;
  for (; r0 + kTile <= d; r0 += kTile)
    quad_tile<W, kTile>(y, rows_p, P + r0 * d, d, r0, q);
  const Index left = d - r0;
  const double* Pr = P + r0 * d;
  switch (left) {
    case 1: quad_tile<W, 1>(y, rows_p, Pr, d, r0, q); break;
    case 2: quad_tile<W, 2>(y, rows_p, Pr, d, r0, q); break;
    case 3: quad_tile<W, 3>(y, rows_p, Pr, d, r0, q); break;
    case 4: quad_tile<W, 4>(y, rows_p, Pr, d, r0, q); break;
    case 5: quad_tile<W, 5>(y, rows_p, Pr, d, r0, q); break;
    case 6: quad_tile<W, 6>(y, rows_p, Pr, d, r0, q); break;
    case 7: quad_tile<W, 7>(y, rows_p, Pr, d, r0, q); break;
    default: break;
  }
}

// Asks for the same rows of the next block, `ahead` rows on.
GMM_INLINE void prefetch_ahead(const double* const* col, Index d, Index rows_p,
                               Index ahead) {
  for (Index c = 0; c < d; ++c)
    for (Index i = 0; i < rows_p; i += 8) __builtin_prefetch(col[c] + i + ahead);
}

// Squared Mahalanobis distances straight from the data, diagonal precision.
// Column by column, so that the sums of different rows are independent
// (one sum per row across the columns would be a chain of dependent FMAs).
template <int W, bool Ahead>
GMM_INLINE void quad_diag_rows(const double* const* col, const double* m,
                               const double* s, Index d, Index rows_p, double* q,
                               Index ahead) {
  for (Index i = 0; i < rows_p; ++i) q[i] = 0.0;
  for (Index c = 0; c < d; ++c) {
    const double* xc = col[c];
    const double mc = m[c], sc = s[c];
    for (Index i = 0; i < rows_p; i += W) {
      if (Ahead && (i * 8) % 64 == 0) __builtin_prefetch(xc + i + ahead);
      V<W> v, qq;
      simd::load(v, xc + i);
      simd::load(qq, q + i);
      v = (v - mc) * sc;
      qq += v * v;
      simd::store(q + i, qq);
    }
  }
}

template <int W>
GMM_INLINE void quad_diag(const double* const* col, const double* m,
                          const double* s, Index d, Index rows_p, double* q,
                          Index ahead) {
  if (ahead > 0) quad_diag_rows<W, true>(col, m, s, d, rows_p, q, ahead);
  else quad_diag_rows<W, false>(col, m, s, d, rows_p, q, 0);
}

// Log joint densities of every component into resp (k x rows_p); the first
// component's reads prefetch the next block (`ahead` rows on; 0: none).
template <int W>
GMM_INLINE void log_joint(const KernelModel& m, const double* const* col,
                          Index rows_p, Index ahead, Scratch& sc) {
  const Index d = m.d;
  for (Index j = 0; j < m.k; ++j) {
    double* q = sc.q.data();
    const Index pf = j == 0 ? ahead : 0;
    if (m.diagonal) {
      quad_diag<W>(col, &m.mu[j * d], &m.prec[j * d], d, rows_p, q, pf);
    } else {
      double* y = sc.y.data() + (sc.y_parts > 1 ? j * d * rows_p : 0);
      centre<W>(col, &m.mu[j * d], d, rows_p, y, pf);
      quad_full<W>(y, rows_p, &m.prec[j * d * d], d, q);
    }
    double* out = &sc.resp[j * rows_p];
    const double cj = m.cst[j];
    for (Index i = 0; i < rows_p; i += W) {
      V<W> v;
      simd::load(v, q + i);
      v = cj - 0.5 * v;
      simd::store(out + i, v);
    }
  }
}

// Log joint densities -> posteriors in place; returns the sum of the real
// rows' log densities, and adds their posteriors' entropy to `entropy`. A
// row with no finite density gets NaN posteriors and log density -Inf, adds
// no entropy, and sets `bad`. The entropy of a row needs no log of its
// own: with u_j its log joint densities less their largest, s = sum_j e^u_j
// and z_j = e^u_j / s, -sum_j z_j log z_j = log s - sum_j e^u_j u_j / s,
// both terms non-negative (u_j below -800, where e^u_j is 0, counts as -800,
// so that 0 times -Inf never arises).
template <int W>
GMM_INLINE double normalise(Index k, Index rows, Index rows_p, double* resp,
                            double* logdens, bool& bad, double& entropy,
                            const double* cw = nullptr) {
  const V<W> floor = V<W>{} - 800.0;
  double total = 0.0;
  for (Index i = 0; i < rows_p; i += W) {
    V<W> mx;
    simd::load(mx, resp + i);
    for (Index j = 1; j < k; ++j) {
      V<W> v;
      simd::load(v, resp + j * rows_p + i);
      mx = v > mx ? v : mx;
    }
    V<W> s = V<W>{}, t = V<W>{};
    for (Index j = 0; j < k; ++j) {
      V<W> v;
      simd::load(v, resp + j * rows_p + i);
      v -= mx;
      const V<W> u = v < floor ? floor : v;
      simd::exp_inplace<W>(v);
      s += v;
      t += v * u;
      simd::store(resp + j * rows_p + i, v);
    }
    const V<W> inv = 1.0 / s;
    for (Index j = 0; j < k; ++j) {
      V<W> v;
      simd::load(v, resp + j * rows_p + i);
      v *= inv;
      simd::store(resp + j * rows_p + i, v);
    }
    // The sum is at least 1 (the largest term is exp(0)) unless the row has
    // no finite density, and the vector log is valid there; a lane that is
    // not finite sends the group through the scalar path below.
    V<W> lse = s;
    simd::log_inplace<W>(lse);
    lse += mx;
    const Index lanes = rows - i < W ? rows - i : W;
    // Finite lanes cannot overflow a sum of W of them, so one finite sum
    // says that every lane is finite.
    const double group = simd::hsum<W>(lse);
    if (std::isfinite(group)) {
      if (logdens) {
        if (lanes == W) simd::store(logdens + i, lse);
        else for (Index l = 0; l < lanes; ++l) logdens[i + l] = lse[l];
      }
      const V<W> h = (lse - mx) - t * inv;
      if (cw) {
        // Weighted rows: the padded lanes have weight zero.
        V<W> wv;
        simd::load(wv, cw + i);
        total += simd::hsum<W>(lse * wv);
        entropy += simd::hsum<W>(h * wv);
      } else if (lanes == W) {
        total += group;
        entropy += simd::hsum<W>(h);
      } else {
        for (Index l = 0; l < lanes; ++l) {
          total += lse[l];
          entropy += h[l];
        }
      }
      continue;
    }
    for (Index l = 0; l < lanes; ++l) {
      double v = mx[l] + std::log(s[l]);
      const double wl = cw ? cw[i + l] : 1.0;
      if (!std::isfinite(v)) {
        v = -std::numeric_limits<double>::infinity();
        for (Index j = 0; j < k; ++j)
          resp[j * rows_p + i + l] = std::numeric_limits<double>::quiet_NaN();
        if (logdens) logdens[i + l] = v;
        // A row of weight zero is left out of the fit, whatever its density.
        if (wl != 0.0) {
          bad = true;
          total += v;
        }
        continue;
      }
      entropy += wl * (std::log(s[l]) - t[l] / s[l]);
      if (logdens) logdens[i + l] = v;
      total += wl * v;
    }
  }
  return total;
}

// sum_i w_i a_i b_{b0+t,i} for T columns b, added to out[t]; with `First`,
// also sum_i w_i a_i (a's first moment) added to *first. Two rows of
// vectors at a time when registers allow, so that even a narrow tile has
// enough independent sums to hide the latency of an FMA.
template <int W, int T, bool First>
GMM_INLINE void cross_tile(const double* w, const double* a, const double* y,
                           Index rows_p, Index b0, double* out, double* first) {
  constexpr int U = (W == 8 || T <= 4) ? 2 : 1;
  V<W> acc[U][T], f[U];
  GMM_UNROLL
  for (int u = 0; u < U; ++u) {
    f[u] = V<W>{};
    GMM_UNROLL
    for (int t = 0; t < T; ++t) acc[u][t] = V<W>{};
  }
  Index i = 0;
  for (; i + U * W <= rows_p; i += U * W) {
    GMM_UNROLL
    for (int u = 0; u < U; ++u) {
      V<W> wi, ai;
      simd::load(wi, w + i + u * W);
      simd::load(ai, a + i + u * W);
      const V<W> wa = wi * ai;
      if (First) f[u] += wa;
      GMM_UNROLL
      for (int t = 0; t < T; ++t) {
        V<W> bt;
        simd::load(bt, y + (b0 + t) * rows_p + i + u * W);
        acc[u][t] += wa * bt;
      }
    }
  }
  for (; i < rows_p; i += W) {
    V<W> wi, ai;
    simd::load(wi, w + i);
    simd::load(ai, a + i);
    const V<W> wa = wi * ai;
    if (First) f[0] += wa;
    GMM_UNROLL
    for (int t = 0; t < T; ++t) {
      V<W> bt;
      simd::load(bt, y + (b0 + t) * rows_p + i);
      acc[0][t] += wa * bt;
    }
  }
  GMM_UNROLL
  for (int t = 0; t < T; ++t) {
    V<W> sum = acc[0][t];
    GMM_UNROLL
    for (int u = 1; u < U; ++u) sum += acc[u][t];
    out[t] += simd::hsum<W>(sum);
  }
  if (First) {
    V<W> sum = f[0];
    GMM_UNROLL
    for (int u = 1; u < U; ++u) sum += f[u];
    *first += simd::hsum<W>(sum);
  }
}

// The last n < kTile columns of a row, from b0.
template <int W, bool First>
GMM_INLINE void cross_tail(const double* w, const double* ya, const double* y,
                           Index rows_p, Index b0, Index n, double* out,
                           double* first) {
  switch (n) {
    case 1: cross_tile<W, 1, First>(w, ya, y, rows_p, b0, out, first); break;
    case 2: cross_tile<W, 2, First>(w, ya, y, rows_p, b0, out, first); break;
    case 3: cross_tile<W, 3, First>(w, ya, y, rows_p, b0, out, first); break;
    case 4: cross_tile<W, 4, First>(w, ya, y, rows_p, b0, out, first); break;
    case 5: cross_tile<W, 5, First>(w, ya, y, rows_p, b0, out, first); break;
    case 6: cross_tile<W, 6, First>(w, ya, y, rows_p, b0, out, first); break;
    case 7: cross_tile<W, 7, First>(w, ya, y, rows_p, b0, out, first); break;
    default: break;
  }
}

// Row a of the lower triangle of sum_i w_i y_i y_i^T (columns 0..a), and
// sum_i w_i y_ia, the first moment of column a, added to *first: the tile
// of columns from 0 forms w_i y_ia anyway.
template <int W>
GMM_INLINE void second_row(const double* w, const double* y, Index rows_p,
                           Index a, double* row, double* first) {
  const double* ya = y + a * rows_p;
  const Index n_b = a + 1;
  if (n_b < kTile) {
    cross_tail<W, true>(w, ya, y, rows_p, 0, n_b, row, first);
    return;
  }
  cross_tile<W, kTile, true>(w, ya, y, rows_p, 0, row, first);
  Index b0 = kTile;
  for (; b0 + kTile <= n_b; b0 += kTile)
    cross_tile<W, kTile, false>(w, ya, y, rows_p, b0, row + b0, nullptr);
  cross_tail<W, false>(w, ya, y, rows_p, b0, n_b - b0, row + b0, nullptr);
}

// The weighted sums of columns c..c+C-1 of y = x - shift and of their
// squares (a diagonal second moment) into the slab sums of component j,
// centring as it goes. (A full second moment takes its first moments from
// second_row().)
template <int W, int C>
GMM_INLINE void first_moments(const double* w, const double* const* col,
                              const double* shift, Index rows_p, Index c, Index j,
                              Index d, SlabSums& s) {
  V<W> a1[C], a2[C];
  GMM_UNROLL
  for (int u = 0; u < C; ++u) a1[u] = a2[u] = V<W>{};
  for (Index i = 0; i < rows_p; i += W) {
    V<W> wi;
    simd::load(wi, w + i);
    GMM_UNROLL
    for (int u = 0; u < C; ++u) {
      V<W> yi;
      simd::load(yi, col[c + u] + i);
      yi -= shift[c + u];
      const V<W> wy = wi * yi;
      a1[u] += wy;
      a2[u] += wy * yi;
    }
  }
  GMM_UNROLL
  for (int u = 0; u < C; ++u) {
    s.first[j * d + c + u] += simd::hsum<W>(a1[u]);
    s.second[j * d + c + u] += simd::hsum<W>(a2[u]);
  }
}

// Adds the block's statistics about `shift` to the slab sums. resp holds
// the posteriors (zero on padding rows).
template <int W>
GMM_INLINE void accumulate(const BlockJob& job, const double* const* col,
                           Index rows_p, Index ahead, Scratch& sc) {
  const Index d = job.model->d, k = job.sums->count.size();
  const Index dd = job.full_second ? d * d : d;
  SlabSums& s = *job.sums;
  // The E-step of this block left it centred on each component's mean, and
  // the shifts are those means: nothing to centre again.
  const bool centred = job.estep && job.full_second && sc.y_parts > 1 &&
                       !job.model->diagonal && job.shift == job.model->mu.data();
  for (Index j = 0; j < k; ++j) {
    const double* w = &sc.resp[j * rows_p];
    const double* shift = job.shift + j * d;
    double* y = sc.y.data() + (centred ? j * d * rows_p : 0);
    // The full second moment reads each centred column many times, so it
    // gets a centred copy; the diagonal one centres as it goes.
    if (job.full_second && !centred) centre<W>(col, shift, d, rows_p, y, j == 0 ? ahead : 0);
    else if (!job.full_second && j == 0 && ahead > 0) prefetch_ahead(col, d, rows_p, ahead);
    V<W> nw = V<W>{};
    for (Index i = 0; i < rows_p; i += W) {
      V<W> v;
      simd::load(v, w + i);
      nw += v;
    }
    s.count[j] += simd::hsum<W>(nw);
    if (job.full_second) {
      for (Index a = 0; a < d; ++a)
        second_row<W>(w, y, rows_p, a, &s.second[j * dd + a * d], &s.first[j * d + a]);
      continue;
    }
    // Four columns at a time: independent sums hide the FMA latency.
    Index c = 0;
    for (; c + 4 <= d; c += 4)
      first_moments<W, 4>(w, col, shift, rows_p, c, j, d, s);
    for (; c < d; ++c)
      first_moments<W, 1>(w, col, shift, rows_p, c, j, d, s);
  }
}

// The whole job for one block of `rows` rows, rows_p of them once padded
// to whole vectors.
template <int W>
GMM_INLINE void process_rows(const BlockJob& job, Scratch& sc, Index rows, Index rows_p) {
  const Index d = job.model->d, k = job.model->k;
  const double** col = sc.col.data();
  if (rows_p == rows) {
    for (Index c = 0; c < d; ++c) col[c] = job.x + c * job.ldx;
  } else {
    for (Index c = 0; c < d; ++c) {
      double* dst = &sc.xpad[c * rows_p];
      std::memcpy(dst, job.x + c * job.ldx, rows * sizeof(double));
      std::fill(dst + rows, dst + rows_p, 0.0);
      col[c] = dst;
    }
  }
  // The next block follows each column of this one (none after a short one).
  const Index ahead = rows_p == rows ? rows : 0;
  double* resp = sc.resp.data();
  if (job.estep) {
    log_joint<W>(*job.model, col, rows_p, ahead, sc);
    bool bad = false;
    double entropy = 0.0;
    double* ld = job.logdens ? job.logdens + job.start : nullptr;
    const double* cw = nullptr;
    if (job.case_w) {
      std::memcpy(sc.w.data(), job.case_w + job.start, rows * sizeof(double));
      std::fill(sc.w.data() + rows, sc.w.data() + rows_p, 0.0);
      cw = sc.w.data();
    }
    const double ll = normalise<W>(k, rows, rows_p, resp, ld, bad, entropy, cw);
    if (job.sums) {
      job.sums->loglik += ll;
      job.sums->entropy += entropy;
      job.sums->bad = job.sums->bad || bad;
    }
    if (job.post)
      for (Index j = 0; j < k; ++j)
        std::memcpy(job.post + j * job.ldp + job.start, resp + j * rows_p,
                    rows * sizeof(double));
  } else {
    for (Index j = 0; j < k; ++j)
      std::memcpy(resp + j * rows_p, job.post_in + j * job.ldp + job.start,
                  rows * sizeof(double));
  }
  if (!job.sums || !job.shift) return;
  for (Index j = 0; j < k; ++j)
    for (Index i = rows; i < rows_p; ++i) resp[j * rows_p + i] = 0.0;
  if (job.case_w) {
    // Each row's posteriors count as many times as its weight; a row of
    // weight zero (whose posteriors may be NaN) not at all.
    const double* cw = job.case_w + job.start;
    for (Index j = 0; j < k; ++j)
      for (Index i = 0; i < rows; ++i)
        resp[j * rows_p + i] = cw[i] == 0.0 ? 0.0 : resp[j * rows_p + i] * cw[i];
  }
  accumulate<W>(job, col, rows_p, job.estep ? 0 : ahead, sc);
}

// A full block gets its own copy of the code, where the number of rows (the
// stride between the columns of the scratch blocks) is a constant: the
// compiler then addresses every column from one base register.
template <int W>
GMM_INLINE void process_block(const BlockJob& job, Scratch& sc) {
  const Index rows = job.rows, rows_p = (rows + W - 1) / W * W;
  if (rows == kBlockRows) process_rows<W>(job, sc, kBlockRows, kBlockRows);
  else process_rows<W>(job, sc, rows, rows_p);
}

}  // namespace kern
}  // namespace gmmcore

#endif
