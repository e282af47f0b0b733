// gmmcore/em.h
//
// Contract: the EM loop. Starts from complete parameters (an initial M-step,
// if the start is a partition, is the caller's business), alternates E- and
// M-steps, and stops when |L_t - L_{t-1}| / (1 + |L_{t-1}|) < tol or after
// max_iter M-steps (tol = 0 therefore runs exactly max_iter). Each iteration
// is one fused pass over the data (pass.h): the E-step of the current
// parameters, which gives their log-likelihood and posteriors, and on the
// same blocks the moments the next M-step needs, about the current means.
// The posteriors left in `post` and the log-likelihood always belong to the
// returned parameters. The monitor is consulted on the calling thread between
// iterations only.
#ifndef GMMCORE_EM_H
#define GMMCORE_EM_H

#include <cmath>
#include "estep.h"
#include "mstep.h"

namespace gmmcore {

namespace detail {

// E-step of `p` into `post`, with the moments about p's means.
inline SlabSums fused_pass(const Eigen::Ref<const Matrix>& X, const Params& p,
                           CovType type, const Control& ctrl, double* post) {
  const KernelModel model = make_model(p, type);
  PassSpec spec;
  spec.post = post;
  spec.shift = model.mu.data();
  spec.full_second = needs_full(type, p.d());
  spec.n_threads = ctrl.n_threads;
  spec.isa = ctrl.isa;
  SlabSums s = data_pass(X, model, spec);
  if (s.bad)
    throw numerical_error(
        "the log-likelihood is not finite: some observation has zero density "
        "under every component",
        0);
  return s;
}

// The M-step from the moments of a fused pass about the means of `p`; a
// second pass about the new means when the shift was too far (mstep.h).
inline Params next_params(const Eigen::Ref<const Matrix>& X, const Params& p,
                         const SlabSums& s, CovType type, const Control& ctrl,
                         const double* post) {
  const bool full = needs_full(type, p.d());
  const std::vector<double> shift = component_major(p.means);
  Scatter sc = scatter_from_sums(s, shift.data(), p.d(), full);
  if (sc.inexact)
    sc = moments_about(X, post, sc.means, full, ctrl.n_threads, ctrl.isa);
  return structure_step(sc, type, ctrl.reg);
}

}  // namespace detail

// The posteriors go into `post`, the caller's n x k matrix (the only n x k
// storage of a fit).
inline EmResult run_em(const Eigen::Ref<const Matrix>& X, Params start,
                       CovType type, const Control& ctrl, Monitor& monitor,
                       Eigen::Ref<Matrix> post) {
  EmResult res;
  res.params = std::move(start);
  if (res.params.chol.size() != res.params.cov.size()) factorize(res.params);
  if (post.rows() != X.rows() || post.cols() != res.params.k() ||
      post.outerStride() != X.rows())
    throw std::invalid_argument("run_em: `post` must be an n x k matrix");
  SlabSums sums = detail::fused_pass(X, res.params, type, ctrl, post.data());
  res.loglik = sums.loglik;
  for (int it = 1; it <= ctrl.max_iter; ++it) {
    if (monitor.interrupted()) throw interrupted_error();
    res.params = detail::next_params(X, res.params, sums, type, ctrl, post.data());
    sums = detail::fused_pass(X, res.params, type, ctrl, post.data());
    const double ll = sums.loglik;
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
