// gmmcore/em.h
//
// Contract: the EM loop. Starts from complete parameters (an initial M-step,
// if the start is a partition, is the caller's business), alternates E- and
// M-steps, and stops when |L_t - L_{t-1}| / (1 + |L_{t-1}|) < tol or after
// max_iter M-steps (tol = 0 therefore runs exactly max_iter); L is the
// log-likelihood, plus the log-prior when Control::prior is active (prior.h),
// and so throughout this file. Each iteration
// is one fused pass over the data (pass.h): the E-step of the current
// parameters, which gives their log-likelihood and posteriors, and on the
// same blocks the moments the next M-step needs, about the current means.
// The posteriors left in `post` and the log-likelihood always belong to the
// returned parameters. The monitor is consulted on the calling thread between
// iterations only.
#ifndef GMMCORE_EM_H
#define GMMCORE_EM_H

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include "estep.h"
#include "mstep.h"

namespace gmmcore {

// The storage of an EM run, kept from iteration to iteration and from start
// to start: on small data an iteration's arithmetic takes less time than
// allocating its model, sums and parameters would. Sized by k and d only.
struct EmWork {
  KernelModel model;             // the current parameters, as the kernel reads them
  SlabSums sums;                 // the fused pass's sums, about model.mu
  std::vector<SlabSums> slabs;
  Scatter scatter;
  MomentsWork moments;           // the second pass, when the shift was too far
  CondModel cond;                // the incomplete rows' factors of the last pass
  Params next;                   // the M-step's result, swapped in
  int rounds = 0;                // inner rounds of the last M-step (iterative models)
};

namespace detail {

// E-step of `p` into `post`, with the moments about p's means, into
// work.sums: the complete rows through the kernels, then the incomplete ones
// (incomplete.h).
inline void fused_pass(const Data& data, const Params& p, CovType type,
                       const Control& ctrl, double* post, EmWork& work) {
  make_model(p, type, work.model);
  PassSpec spec;
  spec.post = ctrl.posteriors ? post : nullptr;
  spec.shift = work.model.mu.data();
  spec.full_second = needs_full(type, p.d());
  spec.n_threads = ctrl.n_threads;
  spec.isa = ctrl.isa;
  view_pass(data, &p, work.model, spec, work.cond, work.sums, work.slabs);
  if (work.sums.bad)
    throw numerical_error(
        "the log-likelihood is not finite: some observation has zero density "
        "under every component",
        0);
}

// The M-step from the moments of the last fused pass (about the means in
// work.model), into work.next; a second pass about the new means when the
// shift was too far (mstep.h).
inline void next_params(const Data& data, Index d, CovType type, const Control& ctrl,
                        double* post, EmWork& work, const Params& current) {
  const bool full = needs_full(type, d);
  scatter_from_sums(work.sums, work.model.mu.data(), d, full, work.scatter);
  if (work.scatter.inexact) {
    // The second pass reads the posteriors of the last: when that pass did
    // not keep them, an E-step of the same parameters (the model it left in
    // work.model) gives the very same values.
    if (!ctrl.posteriors) {
      PassSpec spec;
      spec.post = post;
      spec.n_threads = ctrl.n_threads;
      spec.isa = ctrl.isa;
      view_pass(data, &current, work.model, spec, work.cond, work.moments.sums,
                work.moments.slabs);
    }
    moments_about(data, post, work.scatter.means, full, ctrl.n_threads, ctrl.isa,
                  work.scatter, work.moments, &work.cond);
  }
  work.rounds = 0;
  structure_step(work.scatter, type, ctrl.reg, work.next, &current, ctrl.equal_weights,
                 &ctrl.prior, &work.rounds);
}

}  // namespace detail

// The smallest variance of component j in any direction once `reg` is taken
// off, with every variable divided by its `scale`: about zero (or below) for
// a component that lies flat on tied values.
// (Storage kept per thread: a search asks this of every component of every
// candidate, and on small data allocating costs more than the arithmetic.)
inline double component_flatness(const Params& p, Index j, const Vector& reg,
                                 const Vector& scale) {
  const Index d = p.d();
  const Matrix& cov = p.cov[j];
  thread_local Matrix c;
  thread_local Eigen::SelfAdjointEigenSolver<Matrix> solver;
  c.resize(d, d);
  // (inv_a (S_ab - [a = b] reg_a)) inv_b, inv = 1 / scale: the standardised
  // covariance less reg.
  for (Index b = 0; b < d; ++b) {
    const double inv_b = 1.0 / scale(b);
    for (Index a = 0; a < d; ++a) {
      const double s_ab = a == b ? cov(a, b) - reg(a) : cov(a, b);
      c(a, b) = ((1.0 / scale(a)) * s_ab) * inv_b;
    }
  }
  if (d == 1) return c(0, 0);
  solver.compute(c, Eigen::EigenvaluesOnly);
  return solver.eigenvalues()(0);
}

inline Vector flatness(const Params& p, const Vector& reg, const Vector& scale) {
  Vector out(p.k());
  for (Index j = 0; j < p.k(); ++j) out(j) = component_flatness(p, j, reg, scale);
  return out;
}

namespace detail {

// Whether the standardised covariance less `reg` has an eigenvalue at most
// flat_tol: exactly when that matrix less flat_tol I is not positive
// definite, which a Cholesky factorisation tells more cheaply than the
// eigenvalues would.
inline bool below_tolerance(const Matrix& cov, const Control& ctrl) {
  const Index d = cov.rows();
  Matrix c(d, d);
  for (Index b = 0; b < d; ++b)
    for (Index a = b; a < d; ++a) c(a, b) = cov(a, b) / (ctrl.scale(a) * ctrl.scale(b));
  for (Index a = 0; a < d; ++a)
    c(a, a) -= ctrl.reg(a) / (ctrl.scale(a) * ctrl.scale(a)) + ctrl.flat_tol;
  Eigen::LLT<Eigen::Ref<Matrix>, Eigen::Lower> llt(c);
  return llt.info() != Eigen::Success;
}

// Whether some component is flat (Control::flat_tol), from the kernel model
// of the last pass. Its inverse factor gives a cheap lower bound on the
// smallest standardised eigenvalue, lambda_min(S^-1 C S^-1) >=
// 1 / ||L^-1 S||_F^2 (S = diag(scale)); only a component that bound cannot
// clear is decomposed.
inline bool has_flat_component(const KernelModel& m, const Params& p, const Control& ctrl) {
  const Index d = p.d();
  double reg_max = 0.0;
  for (Index c = 0; c < d; ++c)
    reg_max = std::max(reg_max, ctrl.reg(c) / (ctrl.scale(c) * ctrl.scale(c)));
  for (Index j = 0; j < p.k(); ++j) {
    double frob = 0.0;
    if (m.diagonal) {
      double worst = 0.0;
      for (Index c = 0; c < d; ++c) {
        const double e = m.prec[j * d + c] * ctrl.scale(c);
        worst = std::max(worst, e * e);
      }
      frob = worst;  // diagonal: exact, 1 / the smallest standardised variance
    } else {
      const double* l = &m.prec[j * d * d];
      for (Index r = 0; r < d; ++r)
        for (Index c = 0; c <= r; ++c) {
          const double e = l[r * d + c] * ctrl.scale(c);
          frob += e * e;
        }
    }
    if (1.0 / frob - reg_max > ctrl.flat_tol) continue;
    if (below_tolerance(p.cov[j], ctrl)) return true;
  }
  return false;
}

}  // namespace detail

// An estimate of the log-likelihood a run will reach, from its last three
// values a, b, c (oldest first): Aitken's extrapolation, c plus the rest of
// the geometric series its last two increases begin, or c plus the last
// increase if that is more. Infinite while the increases are not shrinking
// (the run may be leaving a plateau).
inline double reach(double a, double b, double c) {
  const double d0 = b - a, d1 = c - b;
  if (!(d1 > 0.0)) return c;
  if (!(d0 > 0.0) || !(d1 < d0)) return std::numeric_limits<double>::infinity();
  const double r = d1 / d0;
  return c + std::max(d1 * r / (1.0 - r), d1);
}

// A run that only matters if it overtakes a better one: it is given up
// (EmResult::given_up) as soon as reach() falls below `target`. `last` holds
// the last two log-likelihoods of the run it continues (the second is that
// of its start).
struct Overtake {
  double target;
  double last[2];
};

// The posteriors go into `post`, the caller's n x k matrix (the only n x k
// storage of a fit; only scratch without Control::posteriors); `work` is
// storage the caller may keep for further runs.
// With `race`, the run is given up once it can no longer overtake. With
// `resume`, `post` and `work` already hold the fused pass of `start` (the
// run continues one that has just ended on X), which is then not repeated.
inline EmResult run_em(const Data& X, Params start, CovType type, const Control& ctrl,
                       Monitor& monitor, Eigen::Ref<Matrix> post, EmWork& work,
                       const Overtake* race = nullptr, bool resume = false) {
  EmResult res;
  res.params = std::move(start);
  if (res.params.chol.size() != res.params.cov.size()) factorize(res.params);
  if (post.rows() != X.rows() || post.cols() != res.params.k() ||
      post.outerStride() != X.rows())
    throw std::invalid_argument("run_em: `post` must be an n x k matrix");
  res.trace.reserve(std::max(0, std::min(ctrl.max_iter, 64)));
  res.inner.reserve(res.trace.capacity());
  if (ctrl.keep_path) res.path.push_back(res.params);
  // The objective: the log-likelihood, plus the log-prior with a prior.
  const bool map = ctrl.prior.active();
  auto objective = [&]() {
    return map ? work.sums.loglik + log_prior(res.params, type, ctrl.prior) : work.sums.loglik;
  };
  if (!resume) detail::fused_pass(X, res.params, type, ctrl, post.data(), work);
  res.loglik = objective();
  res.entropy = work.sums.entropy;
  for (int it = 1; it <= ctrl.max_iter; ++it) {
    if (monitor.interrupted()) throw interrupted_error();
    detail::next_params(X, res.params.d(), type, ctrl, post.data(), work, res.params);
    std::swap(res.params, work.next);
    res.inner.push_back(work.rounds);
    if (ctrl.keep_path) res.path.push_back(res.params);
    detail::fused_pass(X, res.params, type, ctrl, post.data(), work);
    const double ll = objective();
    const double change =
        std::abs(ll - res.loglik) / (1.0 + std::abs(res.loglik + ctrl.ll_offset));
    res.loglik = ll;
    res.entropy = work.sums.entropy;
    res.trace.push_back(ll);
    res.n_iter = it;
    monitor.on_iteration(it, ll);
    if (ctrl.flat_patience > 0)
      res.flat_iters = detail::has_flat_component(work.model, res.params, ctrl)
                           ? res.flat_iters + 1 : 0;
    if (change < ctrl.tol) {
      res.converged = true;
      break;
    }
    if (ctrl.flat_patience > 0 && res.flat_iters >= ctrl.flat_patience) {
      res.stopped_flat = true;
      break;
    }
    if (race) {
      const double b = it >= 2 ? res.trace[it - 2] : race->last[1];
      const double a = it >= 3 ? res.trace[it - 3] : it == 2 ? race->last[1] : race->last[0];
      if (reach(a, b, ll) < race->target) {
        res.given_up = true;
        break;
      }
    }
  }
  if (map) res.log_prior = log_prior(res.params, type, ctrl.prior);
  return res;
}

inline EmResult run_em(const Data& X, Params start, CovType type, const Control& ctrl,
                       Monitor& monitor, Eigen::Ref<Matrix> post) {
  EmWork work;
  return run_em(X, std::move(start), type, ctrl, monitor, post, work);
}

// The settings of a scale-free fit: `reg` is relative, so each variable gets
// reg times its variance `var` (a spherical structure the mean of those, so
// that it stays spherical), and the convergence test sees the log-likelihood
// of the data divided by their standard deviations (n_rows rows).
inline Control scale_free(Control ctrl, CovType type, double reg, const Vector& var,
                          double n_rows) {
  ctrl.reg = model(type).spherical
                 ? Vector::Constant(var.size(), reg * var.mean())
                 : Vector(reg * var);
  ctrl.ll_offset = 0.5 * static_cast<double>(n_rows) * var.array().log().sum();
  ctrl.scale = var.cwiseSqrt();
  return ctrl;
}

// A partition (0-based labels of the rows of X, k groups) as complete
// parameters: the M-step of its indicator matrix (times the case weights).
// X must be complete.
inline Params params_from_labels(const Data& X, const std::vector<int>& labels, Index k,
                                 CovType type, const Control& ctrl) {
  if (X.incomplete) throw std::invalid_argument("params_from_labels: the rows must be complete");
  // The indicator matrix and the pass's storage are kept per thread (a
  // search makes a few of these M-steps per candidate; on small data the
  // allocations cost more than the arithmetic), the matrix only when small.
  thread_local Matrix kept;
  thread_local Scatter sc;
  thread_local MomentsWork work;
  Matrix local;
  Matrix& R = X.rows() * k <= (Index{1} << 16) ? kept : local;
  R.setZero(X.rows(), k);
  for (Index i = 0; i < X.rows(); ++i) R(i, labels[i]) = X.case_w ? X.case_w[i] : 1.0;
  scatter_pass(X.X, R, needs_full(type, X.cols()), ctrl.n_threads, ctrl.isa, sc, work);
  return structure_step(sc, type, ctrl.reg, ctrl.equal_weights, &ctrl.prior);
}

// A start that failed, with the engine's message.
struct StartFailure {
  std::string message;
  int component;
};

// Whether a short run ended with a flat component (watched only when
// Control::flat_patience is set): such a start is a candidate's last resort.
inline bool ends_flat(const EmResult& r) { return r.flat_iters > 0 || r.stopped_flat; }

// Several starts, the best carried on (Biernacki, Celeux and Govaert 2003,
// "short runs of EM"). Every start runs up to `short_iter` iterations on
// X_init (the data, or a subsample of its rows when `init_is_x` is false),
// stopping earlier when it converges unless it is `patient` (a start from
// a random partition: its components are nearly alike, so its first changes
// are tiny though the optimum is far). The best short run, one without a
// flat component before any with one and then the one with the highest
// log-likelihood (the first, on ties; with a prior, the log-likelihood
// without the log-prior), runs to convergence on X, its short
// run counting towards `max_iter` when X_init is X. The ranking after a few
// iterations often puts a start that ends lower ahead of one that ends
// higher, so when X_init is X the other starts without a flat component
// whose short runs end within `margin` of the best (and have not converged
// yet) are carried on too, best first, each only while it can still
// overtake the best result so far (Overtake); one that ends higher by more
// than the convergence tolerance's worth, without a flat component,
// replaces it. On a subsample that would mean runs on all rows, so there
// only the best is carried on. A start that fails numerically, in its short
// run or when carried on, is recorded in `failures` and left out; when all
// fail, the first failure is raised. The posteriors in `post` (with
// Control::posteriors) and the result belong to the returned parameters
// (except with Control::short_only: the best short run is returned as it
// ended, on X_init). `work` is storage the caller may keep from one
// candidate to the next.
inline EmResult run_starts(const Data& X, const Data& X_init, bool init_is_x,
                           std::vector<Params>& starts, const std::vector<bool>& patient,
                           CovType type, const Control& ctrl, int short_iter, double margin,
                           Monitor& monitor, Eigen::Ref<Matrix> post,
                           std::vector<StartFailure>& failures, EmWork& work) {
  const Index k = post.cols();
  Matrix post_init(init_is_x ? 0 : X_init.rows(), init_is_x ? 0 : k);
  Control short_ctrl = ctrl;
  short_ctrl.max_iter = std::min(short_iter, ctrl.max_iter);
  // The offset of the convergence test is per row: on a subsample it is
  // that of the subsample's rows.
  short_ctrl.ll_offset = ctrl.ll_offset * static_cast<double>(X_init.rows()) /
                         static_cast<double>(X.rows());
  // What ranks the runs: the log-likelihood. With a prior EM climbs the
  // log-likelihood plus the log-prior, but the runs are ranked by the
  // log-likelihood of their MAP estimates, which BIC compares: the prior
  // regularises, and its own term favours small components whose
  // covariances sit near the prior's scale.
  const bool map = ctrl.prior.active();
  auto value = [map](const EmResult& r) { return map ? r.loglik - r.log_prior : r.loglik; };
  std::vector<EmResult> runs;
  runs.reserve(starts.size());
  // The run whose last pass `post` and `work` still hold (none after a
  // failure).
  std::size_t intact = starts.size();
  for (std::size_t s = 0; s < starts.size(); ++s) {
    short_ctrl.tol = patient[s] ? 0.0 : ctrl.tol;
    try {
      runs.push_back(init_is_x
          ? run_em(X, std::move(starts[s]), type, short_ctrl, monitor, post, work)
          : run_em(X_init, std::move(starts[s]), type, short_ctrl, monitor, post_init, work));
      intact = runs.size() - 1;
    } catch (const numerical_error& e) {
      failures.push_back({e.what(), e.component()});
      intact = starts.size();
    }
  }
  if (runs.empty()) throw numerical_error(failures.front().message, failures.front().component);
  // Best short run first; the earlier start on ties.
  std::vector<std::size_t> order(runs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (ends_flat(runs[a]) != ends_flat(runs[b])) return !ends_flat(runs[a]);
    return value(runs[a]) > value(runs[b]);
  });
  // The rest of a short run, on X: counted with it when X_init is X.
  auto carry_on = [&](EmResult& short_run, Eigen::Ref<Matrix> out_post,
                      const Overtake* race, bool resume) {
    Control long_ctrl = ctrl;
    if (init_is_x)
      long_ctrl.max_iter = short_run.converged || short_run.stopped_flat
                               ? 0 : ctrl.max_iter - short_run.n_iter;
    EmResult out = run_em(X, std::move(short_run.params), type, long_ctrl, monitor, out_post,
                          work, race, resume);
    if (!init_is_x) return out;
    out.converged = out.converged || short_run.converged;
    out.stopped_flat = out.stopped_flat || (short_run.stopped_flat && out.n_iter == 0);
    out.n_iter += short_run.n_iter;
    out.trace.insert(out.trace.begin(), short_run.trace.begin(), short_run.trace.end());
    out.inner.insert(out.inner.begin(), short_run.inner.begin(), short_run.inner.end());
    // (The run carried on starts where the short run ended.)
    if (!out.path.empty() && !short_run.path.empty())
      out.path.insert(out.path.begin(), short_run.path.begin(), short_run.path.end() - 1);
    return out;
  };
  if (ctrl.short_only) return std::move(runs[order[0]]);
  const double top = value(runs[order[0]]);
  const bool top_flat = ends_flat(runs[order[0]]);
  EmResult best = carry_on(runs[order[0]], post, nullptr, init_is_x && order[0] == intact);
  if (!init_is_x || top_flat || ends_flat(best)) return best;
  Matrix other_post;
  for (std::size_t r = 1; r < order.size(); ++r) {
    EmResult& run = runs[order[r]];
    if (ends_flat(run) || !(value(run) >= top - margin)) break;
    // A converged short run ends below the best's, which EM only raised
    // (with a prior, EM raises another objective: it is carried on).
    if ((run.converged && !map) || run.trace.empty()) continue;
    const double needed =
        value(best) + ctrl.tol * (1.0 + std::abs(value(best) + ctrl.ll_offset));
    // Without a prior, the run is carried on only while it can overtake.
    const std::size_t m = run.trace.size();
    const double lowest = -std::numeric_limits<double>::infinity();
    const double a = m >= 3 ? run.trace[m - 3] : lowest, b = m >= 2 ? run.trace[m - 2] : lowest;
    if (!map && reach(a, b, run.trace[m - 1]) < needed) continue;
    const Overtake race{needed, {b, run.trace[m - 1]}};
    // (Without posteriors to keep, `post` is scratch for this run too.)
    if (ctrl.posteriors && other_post.size() == 0) other_post.resize(X.rows(), k);
    try {
      EmResult alt = ctrl.posteriors ? carry_on(run, other_post, map ? nullptr : &race, false)
                                     : carry_on(run, post, map ? nullptr : &race, false);
      if (!alt.given_up && !ends_flat(alt) && value(alt) > needed) {
        best = std::move(alt);
        if (ctrl.posteriors) post = other_post;
      }
    } catch (const numerical_error& e) {
      failures.push_back({e.what(), e.component()});
    }
  }
  return best;
}

}  // namespace gmmcore

#endif
