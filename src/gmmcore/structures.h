// gmmcore/structures.h
//
// Contract: the covariance models, one row each of the table model()
// returns, indexed by CovType: mclust's name, the properties the rest of
// the engine reads (diagonal, spherical, shared by all components) and the
// function that turns the scatter of the data into the covariances of that
// model. A new model is a new function and a new row here; the data passes,
// the factorisation and the EM loop read only the properties.
//
// A covariance function gets the scatter (n_j, mu_j, W_j), the previous
// parameters (nullptr when there are none; the iterative models start from
// them) and the settings, and fills p.cov (k matrices, d x d, `reg` on the
// diagonal; a spherical model gets the mean of `reg`, so that it stays
// spherical). Weights, means and Cholesky factors are done by the caller
// (mstep.h).
#ifndef GMMCORE_STRUCTURES_H
#define GMMCORE_STRUCTURES_H

#include "types.h"

namespace gmmcore {

struct StepSettings {
  const Vector* reg = nullptr;  // d values added to the covariance diagonals
};

namespace structures {

// The lower triangle of `m` copied onto its upper one.
inline void fill_upper(Matrix& m) {
  for (Index c = 1; c < m.cols(); ++c)
    for (Index r = 0; r < c; ++r) m(r, c) = m(c, r);
}

// VVV: each component its own unrestricted covariance, W_j / n_j.
inline void full(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  for (Index j = 0; j < sc.n_k.size(); ++j) {
    p.cov[j] = sc.W[j];
    fill_upper(p.cov[j]);
    p.cov[j] /= sc.n_k(j);
    p.cov[j].diagonal() += *s.reg;
  }
}

// EEE: one unrestricted covariance for all, sum_j W_j / n.
inline void tied(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  Matrix& pooled = p.cov[0];
  pooled.setZero(d, d);
  for (Index j = 0; j < k; ++j) pooled += sc.W[j];
  fill_upper(pooled);
  pooled /= sc.n_k.sum();
  pooled.diagonal() += *s.reg;
  for (Index j = 1; j < k; ++j) p.cov[j] = pooled;
}

// VVI: each component its own diagonal covariance, diag(W_j) / n_j.
inline void diag(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index d = sc.means.cols();
  for (Index j = 0; j < sc.n_k.size(); ++j) {
    p.cov[j].setZero(d, d);
    p.cov[j].diagonal() = sc.W[j].diagonal().array() / sc.n_k(j) + s.reg->array();
  }
}

// VII: each component its own variance, the same in every direction,
// tr(W_j) / (n_j d).
inline void spherical(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index d = sc.means.cols();
  for (Index j = 0; j < sc.n_k.size(); ++j) {
    const double v = sc.W[j].diagonal().sum() / (sc.n_k(j) * d) + s.reg->mean();
    p.cov[j].setZero(d, d);
    p.cov[j].diagonal().setConstant(v);
  }
}

}  // namespace structures

struct Model {
  const char* name;  // mclust's name
  bool diagonal;     // every covariance is diagonal (orientation I)
  bool spherical;    // every covariance is a multiple of the identity (shape I)
  bool shared;       // all components have one covariance
  void (*covariances)(const Scatter&, const StepSettings&, const Params*, Params&);
};

constexpr int kModels = 4;

inline const Model& model(CovType type) {
  static const Model table[kModels] = {
      {"VVV", false, false, false, structures::full},       // CovType::Full
      {"EEE", false, false, true, structures::tied},        // CovType::Tied
      {"VVI", true, false, false, structures::diag},        // CovType::Diag
      {"VII", true, true, false, structures::spherical},    // CovType::Spherical
  };
  return table[static_cast<int>(type)];
}

inline bool is_diagonal(CovType t) { return model(t).diagonal; }

// Whether the data passes need full d x d second moments and precision
// factors; with one variable every structure is diagonal, and the cheaper
// diagonal kernels give the same numbers.
inline bool needs_full(CovType t, Index d) { return !is_diagonal(t) && d > 1; }

}  // namespace gmmcore

#endif
