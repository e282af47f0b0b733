// gmmcore/mstep.h
//
// Contract: the M-step, in two parts.
//  1. scatter_pass(): the data pass, shared by every covariance structure.
//     From X (n x d) and responsibilities R (n x k) it yields, per component,
//     the count n_j, the mean mu_j and the centred scatter matrix
//     W_j = sum_i r_ij (x_i - mu_j)(x_i - mu_j)^T (only its diagonal when the
//     structure needs no more). Means and scatters come from two passes, never
//     from E[x^2] - mu^2. Partial sums are per slab and reduced in slab order.
//  2. structure_step(): from (n_j, W_j) to the covariances of one structure,
//     plus `reg` on the diagonal, then the Cholesky factors. A new structure
//     is a new case here and nothing else.
#ifndef GMMCORE_MSTEP_H
#define GMMCORE_MSTEP_H

#include <cmath>
#include <sstream>
#include "blocks.h"

namespace gmmcore {

struct Scatter {
  Vector n_k;              // k
  Matrix means;            // k x d
  std::vector<Matrix> W;   // k, d x d (lower triangle and diagonal filled)
  bool full = true;        // false: only the diagonals of W are meaningful
};

inline Scatter scatter_pass(const Eigen::Ref<const Matrix>& X,
                            const Eigen::Ref<const Matrix>& R, bool full,
                            int n_threads) {
  const Index d = X.cols(), k = R.cols();
  const Blocks blocks(X.rows());
  const Index S = blocks.n_slabs;
  std::vector<Vector> nk_s(S, Vector::Zero(k));
  std::vector<Matrix> sum_s(S, Matrix::Zero(k, d));

#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(effective_threads(n_threads, S))
#endif
  for (Index s = 0; s < S; ++s) {
    for (Index b = blocks.slab_first_block(s); b < blocks.slab_end_block(s); ++b) {
      const Index start = blocks.block_start(b), rows = blocks.block_size(b);
      auto rb = R.middleRows(start, rows);
      nk_s[s] += rb.colwise().sum().transpose();
      sum_s[s].noalias() += rb.transpose() * X.middleRows(start, rows);
    }
  }

  Scatter out;
  out.full = full;
  out.n_k = Vector::Zero(k);
  Matrix sums = Matrix::Zero(k, d);
  for (Index s = 0; s < S; ++s) {
    out.n_k += nk_s[s];
    sums += sum_s[s];
  }
  for (Index j = 0; j < k; ++j) {
    if (!(out.n_k(j) > 0.0)) {
      std::ostringstream msg;
      msg << "component " << j + 1
          << " has no observations left (its weight fell to zero); try fewer"
             " components or another start";
      throw numerical_error(msg.str(), static_cast<int>(j + 1));
    }
  }
  out.means = sums.array().colwise() / out.n_k.array();

  std::vector<std::vector<Matrix>> W_s(S, std::vector<Matrix>(k, Matrix::Zero(d, d)));
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(effective_threads(n_threads, S))
#endif
  for (Index s = 0; s < S; ++s) {
    Matrix y(kBlockRows, d);
    for (Index b = blocks.slab_first_block(s); b < blocks.slab_end_block(s); ++b) {
      const Index start = blocks.block_start(b), rows = blocks.block_size(b);
      auto xb = X.middleRows(start, rows);
      for (Index j = 0; j < k; ++j) {
        auto yb = y.topRows(rows);
        yb = (xb.rowwise() - out.means.row(j)).array().colwise() *
             R.col(j).segment(start, rows).array().sqrt();
        if (full) {
          W_s[s][j].selfadjointView<Eigen::Lower>().rankUpdate(yb.transpose());
        } else {
          W_s[s][j].diagonal() += yb.colwise().squaredNorm().transpose();
        }
      }
    }
  }
  out.W.assign(k, Matrix::Zero(d, d));
  for (Index s = 0; s < S; ++s)
    for (Index j = 0; j < k; ++j) out.W[j] += W_s[s][j];
  return out;
}

// Cholesky factor and log-determinant of every covariance in `p`.
inline void factorize(Params& p) {
  const Index k = p.k();
  p.chol.resize(k);
  p.log_det.resize(k);
  for (Index j = 0; j < k; ++j) {
    Eigen::LLT<Matrix> llt(p.cov[j]);
    const Matrix L = llt.matrixL();
    const bool ok = llt.info() == Eigen::Success && L.allFinite() &&
                    (L.diagonal().array() > 0.0).all();
    if (!ok) {
      std::ostringstream msg;
      msg << "the covariance of component " << j + 1
          << " is not positive definite (the component has collapsed onto too"
             " few points); try a larger `reg` or fewer components";
      throw numerical_error(msg.str(), static_cast<int>(j + 1));
    }
    p.chol[j] = L;
    p.log_det(j) = 2.0 * L.diagonal().array().log().sum();
  }
}

inline Params structure_step(const Scatter& sc, CovType type, double reg) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  const double n = sc.n_k.sum();
  Params p;
  p.weights = sc.n_k / n;
  p.means = sc.means;
  p.cov.assign(k, Matrix::Zero(d, d));
  Matrix I = Matrix::Identity(d, d);
  switch (type) {
    case CovType::Full:
      for (Index j = 0; j < k; ++j) {
        Matrix c = sc.W[j].selfadjointView<Eigen::Lower>();
        p.cov[j] = c / sc.n_k(j) + reg * I;
      }
      break;
    case CovType::Tied: {
      Matrix pooled = Matrix::Zero(d, d);
      for (Index j = 0; j < k; ++j) pooled += sc.W[j];
      Matrix c = pooled.selfadjointView<Eigen::Lower>();
      c = c / n + reg * I;
      for (Index j = 0; j < k; ++j) p.cov[j] = c;
      break;
    }
    case CovType::Diag:
      for (Index j = 0; j < k; ++j)
        p.cov[j].diagonal() =
            sc.W[j].diagonal().array() / sc.n_k(j) + reg;
      break;
    case CovType::Spherical:
      for (Index j = 0; j < k; ++j) {
        const double v = sc.W[j].diagonal().sum() / (sc.n_k(j) * d) + reg;
        p.cov[j].diagonal().setConstant(v);
      }
      break;
  }
  factorize(p);
  return p;
}

inline Params m_step(const Eigen::Ref<const Matrix>& X,
                     const Eigen::Ref<const Matrix>& R, CovType type,
                     double reg, int n_threads) {
  return structure_step(scatter_pass(X, R, !is_diagonal(type), n_threads),
                        type, reg);
}

}  // namespace gmmcore

#endif
