// gmmcore/incomplete.h
//
// Contract: the data a pass reads (a view: the rows, their case weights,
// the rows with missing values), and EM on the rows with missing values
// (Ghahramani and Jordan 1994), grouped by missingness pattern so that each
// pattern's marginal factors are computed once per pass. For a pattern with
// observed columns o and missing columns m, component j has
//  - the marginal density of the observed part, N(x_o | mu_o, S_oo), from
//    the Cholesky factor of S_oo;
//  - the regression of the missing part on the observed part,
//    B = S_mo S_oo^-1, and its residual covariance C = S_mm - B S_om.
// The E-step gives each row's posteriors from its observed part; the
// M-step's statistics are those of the completed rows, x_m replaced by its
// conditional mean mu_m + B (x_o - mu_o), plus C for each unit of
// posterior weight in the second moment. With D the observed parts less
// mu_o and A the d x q matrix with the identity in rows o and B in rows m,
// the completed rows less a shift s are D A^T + e (e = mu - s), so a
// pattern's sums need only D^T r and D^T diag(r) D (q x q), whatever d is.
// Those, the posteriors and the log densities are what the block kernel
// (kernels.h) computes for the q observed variables under their marginal
// model, so each pattern's rows are one pass of the kernel over a copy of
// their observed values, made once per fit.
// The incomplete rows come after the complete ones, grouped by pattern (the
// caller sorts them); their sums are added after those of the complete
// rows, in a fixed order of groups of patterns, so that the result does not
// depend on the number of threads. Data without missing values never come
// here.
#ifndef GMMCORE_INCOMPLETE_H
#define GMMCORE_INCOMPLETE_H

#include <cmath>
#include <limits>
#include <stdexcept>
#include "pass.h"

namespace gmmcore {

struct Pattern {
  std::vector<Index> obs, mis;  // observed and missing columns
  Index start = 0, rows = 0;    // rows [start, start + rows) of the data
  Matrix x;                     // rows x obs.size(): the observed values
};

struct Incomplete {
  Index n_complete = 0;         // rows before the first incomplete one
  std::vector<Pattern> patterns;
  // Consecutive patterns summed together, in this order (group g: patterns
  // [group_start[g], group_start[g + 1])).
  std::vector<Index> group_start;
  Index n_groups() const { return static_cast<Index>(group_start.size()) - 1; }
};

// The incomplete rows of X (NaN where missing): rows [n_complete, n), each
// run of rows with the same missing columns one pattern. The rows before
// must be complete, and every row needs an observed value.
inline Incomplete make_incomplete(const Eigen::Ref<const Matrix>& X, Index n_complete) {
  const Index n = X.rows(), d = X.cols();
  Incomplete inc;
  inc.n_complete = n_complete;
  for (Index i = 0; i < n_complete; ++i)
    for (Index c = 0; c < d; ++c)
      if (std::isnan(X(i, c))) throw std::invalid_argument("a row before the incomplete ones has a missing value");
  Index i = n_complete;
  while (i < n) {
    Pattern p;
    for (Index c = 0; c < d; ++c) (std::isnan(X(i, c)) ? p.mis : p.obs).push_back(c);
    if (p.obs.empty()) throw std::invalid_argument("a row has no observed value");
    if (p.mis.empty()) throw std::invalid_argument("an incomplete row has no missing value");
    Index end = i + 1;
    for (; end < n; ++end) {
      bool same = true;
      for (Index c = 0; c < d && same; ++c)
        same = std::isnan(X(end, c)) == std::isnan(X(i, c));
      if (!same) break;
    }
    p.start = i;
    p.rows = end - i;
    p.x.resize(p.rows, static_cast<Index>(p.obs.size()));
    for (Index a = 0; a < static_cast<Index>(p.obs.size()); ++a)
      p.x.col(a) = X.col(p.obs[a]).segment(i, p.rows);
    inc.patterns.push_back(std::move(p));
    i = end;
  }
  // Groups of about kBlockRows * 4 rows or more: enough work each to be
  // worth a thread, few enough sums to add.
  inc.group_start.push_back(0);
  Index rows = 0;
  for (Index q = 0; q < static_cast<Index>(inc.patterns.size()); ++q) {
    rows += inc.patterns[q].rows;
    if (rows >= 4 * kBlockRows || q + 1 == static_cast<Index>(inc.patterns.size())) {
      inc.group_start.push_back(q + 1);
      rows = 0;
    }
  }
  return inc;
}

// The data of a pass: X (n x d, column-major, any outer stride) whose first
// complete_rows() rows are complete and the rest, if `incomplete` is set,
// the incomplete rows it describes; `case_w` the row weights (n) or null.
struct Data {
  Eigen::Ref<const Matrix> X;
  const double* case_w = nullptr;
  const Incomplete* incomplete = nullptr;

  explicit Data(const Eigen::Ref<const Matrix>& x, const double* w = nullptr,
                const Incomplete* inc = nullptr)
      : X(x), case_w(w), incomplete(inc) {}
  Index rows() const { return X.rows(); }
  Index cols() const { return X.cols(); }
  Index complete_rows() const { return incomplete ? incomplete->n_complete : X.rows(); }
  // The complete rows, which the kernels read.
  Eigen::Ref<const Matrix> complete() const { return X.topRows(complete_rows()); }
};

// One component's regression of the missing part of a pattern on the
// observed part.
struct CondFactor {
  Matrix B;      // m x q, S_mo S_oo^-1
  Matrix C;      // m x m, S_mm - B S_om
};

// Every pattern's factors under one set of parameters: for pattern p, the
// marginal model of its observed variables as the kernels read it
// (kernels.h; its means, component-major, are also the shift its sums are
// taken about) and the regressions f[p k + j].
struct CondModel {
  Index k = 0;
  Matrix means;
  std::vector<KernelModel> marginal;
  std::vector<CondFactor> f;
  bool bad = false;  // some S_oo was not positive definite
};

namespace detail {

// Pattern p's marginal model and regressions into m (sized); false when
// some S_oo is not positive definite.
inline bool pattern_factors(const Pattern& pat, Index p, const Matrix& means,
                            const std::vector<Matrix>& cov, const Vector& weights,
                            CondModel& m) {
  const Index k = weights.size();
  const Index q = pat.obs.size(), r = pat.mis.size();
  const double log_2pi = std::log(2.0 * M_PI);
  KernelModel& km = m.marginal[p];
  km.d = q;
  km.k = k;
  km.diagonal = false;
  km.mu.resize(k * q);
  km.prec.resize(k * q * q);
  km.cst.resize(k);
  // Storage kept by each thread from pattern to pattern (allocating it for
  // every pattern and component would cost more than the arithmetic).
  static thread_local Matrix Soo, Bt, L;
  static thread_local Eigen::LLT<Matrix> llt;
  Soo.resize(q, q);
  Bt.resize(q, r);
  for (Index j = 0; j < k; ++j) {
    CondFactor& f = m.f[p * k + j];
    const Matrix& S = cov[j];
    for (Index b = 0; b < q; ++b) {
      km.mu[j * q + b] = means(j, pat.obs[b]);
      for (Index a = 0; a < q; ++a) Soo(a, b) = S(pat.obs[a], pat.obs[b]);
      for (Index a = 0; a < r; ++a) Bt(b, a) = S(pat.obs[b], pat.mis[a]);
    }
    llt.compute(Soo);
    if (llt.info() != Eigen::Success) return false;
    L = llt.matrixL();
    inverse_factor(L, &km.prec[j * q * q]);
    km.cst[j] = std::log(weights(j)) -
                0.5 * (static_cast<double>(q) * log_2pi + 2.0 * L.diagonal().array().log().sum());
    // C = S_mm - S_mo S_oo^-1 S_om, then B = S_mo S_oo^-1 (from S_oo B^T = S_om).
    f.C.resize(r, r);
    for (Index b = 0; b < r; ++b)
      for (Index a = 0; a < r; ++a) f.C(a, b) = S(pat.mis[a], pat.mis[b]);
    f.B.resize(r, q);
    f.B = Bt.transpose();
    llt.solveInPlace(Bt);
    f.C.noalias() -= f.B * Bt;
    f.B = Bt.transpose();
  }
  return true;
}

}  // namespace detail

// Every pattern's factors (on up to n_threads threads: each pattern's are
// its own, so the result does not depend on them).
inline void make_cond_model(const Incomplete& inc, const Matrix& means,
                            const std::vector<Matrix>& cov, const Vector& weights,
                            CondModel& m, int n_threads = 1) {
  const Index k = weights.size(), P = inc.patterns.size();
  m.k = k;
  m.means = means;
  m.marginal.resize(P);
  m.f.resize(P * k);
  std::vector<char> ok(P, 1);
  const Index d = means.cols();
  const int threads = effective_threads(n_threads, P, static_cast<double>(P) * k * d * d * d);
  if (threads == 1) {
    for (Index p = 0; p < P; ++p)
      ok[p] = detail::pattern_factors(inc.patterns[p], p, means, cov, weights, m);
  } else {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
#endif
    for (Index p = 0; p < P; ++p)
      ok[p] = detail::pattern_factors(inc.patterns[p], p, means, cov, weights, m);
  }
  m.bad = false;
  for (char v : ok) m.bad = m.bad || !v;
}

namespace detail {

// Adds pattern p's statistics for component j about `shift` (d) to `s`,
// from the sums over its rows about the component's observed mean: the
// weight nr, t = D^T r and the lower triangle of S = D^T diag(r) D
// (q x q, row-major, as the kernels sum them).
// Storage of add_pattern_moments(), kept from pattern to pattern.
struct MomentScratch {
  Matrix S, AS, BS, M, ASBt;
  Vector e, first, bt;
};

inline void add_pattern_moments(const Pattern& pat, const CondFactor& f, const Matrix& means,
                                Index j, const double* shift, double nr, const double* t_in,
                                const double* s_lower, Index d, bool full, SlabSums& s,
                                MomentScratch& w) {
  const Index q = pat.obs.size(), m = pat.mis.size();
  const Eigen::Map<const Vector> t(t_in, q);
  Matrix& S = w.S;
  S.resize(q, q);
  for (Index a = 0; a < q; ++a)
    for (Index b = 0; b <= a; ++b) S(a, b) = S(b, a) = s_lower[a * q + b];
  Vector& e = w.e;
  e.resize(d);
  for (Index c = 0; c < d; ++c) e(c) = means(j, c) - shift[c];
  // Sum of the completed rows less the shift: A t + nr e.
  Vector& first = w.first;
  first.resize(d);
  for (Index a = 0; a < q; ++a) first(pat.obs[a]) = t(a);
  w.bt.resize(m);
  w.bt.noalias() = f.B * t;
  for (Index a = 0; a < m; ++a) first(pat.mis[a]) = w.bt(a);
  s.count[j] += nr;
  for (Index c = 0; c < d; ++c) s.first[j * d + c] += first(c) + nr * e(c);
  // Second moment: A S A^T + A t e^T + e t^T A^T + nr e e^T + nr C (on m x m).
  Matrix& AS = w.AS;                                        // A S
  AS.resize(d, q);
  for (Index a = 0; a < q; ++a) AS.row(pat.obs[a]) = S.row(a);
  w.BS.resize(m, q);
  w.BS.noalias() = f.B * S;
  for (Index a = 0; a < m; ++a) AS.row(pat.mis[a]) = w.BS.row(a);
  Matrix& M = w.M;                                          // A S A^T
  M.resize(d, d);
  for (Index b = 0; b < q; ++b) M.col(pat.obs[b]) = AS.col(b);
  w.ASBt.resize(d, m);
  w.ASBt.noalias() = AS * f.B.transpose();
  for (Index b = 0; b < m; ++b) M.col(pat.mis[b]) = w.ASBt.col(b);
  for (Index b = 0; b < m; ++b)
    for (Index a = 0; a < m; ++a) M(pat.mis[a], pat.mis[b]) += nr * f.C(a, b);
  const Index dd = full ? d * d : d;
  for (Index a = 0; a < d; ++a) {
    if (!full) {
      s.second[j * dd + a] += M(a, a) + 2.0 * first(a) * e(a) + nr * e(a) * e(a);
      continue;
    }
    for (Index b = 0; b <= a; ++b)
      s.second[j * dd + a * d + b] +=
          M(a, b) + first(a) * e(b) + e(a) * first(b) + nr * e(a) * e(b);
  }
}

// One group of patterns into `s` (reset here). Each pattern's rows go
// through the block kernel with the marginal model of its observed
// variables: with `estep`, the posteriors (into post, leading dimension
// ldp, rows indexed as in the data), log densities, log-likelihood and
// entropy; with `shift`, the sums about the observed means, from those
// posteriors or from post_in, which become the completed rows' statistics
// about the shift.
inline void incomplete_group(const Incomplete& inc, const CondModel& m, Index g, bool estep,
                             double* post, const double* post_in, Index ldp,
                             double* logdens, const double* case_w, const double* shift,
                             Index d, bool full, Isa isa, SlabSums& s) {
  const Index k = m.k;
  const bool moments = shift != nullptr;
  const kern::BlockFn fn = kern::block_fn(isa);
  s.reset(k, d, full, moments);
  SlabSums ps;
  MomentScratch work;
  for (Index p = inc.group_start[g]; p < inc.group_start[g + 1]; ++p) {
    const Pattern& pat = inc.patterns[p];
    const KernelModel& km = m.marginal[p];
    const Index q = km.d;
    ps.reset(k, q, true, moments);
    Scratch& sc = thread_scratch(pat.rows, q, k);
    for (Index b0 = 0; b0 < pat.rows; b0 += kBlockRows) {
      BlockJob job;
      job.start = b0;
      job.rows = std::min(kBlockRows, pat.rows - b0);
      job.x = pat.x.data() + b0;
      job.ldx = pat.rows;
      job.estep = estep;
      job.ldp = ldp;
      job.post = estep && post ? post + pat.start : nullptr;
      job.post_in = estep ? nullptr : post_in + pat.start;
      job.logdens = logdens ? logdens + pat.start : nullptr;
      job.case_w = case_w ? case_w + pat.start : nullptr;
      job.model = &km;
      job.shift = moments ? km.mu.data() : nullptr;
      job.full_second = true;
      job.sums = &ps;
      fn(job, sc);
    }
    // (Only the log-likelihood and entropy: the pattern's moments are of
    // its q observed variables, completed below.)
    s.loglik += ps.loglik;
    s.entropy += ps.entropy;
    s.bad = s.bad || ps.bad;
    if (!moments) continue;
    for (Index j = 0; j < k; ++j)
      add_pattern_moments(pat, m.f[p * k + j], m.means, j, shift + j * d, ps.count[j],
                          &ps.first[j * q], &ps.second[j * q * q], d, full, s, work);
  }
}

}  // namespace detail

// The incomplete rows' part of a pass (the spec as for data_pass; `shift`
// component-major), added to `total` after what it holds; `groups` is
// storage kept from call to call.
inline void incomplete_pass(const Data& data, const CondModel& m, bool estep, double* post,
                            const double* post_in, Index ldp, Vector* logdens,
                            const double* shift, bool full, int n_threads, Isa isa,
                            SlabSums& total, std::vector<SlabSums>& groups) {
  const Incomplete& inc = *data.incomplete;
  const Index G = inc.n_groups(), d = data.cols();
  groups.resize(G);
  double* ld = logdens ? logdens->data() : nullptr;
  const Index rows = data.rows() - inc.n_complete;
  const int threads = effective_threads(n_threads, G, pass_work(rows, m.k, d, true));
  auto one = [&](Index g) {
    detail::incomplete_group(inc, m, g, estep, post, post_in, ldp, ld, data.case_w, shift, d,
                             full, isa, groups[g]);
  };
  for_each_item(G, threads, one);
  for (const SlabSums& s : groups) total.merge(s);
}

// A pass (pass.h) over every row of `data` into `total`: the complete rows
// through the kernels, then the incomplete ones by pattern under `cond`,
// which an E-step (spec.estep) makes here from `p`, and a pass that reads
// posteriors takes as the E-step of those posteriors left it. The leading
// dimension of the posteriors and the case weights come from `data`;
// `scratch` is storage kept from call to call.
inline void view_pass(const Data& data, const Params* p, const KernelModel& model,
                      PassSpec spec, CondModel& cond, SlabSums& total,
                      std::vector<SlabSums>& scratch) {
  spec.ldp = data.rows();
  spec.case_w = data.case_w;
  data_pass(data.complete(), model, spec, total, scratch);
  if (!data.incomplete) return;
  if (spec.estep) {
    make_cond_model(*data.incomplete, p->means, p->cov, p->weights, cond, spec.n_threads);
    if (cond.bad)
      throw numerical_error("a covariance is not positive definite on the observed variables", 0);
  }
  incomplete_pass(data, cond, spec.estep, spec.post, spec.post_in, spec.ldp, spec.logdens,
                  spec.shift, spec.full_second, spec.n_threads, spec.isa, total, scratch);
}

}  // namespace gmmcore

#endif
