// gmmcore/estep.h
//
// Contract: the E-step. Given data X (n x d) and parameters with Cholesky
// factors, fills `post` (n x k) with posterior probabilities and returns the
// log-likelihood; optionally also each row's log mixture density. Work is done
// in row blocks: each component's centred block is solved against its
// Cholesky factor as one triangular matrix-matrix solve, then a log-sum-exp
// over components per row. Block sums are added in block order, so the result
// does not depend on the number of threads. Memory beyond `post` is
// O(threads x block x (k + d)).
#ifndef GMMCORE_ESTEP_H
#define GMMCORE_ESTEP_H

#include <cmath>
#include <limits>
#include "blocks.h"

namespace gmmcore {

namespace detail {

// Log of w_j N(x_i | mu_j, Sigma_j) for the rows of one block, into `out`
// (rows x k). `work` is scratch of at least d x rows.
template <class XBlock>
void block_log_joint(const XBlock& xb, const Params& p, CovType type,
                     Matrix& work, Matrix& out) {
  const Index rows = xb.rows(), d = p.d(), k = p.k();
  const double log_2pi = std::log(2.0 * M_PI);
  for (Index j = 0; j < k; ++j) {
    auto z = work.leftCols(rows);
    z.noalias() = (xb.rowwise() - p.means.row(j)).transpose();
    if (is_diagonal(type)) {
      Vector inv_sd = p.chol[j].diagonal().cwiseInverse();
      z.array().colwise() *= inv_sd.array();
    } else {
      p.chol[j].triangularView<Eigen::Lower>().solveInPlace(z);
    }
    const double c = std::log(p.weights(j)) -
                     0.5 * (static_cast<double>(d) * log_2pi + p.log_det(j));
    out.col(j).head(rows) =
        (c - 0.5 * z.colwise().squaredNorm().array()).transpose();
  }
}

}  // namespace detail

// Returns the log-likelihood. `row_logdens`, when not null, receives each
// row's log mixture density (length n). A row whose density underflows to
// zero under every component is an error during a fit; otherwise (`strict`
// false, as for new data far from every component) its log density is -Inf
// and its posterior NaN.
inline double e_step(const Eigen::Ref<const Matrix>& X, const Params& p,
                     CovType type, int n_threads, Matrix& post,
                     Vector* row_logdens = nullptr, bool strict = true) {
  const Index n = X.rows(), d = X.cols(), k = p.k();
  const Blocks blocks(n);
  post.resize(n, k);
  if (row_logdens) row_logdens->resize(n);
  std::vector<double> block_ll(blocks.n_blocks, 0.0);
  bool bad = false;

#ifdef _OPENMP
#pragma omp parallel num_threads(effective_threads(n_threads, blocks.n_blocks))
#endif
  {
    Matrix work(d, kBlockRows), lj(kBlockRows, k);
#ifdef _OPENMP
#pragma omp for schedule(static) reduction(|| : bad)
#endif
    for (Index b = 0; b < blocks.n_blocks; ++b) {
      const Index start = blocks.block_start(b), rows = blocks.block_size(b);
      detail::block_log_joint(X.middleRows(start, rows), p, type, work, lj);
      double sum = 0.0;
      for (Index i = 0; i < rows; ++i) {
        const double m = lj.row(i).maxCoeff();
        const double s = (lj.row(i).array() - m).exp().sum();
        double lse = m + std::log(s);
        if (!std::isfinite(lse)) {
          bad = true;
          lse = -std::numeric_limits<double>::infinity();
          post.row(start + i).setConstant(std::numeric_limits<double>::quiet_NaN());
        } else {
          post.row(start + i) = (lj.row(i).array() - lse).exp();
        }
        if (row_logdens) (*row_logdens)(start + i) = lse;
        sum += lse;
      }
      block_ll[b] = sum;
    }
  }
  if (bad && strict)
    throw numerical_error(
        "the log-likelihood is not finite: some observation has zero density "
        "under every component",
        0);
  double ll = 0.0;
  for (double s : block_ll) ll += s;
  return ll;
}

}  // namespace gmmcore

#endif
