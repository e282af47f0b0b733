// gmmcore/prior.h
//
// Contract: the conjugate prior of Fraley and Raftery (2007) in the M-step.
// Every model's MAP M-step is its maximum-likelihood M-step (structures.h)
// applied to a modified scatter: for component j, with x_j the mean of its
// points, n_j their weight and d_j = x_j - mean,
//   the mean       (n_j x_j + shrinkage mean) / (n_j + shrinkage),
//   the scatter    W_j + c_j d_j d_j^T + P,  c_j = shrinkage n_j / (n_j + shrinkage),
//   the count      n_j + delta,
// where the model's share of the prior, delta and P (prior_share()), are
// those of mclust's M-steps with a prior, model by model; the weights keep
// n_j. Since the model's M-step minimises
// sum_j (n_j + delta) log|S_j| + tr(S_j^-1 (W_j + c_j d_j d_j^T + P)), the
// step maximises the expected complete-data log-likelihood plus
//   log_prior() = -1/2 sum_j [delta log|S_j| + tr(S_j^-1 P)
//                             + shrinkage (mu_j - mean)^T S_j^-1 (mu_j - mean)]
// (up to a constant), so EM never lowers the log-likelihood plus that.
#ifndef GMMCORE_PRIOR_H
#define GMMCORE_PRIOR_H

#include "structures.h"

namespace gmmcore {

// What model `type` adds per component: `count` to n_j, `scale` to W_j.
struct PriorShare {
  double count = 0.0;
  Matrix scale;
};

// With nu = dof, s = 1 when shrinkage > 0 (else 0), G components, d
// variables, Lambda = scale and sigma = tr(Lambda) / d, as mclust 6's EM
// with a prior (its me*() functions, which Mclust() uses) computes them:
//   VVV  delta = nu + d + 1 + s,          P = Lambda
//   EEE  delta = (nu + d + 1) / G + s,    P = Lambda / G  (one inverse-Wishart in all)
//   VVI  delta = nu + 2 + s,              P = sigma I
//   VII  delta = (nu + 2) / d + s,        P = sigma I / d
//   EII  delta = (nu + 2) / (d G) + s,    P = 0 (mclust's EII leaves the scale out)
//   EEI  delta = (nu + 1 + s) / G,        P = sigma I / G  (mclust does not shrink its means)
//   VEI  delta = (nu + 2 + s) / d,        P = sigma I
//   EVI  delta = (nu + 1 + s) / G,        P = sigma I
//   EEV  delta = (nu + d + 1 + s) / G,    P = Lambda
//   VEV  delta = 0,                       P = Lambda (mclust's VEV leaves nu out)
// mclust has no prior for VEE, EVE, VVE and EVV; they get VVV's, each
// component's covariance its own inverse-Wishart term, restricted to the
// model. With one variable every model is mclust's E (shared volume) or V,
// whose rules are EEE's and VVV's there.
inline PriorShare prior_share(CovType type, Index k, Index d, const Prior& pr) {
  const double nu = pr.dof, s = pr.shrinkage > 0.0 ? 1.0 : 0.0;
  const double G = static_cast<double>(k), p = static_cast<double>(d);
  const Matrix& lambda = pr.scale;
  const Matrix sigma_I = Matrix::Identity(d, d) * (lambda.trace() / p);
  PriorShare out;
  if (d == 1) {
    const bool equal_volume = model(type).name[0] == 'E';
    out.count = equal_volume ? (nu + 2.0) / G + s : nu + 2.0 + s;
    out.scale = equal_volume ? Matrix(lambda / G) : lambda;
    return out;
  }
  switch (type) {
    case CovType::Full:
      out.count = nu + p + 1.0 + s;
      out.scale = lambda;
      break;
    case CovType::Tied:
      out.count = (nu + p + 1.0) / G + s;
      out.scale = lambda / G;
      break;
    case CovType::Diag:
      out.count = nu + 2.0 + s;
      out.scale = sigma_I;
      break;
    case CovType::Spherical:
      out.count = (nu + 2.0) / p + s;
      out.scale = sigma_I / p;
      break;
    case CovType::EII:
      out.count = (nu + 2.0) / (p * G) + s;
      out.scale = Matrix::Zero(d, d);
      break;
    case CovType::EEI:
      out.count = (nu + 1.0 + s) / G;
      out.scale = sigma_I / G;
      break;
    case CovType::VEI:
      out.count = (nu + 2.0 + s) / p;
      out.scale = sigma_I;
      break;
    case CovType::EVI:
      out.count = (nu + 1.0 + s) / G;
      out.scale = sigma_I;
      break;
    case CovType::EEV:
      out.count = (nu + p + 1.0 + s) / G;
      out.scale = lambda;
      break;
    case CovType::VEV:
      out.count = 0.0;
      out.scale = lambda;
      break;
    case CovType::VEE:
    case CovType::EVV:
    case CovType::EVE:
    case CovType::VVE:
      out.count = nu + p + 1.0 + s;
      out.scale = lambda;
      break;
  }
  return out;
}

// The scatter `sc` with the prior added (see the contract), into `out`.
inline void apply_prior(const Scatter& sc, CovType type, const Prior& pr, Scatter& out) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  const PriorShare share = prior_share(type, k, d, pr);
  const double kappa = pr.shrinkage;
  out = sc;
  for (Index j = 0; j < k; ++j) {
    const double nj = sc.n_k(j);
    Matrix& W = out.W[j];
    if (kappa > 0.0) {
      const Vector dev = sc.means.row(j).transpose() - pr.mean;
      const double c = kappa * nj / (nj + kappa);
      for (Index b = 0; b < d; ++b)
        for (Index a = b; a < (sc.full ? d : b + 1); ++a) W(a, b) += c * dev(a) * dev(b);
      out.means.row(j) = (nj * sc.means.row(j) + kappa * pr.mean.transpose()) / (nj + kappa);
    }
    for (Index b = 0; b < d; ++b)
      for (Index a = b; a < (sc.full ? d : b + 1); ++a) W(a, b) += share.scale(a, b);
    out.n_k(j) = nj + share.count;
  }
}

// The log-prior of parameters `p` of model `type` (factorised), up to a
// constant: see the contract.
inline double log_prior(const Params& p, CovType type, const Prior& pr) {
  const Index k = p.k(), d = p.d();
  const PriorShare share = prior_share(type, k, d, pr);
  const double kappa = pr.shrinkage;
  double out = 0.0;
  for (Index j = 0; j < k; ++j) {
    const auto L = p.chol[j].triangularView<Eigen::Lower>();
    double quad = 0.0;
    if (share.scale.size() && share.scale.any()) {
      // tr(S^-1 P) = tr(L^-1 P L^-T)
      const Matrix m = L.solve(share.scale);
      quad += L.solve(m.transpose()).trace();
    }
    if (kappa > 0.0) {
      const Vector dev = L.solve(Vector(p.means.row(j).transpose() - pr.mean));
      quad += kappa * dev.squaredNorm();
    }
    out -= 0.5 * (share.count * p.log_det(j) + quad);
  }
  return out;
}

}  // namespace gmmcore

#endif
