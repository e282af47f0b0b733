// gmmcore/mstep.h
//
// Contract: the M-step, in two parts.
//  1. The data part yields, per component, the count n_j, the mean mu_j and
//     the centred scatter matrix W_j = sum_i r_ij (x_i - mu_j)(x_i - mu_j)^T
//     (only its diagonal when the structure needs no more). The pass sums
//     moments about a shift c_j close to mu_j (in EM, the current mean):
//     with s_j = sum_i r_ij (x_i - c_j) and M_j the second moment about c_j,
//     mu_j = c_j + s_j / n_j and W_j = M_j - s_j s_j^T / n_j. That is exact
//     algebra; in floating point it loses about log10(M / W) digits, so when
//     a diagonal of M_j exceeds kShiftLimit times that of W_j (a mean that
//     moved far, as in the first iterations from a poor start) or is not
//     positive, the moments are summed again about mu_j itself, the
//     two-pass formula. Nothing is ever computed as E[x^2] - mu^2 about the
//     origin.
//  2. structure_step(): from (n_j, W_j) to the weights, the means and the
//     covariances of one model (the model's function in structures.h, with
//     `reg`, one value per variable, on the diagonal, and with a prior the
//     MAP estimates of prior.h), then the Cholesky factors.
#ifndef GMMCORE_MSTEP_H
#define GMMCORE_MSTEP_H

#include <cmath>
#include <sstream>
#include "incomplete.h"
#include "pass.h"
#include "prior.h"
#include "structures.h"

namespace gmmcore {

// Largest ratio of a second moment about the shift to the centred one that
// is accepted (at most about 4 of the 16 digits lost).
constexpr double kShiftLimit = 1e4;

// Below this size Eigen's LLT factorises without blocks (LLT.h), the loop
// detail::cholesky() writes out.
constexpr Index kSmallFactor = 32;

inline void check_counts(const std::vector<double>& count) {
  for (std::size_t j = 0; j < count.size(); ++j) {
    if (!(count[j] > 0.0)) {
      std::ostringstream msg;
      msg << "component " << j + 1
          << " has no observations left (its weight fell to zero); try fewer"
             " components or another start";
      throw numerical_error(msg.str(), static_cast<int>(j + 1));
    }
  }
}

// Means and centred scatters from the sums of a pass about `shift` (k x d,
// component-major), into `out` (its storage reused). With `about_means` the
// shift is taken to be the means themselves (the second pass of the
// two-pass formula): W_j = M_j, with no correction that could turn a zero
// variance negative by rounding.
inline void scatter_from_sums(const SlabSums& s, const double* shift, Index d,
                              bool full, Scatter& out, bool about_means = false) {
  const Index k = s.count.size();
  check_counts(s.count);
  out.full = full;
  out.inexact = false;
  out.n_k.resize(k);
  out.means.resize(k, d);
  out.W.resize(k);
  for (Index j = 0; j < k; ++j) {
    const double nj = s.count[j];
    // The row of the means holds the mean's offset from the shift until
    // the shift is added at the end.
    auto delta = out.means.row(j);
    for (Index c = 0; c < d; ++c) delta(c) = about_means ? 0.0 : s.first[j * d + c] / nj;
    // Entries never written (above the diagonal; off it, when not full)
    // stay zero from the first use of the storage.
    Matrix& W = out.W[j];
    if (W.rows() != d || W.cols() != d) W.setZero(d, d);
    out.n_k(j) = nj;
    for (Index a = 0; a < d; ++a) {
      const double m_aa = full ? s.second[j * d * d + a * d + a] : s.second[j * d + a];
      const Index b_end = full ? a + 1 : 0;
      for (Index b = 0; b < b_end; ++b)
        W(a, b) = s.second[j * d * d + a * d + b] - nj * delta(a) * delta(b);
      if (!full) W(a, a) = m_aa - nj * delta(a) * delta(a);
      if (!about_means && (m_aa > kShiftLimit * W(a, a) || !(W(a, a) > 0.0)))
        out.inexact = true;
    }
    for (Index c = 0; c < d; ++c) delta(c) += shift[j * d + c];
  }
}

inline Scatter scatter_from_sums(const SlabSums& s, const double* shift, Index d,
                                 bool full, bool about_means = false) {
  Scatter out;
  scatter_from_sums(s, shift, d, full, out, about_means);
  return out;
}

// What the M-step's passes keep from call to call (an EM run keeps one):
// on small data, allocating it anew would cost more than the arithmetic.
struct MomentsWork {
  KernelModel model;            // only its shape: these passes compute no E-step
  std::vector<double> shift;    // centres, component-major
  SlabSums sums;
  std::vector<SlabSums> slabs;
};

// The moments about `centres` (k x d) summed from posteriors `post`
// (n x k, column-major), and the scatter they give, into `out`; `centres`
// may be out.means, which is read before it is overwritten. The incomplete
// rows of `data`, if any, are completed under `cond`, the factors of the
// parameters whose E-step gave `post`.
inline void moments_about(const Data& data, const double* post, const Matrix& centres,
                          bool full, int n_threads, Isa isa, Scatter& out, MomentsWork& work,
                          CondModel* cond = nullptr) {
  work.model.d = data.cols();
  work.model.k = centres.rows();
  component_major(centres, work.shift);
  PassSpec spec;
  spec.estep = false;
  spec.post_in = post;
  spec.shift = work.shift.data();
  spec.full_second = full;
  spec.n_threads = n_threads;
  spec.isa = isa;
  CondModel none;
  view_pass(data, nullptr, work.model, spec, cond ? *cond : none, work.sums, work.slabs);
  scatter_from_sums(work.sums, work.shift.data(), data.cols(), full, out,
                    /*about_means=*/true);
}

inline Scatter moments_about(const Eigen::Ref<const Matrix>& X,
                             const double* post, const Matrix& centres,
                             bool full, int n_threads, Isa isa) {
  Scatter out;
  MomentsWork work;
  moments_about(Data(X), post, centres, full, n_threads, isa, out, work);
  return out;
}

namespace detail {

// Adds the weight sums and weighted row sums of the blocks of slab s.
inline void mean_sums(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& R,
                      const Blocks& blocks, Index s, Vector& nk, Matrix& sum) {
  for (Index b = blocks.slab_first_block(s); b < blocks.slab_end_block(s); ++b) {
    const Index start = blocks.block_start(b), rows = blocks.block_size(b);
    auto rb = R.middleRows(start, rows);
    nk += rb.colwise().sum().transpose();
    sum.noalias() += rb.transpose() * X.middleRows(start, rows);
  }
}

}  // namespace detail

// The data part from given responsibilities R (n x k): the means first
// (a cheap k x d product per block), then the moments about them.
inline void scatter_pass(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& R,
                         bool full, int n_threads, Isa isa, Scatter& out, MomentsWork& work) {
  const Index d = X.cols(), k = R.cols();
  const Blocks blocks(X.rows());
  const Index S = blocks.n_slabs;
  std::vector<Vector> nk_s(S, Vector::Zero(k));
  std::vector<Matrix> sum_s(S, Matrix::Zero(k, d));
  const int threads = effective_threads(n_threads, S, pass_work(X.rows(), k, d, false));
  if (threads == 1) {
    // As in data_pass: no parallel region for work one thread does.
    for (Index s = 0; s < S; ++s) detail::mean_sums(X, R, blocks, s, nk_s[s], sum_s[s]);
  } else {
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(threads)
#endif
    for (Index s = 0; s < S; ++s) detail::mean_sums(X, R, blocks, s, nk_s[s], sum_s[s]);
  }
  Vector n_k = Vector::Zero(k);
  Matrix sums = Matrix::Zero(k, d);
  for (Index s = 0; s < S; ++s) {
    n_k += nk_s[s];
    sums += sum_s[s];
  }
  check_counts(std::vector<double>(n_k.data(), n_k.data() + k));
  const Matrix centres = sums.array().colwise() / n_k.array();
  moments_about(Data(X), R.data(), centres, full, n_threads, isa, out, work);
}

inline Scatter scatter_pass(const Eigen::Ref<const Matrix>& X,
                            const Eigen::Ref<const Matrix>& R, bool full,
                            int n_threads, Isa isa = Isa::Auto) {
  Scatter out;
  MomentsWork work;
  scatter_pass(X, R, full, n_threads, isa, out, work);
  return out;
}

namespace detail {

[[noreturn]] inline void not_positive_definite(Index j) {
  std::ostringstream msg;
  msg << "the covariance of component " << j + 1
      << " is not positive definite (its points leave no spread in some"
         " direction: too few of them for the variables, tied values or"
         " collinear columns); try a larger `reg`, fewer components or"
         " fewer columns";
  throw numerical_error(msg.str(), static_cast<int>(j + 1));
}

// The lower Cholesky factor of `cov` (of component j, for the message) into
// `L`, computed in place in L's storage, its upper triangle zeroed. A
// diagonal `cov` gets the square roots of its diagonal: the numbers LLT
// computes for it, without the loops.
inline void cholesky(const Matrix& cov, bool diagonal, Index j, Matrix& L) {
  const Index d = cov.rows();
  if (diagonal) {
    L.setZero(d, d);
    L.diagonal() = cov.diagonal().cwiseSqrt();
  } else if (d < kSmallFactor) {
    // Below Eigen's block size LLT runs this unblocked loop, column by
    // column; written out it gives the same numbers without the work of
    // setting up the expressions (on small data a large share of an EM
    // iteration) or the norm LLT keeps for condition estimates.
    L.resize(d, d);
    for (Index c = 0; c < d; ++c) {
      double x = cov(c, c);
      if (c > 0) {
        double s = L(c, 0) * L(c, 0);
        for (Index b = 1; b < c; ++b) s += L(c, b) * L(c, b);
        x -= s;
      }
      if (x <= 0.0) not_positive_definite(j);
      L(c, c) = x = std::sqrt(x);
      for (Index r = c + 1; r < d; ++r) {
        double v = cov(r, c);
        if (c > 0) {
          double s = L(r, 0) * L(c, 0);
          for (Index b = 1; b < c; ++b) s += L(r, b) * L(c, b);
          v -= s;
        }
        L(r, c) = v / x;
        L(c, r) = 0.0;
      }
    }
  } else {
    L = cov;
    Eigen::LLT<Eigen::Ref<Matrix>> llt(L);
    if (llt.info() != Eigen::Success) not_positive_definite(j);
    L.triangularView<Eigen::StrictlyUpper>().setZero();
  }
  if (!L.allFinite() || !(L.diagonal().array() > 0.0).all()) not_positive_definite(j);
}

}  // namespace detail

// Cholesky factor and log-determinant of every covariance in `p`, which
// are of structure `type` as structure_step makes them: diagonal ones are
// factorised as such, and tied components, which share one covariance,
// share its factor.
inline void factorize(Params& p, CovType type) {
  const Index k = p.k();
  const bool shared = model(type).shared;
  p.chol.resize(k);
  p.log_det.resize(k);
  for (Index j = 0; j < k; ++j) {
    if (shared && j > 0) {
      p.chol[j] = p.chol[0];
      p.log_det(j) = p.log_det(0);
      continue;
    }
    detail::cholesky(p.cov[j], is_diagonal(type), j, p.chol[j]);
    p.log_det(j) = 2.0 * p.chol[j].diagonal().array().log().sum();
  }
}

// The same for any covariances.
inline void factorize(Params& p) { factorize(p, CovType::Full); }

// The weights, means and covariances of model `type`, and their Cholesky
// factors, into `p` (its storage reused).
// `previous`, when given, holds the parameters the iterative models start
// from (not `p` itself); with `equal_weights` the weights are 1/k; with an
// active `prior`, the means and covariances are MAP estimates (prior.h).
// With `rounds`, an iterative model writes there how many inner rounds it ran.
inline void structure_step(const Scatter& sc, CovType type, const Vector& reg,
                           Params& p, const Params* previous = nullptr,
                           bool equal_weights = false, const Prior* prior = nullptr,
                           int* rounds = nullptr) {
  if (equal_weights)
    p.weights = Vector::Constant(sc.n_k.size(), 1.0 / static_cast<double>(sc.n_k.size()));
  else
    p.weights = sc.n_k / sc.n_k.sum();
  p.cov.resize(sc.n_k.size());
  StepSettings settings;
  settings.reg = &reg;
  settings.rounds = rounds;
  if (prior != nullptr && prior->active()) {
    Scatter map;
    apply_prior(sc, type, *prior, map);
    p.means = map.means;
    model(type).covariances(map, settings, previous, p);
  } else {
    p.means = sc.means;
    model(type).covariances(sc, settings, previous, p);
  }
  factorize(p, type);
}

inline Params structure_step(const Scatter& sc, CovType type, const Vector& reg,
                             bool equal_weights = false, const Prior* prior = nullptr) {
  Params p;
  structure_step(sc, type, reg, p, nullptr, equal_weights, prior);
  return p;
}

inline Params m_step(const Eigen::Ref<const Matrix>& X,
                     const Eigen::Ref<const Matrix>& R, CovType type,
                     const Vector& reg, int n_threads, Isa isa = Isa::Auto,
                     bool equal_weights = false, const Prior* prior = nullptr) {
  return structure_step(scatter_pass(X, R, needs_full(type, X.cols()), n_threads, isa),
                        type, reg, equal_weights, prior);
}

}  // namespace gmmcore

#endif
