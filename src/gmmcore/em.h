// gmmcore/em.h
//
// Contract: the EM loop. Starts from complete parameters (an initial M-step,
// if the start is a partition, is the caller's business), alternates E- and
// M-steps, and stops when |L_t - L_{t-1}| / (1 + |L_{t-1}|) < tol or after
// max_iter M-steps (tol = 0 therefore runs exactly max_iter). The returned
// posterior and log-likelihood always belong to the returned parameters.
// The monitor is consulted on the calling thread between iterations only.
#ifndef GMMCORE_EM_H
#define GMMCORE_EM_H

#include <cmath>
#include "estep.h"
#include "mstep.h"

namespace gmmcore {

inline EmResult run_em(const Eigen::Ref<const Matrix>& X, Params start,
                       CovType type, const Control& ctrl, Monitor& monitor) {
  EmResult res;
  res.params = std::move(start);
  if (res.params.chol.size() != res.params.cov.size()) factorize(res.params);
  res.loglik = e_step(X, res.params, type, ctrl.n_threads, res.posterior);
  for (int it = 1; it <= ctrl.max_iter; ++it) {
    if (monitor.interrupted()) throw interrupted_error();
    // The M-step has consumed the posterior, so the E-step may overwrite it:
    // one n x k matrix for the whole fit.
    res.params = m_step(X, res.posterior, type, ctrl.reg, ctrl.n_threads);
    const double ll = e_step(X, res.params, type, ctrl.n_threads, res.posterior);
    const double change = std::abs(ll - res.loglik) / (1.0 + std::abs(res.loglik));
    res.loglik = ll;
    res.trace.push_back(ll);
    res.n_iter = it;
    monitor.on_iteration(it, ll);
    if (change < ctrl.tol) {
      res.converged = true;
      break;
    }
  }
  return res;
}

}  // namespace gmmcore

#endif
