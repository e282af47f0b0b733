// The only file that sees both R and the engine: conversions between R
// objects and gmmcore types, cheap shape guards (R builds with -DNDEBUG, so
// Eigen checks no sizes), the interrupt/progress monitor, and `cpp_*` entry
// points that convert and forward. Argument checking proper is done in R.
// Only cpp_simulate() draws from R's generator; the other entry points are
// exported with `rng = false`, which spares each call the saving and
// restoring of .Random.seed (several microseconds, dozens of calls a search).
#include <RcppEigen.h>
#include <R_ext/Utils.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <numeric>
#include "gmmcore/gmmcore.h"

// [[Rcpp::depends(RcppEigen)]]

namespace {

using gmmcore::Index;
using gmmcore::Matrix;
using MapMat = Eigen::Map<const Eigen::MatrixXd>;

void check_interrupt_fn(void*) { R_CheckUserInterrupt(); }

// Polls for Ctrl-C without a longjmp through C++ frames, asking R at most
// every few milliseconds (on small data an EM iteration takes a microsecond
// or two, and asking R at each one would add a tenth to it).
class RMonitor : public gmmcore::Monitor {
 public:
  explicit RMonitor(bool verbose) : verbose_(verbose) {}
  bool interrupted() override {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(5)) return false;
    last_ = now;
    return R_ToplevelExec(check_interrupt_fn, nullptr) == FALSE;
  }
  void on_iteration(int iter, double loglik) override {
    if (verbose_ && (iter == 1 || iter % 10 == 0))
      Rprintf("  iteration %4d  log-likelihood %.6f\n", iter, loglik);
  }

 private:
  bool verbose_;
  std::chrono::steady_clock::time_point last_{};
};

gmmcore::CovType as_cov_type(int code) {
  if (code < 0 || code >= gmmcore::kModels) Rcpp::stop("internal: unknown covariance code %d", code);
  return static_cast<gmmcore::CovType>(code);
}

gmmcore::Isa as_isa(int code) {
  if (code < -1 || code > 2) Rcpp::stop("internal: unknown instruction set code %d", code);
  return static_cast<gmmcore::Isa>(code);
}

MapMat as_map(const Rcpp::NumericMatrix& x) {
  return MapMat(x.begin(), x.nrow(), x.ncol());
}

Eigen::Map<Eigen::MatrixXd> as_mut_map(Rcpp::NumericMatrix& x) {
  return Eigen::Map<Eigen::MatrixXd>(x.begin(), x.nrow(), x.ncol());
}

gmmcore::Params as_params(const Rcpp::List& p, Index d) {
  Rcpp::NumericVector w = p["weights"];
  Rcpp::NumericMatrix mu = p["means"];
  Rcpp::NumericVector cov = p["covariances"];
  const Index k = w.size();
  if (mu.nrow() != k || mu.ncol() != d || cov.size() != d * d * k)
    Rcpp::stop("internal: parameter shapes do not match (k = %d, d = %d)",
               static_cast<int>(k), static_cast<int>(d));
  gmmcore::Params out;
  out.weights = Eigen::Map<const Eigen::VectorXd>(w.begin(), k);
  out.means = as_map(mu);
  out.cov.resize(k);
  for (Index j = 0; j < k; ++j)
    out.cov[j] = MapMat(cov.begin() + j * d * d, d, d);
  return out;
}

// The covariances as a d x d x k array.
Rcpp::NumericVector wrap_cov(const gmmcore::Params& p) {
  const Index k = p.k(), d = p.d();
  Rcpp::NumericVector cov(Rcpp::Dimension(d, d, k));
  for (Index j = 0; j < k; ++j)
    std::copy(p.cov[j].data(), p.cov[j].data() + d * d, cov.begin() + j * d * d);
  return cov;
}

Rcpp::List wrap_params(const gmmcore::Params& p) {
  return Rcpp::List::create(Rcpp::Named("weights") = Rcpp::wrap(p.weights),
                            Rcpp::Named("means") = Rcpp::wrap(p.means),
                            Rcpp::Named("covariances") = wrap_cov(p));
}

gmmcore::Control as_control(const Rcpp::List& control, int isa) {
  gmmcore::Control ctrl;
  ctrl.max_iter = Rcpp::as<int>(control["max_iter"]);
  ctrl.tol = Rcpp::as<double>(control["tol"]);
  ctrl.n_threads = Rcpp::as<int>(control["n_threads"]);
  ctrl.isa = as_isa(isa);
  // Set by a search only (R/select.R): stop runs that go flat.
  if (control.containsElementNamed("keep_path"))
    ctrl.keep_path = Rcpp::as<bool>(control["keep_path"]);
  if (control.containsElementNamed("equal_weights"))
    ctrl.equal_weights = Rcpp::as<bool>(control["equal_weights"]);
  if (control.containsElementNamed("short_only"))
    ctrl.short_only = Rcpp::as<bool>(control["short_only"]);
  if (control.containsElementNamed("flat_patience")) {
    ctrl.flat_patience = Rcpp::as<int>(control["flat_patience"]);
    ctrl.flat_tol = Rcpp::as<double>(control["flat_tol"]);
  }
  return ctrl;
}

// A prior's hyperparameters (R's resolved list: shrinkage, mean, dof,
// scale); NULL gives an inactive prior.
gmmcore::Prior as_prior(SEXP prior, Index d) {
  gmmcore::Prior out;
  if (Rf_isNull(prior)) return out;
  const Rcpp::List p(prior);
  const Rcpp::NumericVector mean = p["mean"];
  const Rcpp::NumericMatrix scale = p["scale"];
  if (mean.size() != d || scale.nrow() != d || scale.ncol() != d)
    Rcpp::stop("internal: the prior's shapes do not match d = %d", static_cast<int>(d));
  out.shrinkage = Rcpp::as<double>(p["shrinkage"]);
  out.dof = Rcpp::as<double>(p["dof"]);
  out.mean = Eigen::Map<const Eigen::VectorXd>(mean.begin(), d);
  out.scale = as_map(scale);
  return out;
}

Eigen::VectorXd as_reg(const Rcpp::NumericVector& reg, Index d) {
  if (reg.size() != 1 && reg.size() != d)
    Rcpp::stop("internal: `reg` must have length 1 or %d", static_cast<int>(d));
  if (reg.size() == 1) return Eigen::VectorXd::Constant(d, reg[0]);
  return Eigen::Map<const Eigen::VectorXd>(reg.begin(), d);
}

// The rows of x from n_complete on, which have missing values and are
// grouped by pattern (R/missing.R), when n_complete is not negative.
class IncompleteRows {
 public:
  IncompleteRows(const MapMat& x, int n_complete) {
    if (n_complete < 0 || n_complete >= x.rows()) return;
    try {
      inc_ = gmmcore::make_incomplete(x, n_complete);
    } catch (const std::invalid_argument& e) {
      Rcpp::stop("internal: %s", e.what());
    }
    has_ = true;
  }
  gmmcore::Data data(const MapMat& x, const double* w) const {
    return gmmcore::Data(x, w, has_ ? &inc_ : nullptr);
  }

 private:
  gmmcore::Incomplete inc_;
  bool has_ = false;
};

// Optional case weights: null when not given.
const double* weights_or_null(const Rcpp::NumericVector& w, Index n) {
  if (w.size() == 0) return nullptr;
  if (w.size() != n) Rcpp::stop("internal: case weights have the wrong length");
  return w.begin();
}

// Engine failures reach R with their message intact; the component index
// travels along so R can raise a classed condition.
template <class F>
Rcpp::List guarded(F f) {
  try {
    return f();
  } catch (const gmmcore::interrupted_error&) {
    throw Rcpp::internal::InterruptedException();
  } catch (const gmmcore::numerical_error& e) {
    return Rcpp::List::create(Rcpp::Named("error") = std::string(e.what()),
                              Rcpp::Named("component") = e.component());
  }
}

}  // namespace

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_em(Rcpp::NumericMatrix x, Rcpp::List start, int cov_type,
                  Rcpp::List control, bool verbose = false, int isa = -1) {
  return guarded([&] {
    gmmcore::Control ctrl = as_control(control, isa);
    ctrl.reg = Eigen::VectorXd::Constant(x.ncol(), Rcpp::as<double>(control["reg"]));
    if (control.containsElementNamed("prior")) ctrl.prior = as_prior(control["prior"], x.ncol());
    RMonitor monitor(verbose);
    gmmcore::Params p = as_params(start, x.ncol());
    Rcpp::NumericMatrix post(x.nrow(), p.k());
    gmmcore::EmResult r = gmmcore::run_em(gmmcore::Data(as_map(x)), std::move(p),
                                          as_cov_type(cov_type), ctrl, monitor,
                                          as_mut_map(post));
    Rcpp::List out = wrap_params(r.params);
    out["posterior"] = post;
    out["loglik"] = r.loglik - r.log_prior;
    out["log_prior"] = r.log_prior;
    out["trace"] = Rcpp::wrap(r.trace);
    out["n_iter"] = r.n_iter;
    out["converged"] = r.converged;
    return out;
  });
}

// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_mstep(Rcpp::NumericMatrix x, Rcpp::NumericMatrix resp,
                     int cov_type, Rcpp::NumericVector reg, int n_threads, int isa = -1,
                     SEXP prior = R_NilValue) {
  if (resp.nrow() != x.nrow()) Rcpp::stop("internal: `resp` has the wrong number of rows");
  return guarded([&] {
    const gmmcore::Prior pr = as_prior(prior, x.ncol());
    const gmmcore::CovType type = as_cov_type(cov_type);
    const gmmcore::Params p = gmmcore::m_step(as_map(x), as_map(resp), type,
                                              as_reg(reg, x.ncol()), n_threads, as_isa(isa),
                                              false, &pr);
    Rcpp::List out = wrap_params(p);
    if (pr.active()) out["log_prior"] = gmmcore::log_prior(p, type, pr);
    return out;
  });
}

// `n_complete`: when not negative, rows from n_complete on have missing
// values (NA) and are grouped by pattern (R/missing.R).
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_estep(Rcpp::NumericMatrix x, Rcpp::List params, int cov_type,
                     int n_threads, int isa = -1, int n_complete = -1) {
  return guarded([&] {
    gmmcore::Params p = as_params(params, x.ncol());
    gmmcore::factorize(p);
    Rcpp::NumericMatrix post(x.nrow(), p.k());
    Eigen::VectorXd logdens;
    const IncompleteRows inc(as_map(x), n_complete);
    const double ll = gmmcore::e_step(inc.data(as_map(x), nullptr), p, as_cov_type(cov_type),
                                      n_threads, as_mut_map(post), &logdens,
                                      /*strict=*/false, as_isa(isa));
    return Rcpp::List::create(Rcpp::Named("posterior") = post,
                              Rcpp::Named("logdens") = Rcpp::wrap(logdens),
                              Rcpp::Named("loglik") = ll);
  });
}

// The sufficient statistics of the rows of x under `params` (gmmcore/
// suffstats.h): each component's weight sum `count`, first and second
// moments about `shift` (k x d, component-major; NULL: the means) as the
// engine lays them out, the log-likelihood and the entropy. Rows from
// n_complete on (when not negative) have missing values, grouped by
// pattern; `case_w` holds case weights or nothing.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_block_stats(Rcpp::NumericMatrix x, Rcpp::List params, int cov_type,
                           Rcpp::NumericVector case_w, int n_complete, SEXP shift,
                           int n_threads, int isa = -1) {
  return guarded([&] {
    gmmcore::Params p = as_params(params, x.ncol());
    gmmcore::factorize(p);
    const IncompleteRows inc(as_map(x), n_complete);
    const double* w = weights_or_null(case_w, x.nrow());
    std::vector<double> about;
    if (!Rf_isNull(shift)) {
      const Rcpp::NumericVector sv(shift);
      if (sv.size() != p.k() * p.d()) Rcpp::stop("internal: `shift` has the wrong length");
      about.assign(sv.begin(), sv.end());
    }
    const gmmcore::SlabSums s = gmmcore::block_stats(
        inc.data(as_map(x), w), p, as_cov_type(cov_type), about.empty() ? nullptr : about.data(),
        n_threads, as_isa(isa));
    if (about.empty()) gmmcore::component_major(p.means, about);
    return Rcpp::List::create(
        Rcpp::Named("count") = Rcpp::wrap(s.count), Rcpp::Named("first") = Rcpp::wrap(s.first),
        Rcpp::Named("second") = Rcpp::wrap(s.second), Rcpp::Named("loglik") = s.loglik,
        Rcpp::Named("entropy") = s.entropy, Rcpp::Named("bad") = s.bad,
        Rcpp::Named("shift") = Rcpp::wrap(about));
  });
}

// The next parameters of model `cov_type` from merged statistics (a list as
// cpp_block_stats() returns, summed), with `reg` (d values) on the
// covariances' diagonals; `previous` the parameters they were computed
// under. With `inexact` TRUE, only `means` is returned: sum the statistics
// again about them (`about_means` then TRUE). With the variables' `scale`,
// also each component's flatness (gmmcore::flatness()); with a prior, the
// new parameters' log-prior.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_params_from_stats(Rcpp::List stats, int cov_type, Rcpp::NumericVector reg,
                                 Rcpp::List previous, bool equal_weights = false,
                                 SEXP prior = R_NilValue, bool about_means = false,
                                 SEXP scale = R_NilValue) {
  const Rcpp::NumericMatrix mu = previous["means"];
  const Index d = mu.ncol();
  return guarded([&] {
    gmmcore::SlabSums s;
    const Rcpp::NumericVector count = stats["count"], first = stats["first"],
                              second = stats["second"], shift = stats["shift"];
    s.count.assign(count.begin(), count.end());
    s.first.assign(first.begin(), first.end());
    s.second.assign(second.begin(), second.end());
    const Index k = s.count.size();
    if (static_cast<Index>(s.first.size()) != k * d || static_cast<Index>(shift.size()) != k * d)
      Rcpp::stop("internal: the statistics' shapes do not match");
    const gmmcore::CovType type = as_cov_type(cov_type);
    gmmcore::Control ctrl;
    ctrl.reg = as_reg(reg, d);
    ctrl.equal_weights = equal_weights;
    ctrl.prior = as_prior(prior, d);
    gmmcore::Params prev = as_params(previous, d);
    const gmmcore::StatsStep step = gmmcore::params_from_stats(
        s, shift.begin(), d, type, ctrl, &prev, about_means);
    if (step.inexact)
      return Rcpp::List::create(Rcpp::Named("inexact") = true,
                                Rcpp::Named("means") = Rcpp::wrap(step.params.means));
    Rcpp::List out = wrap_params(step.params);
    out["inexact"] = false;
    out["rounds"] = step.rounds;
    out["log_prior"] =
        ctrl.prior.active() ? gmmcore::log_prior(step.params, type, ctrl.prior) : 0.0;
    if (!Rf_isNull(scale)) {
      const Rcpp::NumericVector sc(scale);
      if (sc.size() != d) Rcpp::stop("internal: `scale` has the wrong length");
      out["flatness"] = Rcpp::wrap(gmmcore::flatness(
          step.params, ctrl.reg, Eigen::Map<const Eigen::VectorXd>(sc.begin(), d)));
    }
    return out;
  });
}

// The engine's table of covariance models (structures.h), one row per
// code: R's model table is checked against it.
// [[Rcpp::export(rng = false)]]
Rcpp::DataFrame cpp_models() {
  Rcpp::CharacterVector name(gmmcore::kModels);
  Rcpp::LogicalVector diagonal(gmmcore::kModels), spherical(gmmcore::kModels),
      shared(gmmcore::kModels);
  for (int c = 0; c < gmmcore::kModels; ++c) {
    const gmmcore::Model& m = gmmcore::model(static_cast<gmmcore::CovType>(c));
    name[c] = m.name;
    diagonal[c] = m.diagonal;
    spherical[c] = m.spherical;
    shared[c] = m.shared;
  }
  return Rcpp::DataFrame::create(Rcpp::Named("code") = Rcpp::seq(0, gmmcore::kModels - 1),
                                 Rcpp::Named("name") = name, Rcpp::Named("diagonal") = diagonal,
                                 Rcpp::Named("spherical") = spherical,
                                 Rcpp::Named("shared") = shared,
                                 Rcpp::Named("stringsAsFactors") = false);
}

// Parameters turned into model `cov_type` by its M-step, with each
// component's covariance as its scatter (W_j = w_j S_j, n_j = w_j) and no
// regularisation: the parameters themselves when they follow the model,
// otherwise the closest ones of the model in the M-step's sense (the
// diagonals, the mean variance, the weighted mean covariance, ...).
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_project(Rcpp::List params, int cov_type) {
  const Rcpp::NumericMatrix mu = params["means"];
  return guarded([&] {
    gmmcore::Params p = as_params(params, mu.ncol());
    gmmcore::Scatter sc;
    sc.n_k = p.weights;
    sc.means = p.means;
    sc.W.resize(p.k());
    for (Index j = 0; j < p.k(); ++j) sc.W[j] = p.weights(j) * p.cov[j];
    gmmcore::Params out;
    gmmcore::structure_step(sc, as_cov_type(cov_type), Eigen::VectorXd::Zero(p.d()), out);
    return wrap_params(out);
  });
}

// Draws from the mixture for the given components (1-based, one per row):
// row i is mean_j + L_j z with z standard normal from R's generator, d
// values per row in row order. Returns the d columns as a list, so that R
// can make them a data frame without another copy.
// [[Rcpp::export]]
Rcpp::List cpp_simulate(Rcpp::List params, Rcpp::IntegerVector comp) {
  const Rcpp::NumericMatrix mu = params["means"];
  const Index d = mu.ncol(), k = mu.nrow(), n = comp.size();
  gmmcore::Params p = as_params(params, d);
  gmmcore::factorize(p);
  std::vector<Rcpp::NumericVector> cols;
  for (Index c = 0; c < d; ++c) cols.emplace_back(n);
  std::vector<double*> out(d);
  for (Index c = 0; c < d; ++c) out[c] = cols[c].begin();
  std::vector<double> z(d);
  for (Index i = 0; i < n; ++i) {
    const int j = comp[i] - 1;
    if (j < 0 || j >= k) Rcpp::stop("internal: a component is out of range");
    for (Index c = 0; c < d; ++c) z[c] = norm_rand();
    const Eigen::MatrixXd& L = p.chol[j];
    for (Index r = 0; r < d; ++r) {
      double v = p.means(j, r);
      for (Index c = 0; c <= r; ++c) v += L(r, c) * z[c];
      out[r][i] = v;
    }
    if ((i & 0xFFFFF) == 0xFFFFF) Rcpp::checkUserInterrupt();
  }
  Rcpp::List res(d);
  for (Index c = 0; c < d; ++c) res[c] = cols[c];
  return res;
}

// k-means++ seeding and Lloyd iterations on (x - centre) / scale; `u` holds
// the k uniforms the seeding consumes (drawn in R); `w` the case weights,
// or nothing. Labels are 1-based.
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector cpp_kmeanspp(Rcpp::NumericMatrix x, Rcpp::NumericVector centre,
                                 Rcpp::NumericVector scale, Rcpp::NumericVector u,
                                 int max_iter,
                                 SEXP w = R_NilValue) {
  const Rcpp::NumericVector wv = Rf_isNull(w) ? Rcpp::NumericVector(0) : Rcpp::NumericVector(w);
  const Index d = x.ncol();
  if (centre.size() != d || scale.size() != d || u.size() < 1 || u.size() > x.nrow() ||
      (wv.size() != 0 && wv.size() != x.nrow()))
    Rcpp::stop("internal: cpp_kmeanspp arguments have the wrong lengths");
  std::vector<int> labels = gmmcore::kmeanspp_labels(
      as_map(x), Eigen::Map<const Eigen::VectorXd>(centre.begin(), d),
      Eigen::Map<const Eigen::VectorXd>(scale.begin(), d),
      std::vector<double>(u.begin(), u.end()), max_iter, wv.size() ? wv.begin() : nullptr);
  for (int& l : labels) ++l;
  return Rcpp::wrap(labels);
}

namespace {

// The starts of one k, read from R once for every structure: label vectors
// (0-based, rows of x_init) and parameter lists, with whether each is a
// random start.
struct Starts {
  std::vector<std::vector<int>> labels;
  std::vector<gmmcore::Params> params;
  std::vector<bool> labels_random, params_random;
  // The starts as read from R, in order, until finish_starts() turns them
  // into the partitions above: a partition (`seeds` empty) or the seeds of
  // a k-means++ start (its k uniforms) with its column scales.
  struct Pending {
    std::vector<int> labels;
    std::vector<double> seeds;
    Eigen::VectorXd scale;
    bool random = false;
  };
  std::vector<Pending> pending;
};

// Whether two labellings (0..k-1) split the rows alike, whatever the
// numbering.
bool same_partition(const std::vector<int>& a, const std::vector<int>& b, Index k) {
  std::vector<int> map(k, -1), back(k, -1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (map[a[i]] < 0 && back[b[i]] < 0) {
      map[a[i]] = b[i];
      back[b[i]] = a[i];
    } else if (map[a[i]] != b[i]) {
      return false;
    }
  }
  return true;
}

// The Lloyd iterations after a k-means++ seeding.
const int kmeans_iter = 10;

// A start is a list of parameters, an integer vector of labels (1..k), or a
// double vector of the k uniforms that seed k-means++ on the standardised
// rows of x_init (drawn in R, the labels computed here).
Starts read_starts(const Rcpp::List& starts, const Rcpp::LogicalVector& random,
                   Index k, const MapMat& x_init, const Eigen::VectorXd& centre,
                   const Eigen::VectorXd& scale, const double* init_w) {
  if (random.size() != starts.size()) Rcpp::stop("internal: `random` has the wrong length");
  const Index n_init_rows = x_init.rows(), d = x_init.cols();
  Starts out;
  for (R_xlen_t s = 0; s < starts.size(); ++s) {
    Starts::Pending p;
    p.random = random[s] == TRUE;
    if (TYPEOF(starts[s]) == VECSXP) {
      out.params.push_back(as_params(starts[s], d));
      gmmcore::factorize(out.params.back());
      out.params_random.push_back(p.random);
      continue;
    } else if (TYPEOF(starts[s]) == REALSXP) {
      // k uniforms, then optionally d weights that multiply the standardised
      // coordinates.
      Rcpp::NumericVector u = starts[s];
      if ((u.size() != k && u.size() != k + d) || k > n_init_rows)
        Rcpp::stop("internal: a k-means++ seed has the wrong length");
      p.scale = scale;
      if (u.size() == k + d)
        for (Index c = 0; c < d; ++c) p.scale(c) /= u[k + c];
      p.seeds.assign(u.begin(), u.begin() + k);
    } else {
      Rcpp::IntegerVector lab = starts[s];
      if (lab.size() != n_init_rows) Rcpp::stop("internal: a start has the wrong length");
      p.labels.assign(lab.begin(), lab.end());
      for (int& l : p.labels) {
        if (l < 1 || l > k) Rcpp::stop("internal: a start label is out of range");
        --l;
      }
    }
    out.pending.push_back(std::move(p));
  }
  return out;
}

// The partitions of the starts read by read_starts(): k-means++ labels
// computed (nothing here touches R, so the ks' starts can be finished on
// the threads), and a partition drawn twice (common for well-separated
// groups) kept once, the first time it comes.
void finish_starts(Starts& st, Index k, const MapMat& x_init, const Eigen::VectorXd& centre,
                   const double* init_w) {
  for (Starts::Pending& p : st.pending) {
    std::vector<int> labels =
        p.seeds.empty() ? std::move(p.labels)
                        : gmmcore::kmeanspp_labels(x_init, centre, p.scale, p.seeds,
                                                   kmeans_iter, init_w);
    bool seen = false;
    for (const std::vector<int>& other : st.labels) seen = seen || same_partition(labels, other, k);
    if (seen) continue;
    st.labels.push_back(std::move(labels));
    st.labels_random.push_back(p.random);
  }
  st.pending.clear();
}

// One candidate's outcome, in C++ types only (it may be computed on a worker
// thread, where nothing may touch R).
struct Outcome {
  gmmcore::EmResult fit;
  std::vector<gmmcore::StartFailure> failures;
  Eigen::VectorXd flatness, reg;
  bool failed = false;
  std::string error;
  int component = 0;
};

// Only the main thread asks R about interrupts; every thread sees the answer.
class SharedMonitor : public gmmcore::Monitor {
 public:
  explicit SharedMonitor(RMonitor& r) : r_(r), stop_(false) {}
  bool interrupted() override {
    if (gmmcore::thread_number() == 0 && r_.interrupted()) stop_ = true;
    return stop_;
  }
  void on_iteration(int iter, double loglik) override {
    if (gmmcore::thread_number() == 0) r_.on_iteration(iter, loglik);
  }
  bool stopped() const { return stop_; }

 private:
  RMonitor& r_;
  std::atomic<bool> stop_;
};

// The starts as parameters of one structure: M-steps of the partitions.
std::vector<gmmcore::Params> start_params(const gmmcore::Data& x_init, const Starts& st, Index k,
                                          gmmcore::CovType type, const gmmcore::Control& ctrl,
                                          std::vector<bool>& patient,
                                          std::vector<gmmcore::StartFailure>& failures) {
  std::vector<gmmcore::Params> out = st.params;
  patient = st.params_random;
  for (std::size_t s = 0; s < st.labels.size(); ++s) {
    try {
      out.push_back(gmmcore::params_from_labels(x_init, st.labels[s], k, type, ctrl));
      patient.push_back(st.labels_random[s]);
    } catch (const gmmcore::numerical_error& e) {
      failures.push_back({e.what(), e.component()});
    }
  }
  return out;
}

Outcome fit_candidate(const gmmcore::Data& x, const gmmcore::Data& x_init, bool init_is_x, Index k,
                      const Starts& st, gmmcore::CovType type, const gmmcore::Control& ctrl,
                      const Eigen::VectorXd& var, int short_iter, double margin,
                      gmmcore::Monitor& monitor, gmmcore::EmWork& work, double* post_out) {
  Outcome o;
  try {
    std::vector<bool> patient;
    std::vector<gmmcore::Params> params =
        start_params(x_init, st, k, type, ctrl, patient, o.failures);
    if (params.empty())
      throw gmmcore::numerical_error(o.failures.front().message, o.failures.front().component);
    // The posteriors go to `post_out` (n x k) when given, otherwise to
    // storage of the candidate's own (only scratch when `ctrl` keeps no
    // posteriors, and then rarely touched).
    Eigen::MatrixXd own(post_out ? 0 : x.rows(), post_out ? 0 : k);
    Eigen::Map<Eigen::MatrixXd> post(post_out ? post_out : own.data(), x.rows(), k);
    o.fit = gmmcore::run_starts(x, x_init, init_is_x, params, patient, type, ctrl, short_iter,
                                margin, monitor, post, o.failures, work);
    o.flatness = gmmcore::flatness(o.fit.params, ctrl.reg, var.cwiseSqrt());
    o.reg = ctrl.reg;
  } catch (const gmmcore::numerical_error& e) {
    o.failed = true;
    o.error = e.what();
    o.component = e.component();
  }
  return o;
}

Rcpp::List wrap_failures(const std::vector<gmmcore::StartFailure>& failures) {
  Rcpp::CharacterVector msg(failures.size());
  Rcpp::IntegerVector comp(failures.size());
  for (std::size_t i = 0; i < failures.size(); ++i) {
    msg[i] = failures[i].message;
    comp[i] = failures[i].component;
  }
  return Rcpp::List::create(Rcpp::Named("message") = msg, Rcpp::Named("component") = comp);
}

Rcpp::List wrap_outcome(const Outcome& o) {
  if (o.failed)
    return Rcpp::List::create(Rcpp::Named("error") = o.error,
                              Rcpp::Named("component") = o.component);
  const gmmcore::EmResult& r = o.fit;
  Rcpp::List out = Rcpp::List::create(
      Rcpp::Named("weights") = Rcpp::wrap(r.params.weights),
      Rcpp::Named("means") = Rcpp::wrap(r.params.means),
      Rcpp::Named("covariances") = wrap_cov(r.params),
      Rcpp::Named("loglik") = r.loglik - r.log_prior, Rcpp::Named("log_prior") = r.log_prior,
      Rcpp::Named("trace") = Rcpp::wrap(r.trace), Rcpp::Named("inner") = Rcpp::wrap(r.inner),
      Rcpp::Named("n_iter") = r.n_iter,
      Rcpp::Named("converged") = r.converged, Rcpp::Named("stopped_flat") = r.stopped_flat,
      Rcpp::Named("entropy") = r.entropy,
      Rcpp::Named("flatness") = Rcpp::wrap(o.flatness), Rcpp::Named("reg") = Rcpp::wrap(o.reg),
      Rcpp::Named("failures") = wrap_failures(o.failures));
  if (!r.path.empty()) {
    Rcpp::List path(r.path.size());
    for (std::size_t i = 0; i < r.path.size(); ++i) path[i] = wrap_params(r.path[i]);
    out["path"] = path;
  }
  return out;
}

// A search's outcomes, kept in C++ for R to take the ones it needs
// (cpp_grid_fit()): a search keeps one of its candidates, and making R
// objects of all of them costs more than a small search's fits.
struct GridStore {
  std::vector<Outcome> out;
};

// The columns of the search table that come from the candidates' outcomes
// (one row per candidate, NA where it failed): loglik, entropy, converged,
// n_iter, the smallest flatness of its components; and the errors; with
// the outcomes themselves as `fits` for a single candidate, else held in
// `store`.
Rcpp::List wrap_grid(std::vector<Outcome>& out) {
  const int n = static_cast<int>(out.size());
  Rcpp::NumericMatrix summary(n, 5);
  Rcpp::CharacterVector error(n);
  for (int c = 0; c < n; ++c) {
    const Outcome& o = out[c];
    if (o.failed) {
      for (int j = 0; j < 5; ++j) summary(c, j) = NA_REAL;
      error[c] = o.error;
      continue;
    }
    summary(c, 0) = o.fit.loglik - o.fit.log_prior;
    summary(c, 1) = o.fit.entropy;
    summary(c, 2) = o.fit.converged;
    summary(c, 3) = o.fit.n_iter;
    summary(c, 4) = o.flatness.size() ? o.flatness.minCoeff() : R_PosInf;
    error[c] = NA_STRING;
  }
  if (n == 1) {
    return Rcpp::List::create(Rcpp::Named("fits") = Rcpp::List::create(wrap_outcome(out[0])),
                              Rcpp::Named("summary") = summary, Rcpp::Named("error") = error);
  }
  Rcpp::XPtr<GridStore> store(new GridStore{std::move(out)}, true);
  return Rcpp::List::create(Rcpp::Named("store") = store, Rcpp::Named("summary") = summary,
                            Rcpp::Named("error") = error);
}

}  // namespace

// Every candidate of a search: each k of `ks` with each structure of
// `cov_types`, fitted from the starts of its k (`starts[[i]]`, shared by the
// structures; short runs of `short_iter[i]` iterations on x_init, the best
// carried to convergence on x, and when x_init is x also the others within
// control$init_margin of it while they can overtake it (gmmcore::run_starts);
// `random[[i]]` marks the starts from random
// partitions, whose short runs are not cut short by the convergence test),
// with relative `reg` scaled by the column variances `var` (k-means++ starts
// are computed on x_init less `centre`, divided by sqrt(var)). Returns, for
// each structure and within it each k, the parameters and fit summaries (no
// posterior, except for a single candidate, whose posteriors at the returned
// parameters come with it) or the error, with the search table's columns
// (wrap_grid()). On small data, whose passes run on one thread,
// the candidates are instead fitted side by side on the threads, handed out
// one at a time from the largest k down, in one parallel region (so that a
// thread slowed by a busy core holds up at most its last candidate); each is
// computed exactly as alone, so the results do not depend on the threads.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_fit_grid(Rcpp::NumericMatrix x, Rcpp::NumericMatrix x_init, bool init_is_x,
                        Rcpp::IntegerVector ks, Rcpp::List starts, Rcpp::List random,
                        Rcpp::IntegerVector cov_types, Rcpp::List control,
                        Rcpp::NumericVector centre, Rcpp::NumericVector var,
                        Rcpp::IntegerVector short_iter, bool verbose = false, int isa = -1,
                        Rcpp::NumericVector case_w = Rcpp::NumericVector::create(),
                        Rcpp::NumericVector init_w = Rcpp::NumericVector::create(),
                        int n_complete = -1) {
  const Index d = x.ncol();
  const int n_k = ks.size(), n_types = cov_types.size();
  if (x_init.ncol() != d || var.size() != d || centre.size() != d || starts.size() != n_k ||
      random.size() != n_k || short_iter.size() != n_k)
    Rcpp::stop("internal: shapes do not match");
  const Eigen::VectorXd v = Eigen::Map<const Eigen::VectorXd>(var.begin(), d);
  const Eigen::VectorXd c = Eigen::Map<const Eigen::VectorXd>(centre.begin(), d);
  const gmmcore::Control base = as_control(control, isa);
  const double reg = Rcpp::as<double>(control["reg"]);
  const MapMat xm = as_map(x), xi = as_map(x_init);
  const double* w = weights_or_null(case_w, x.nrow());
  const double* wi = weights_or_null(init_w, x_init.nrow());
  const IncompleteRows incomplete(xm, n_complete);
  const gmmcore::Data data = incomplete.data(xm, w), data_init(xi, wi);
  // The number of observations the log-likelihood counts (given, for short
  // runs on a subsample of data held elsewhere: the whole data's weight).
  const double n_obs = control.containsElementNamed("n_obs")
                           ? Rcpp::as<double>(control["n_obs"])
                           : w ? std::accumulate(w, w + x.nrow(), 0.0)
                               : static_cast<double>(x.nrow());
  // A control object from before `init_margin` existed carries on only the
  // best start, as it did then.
  const double margin = control.containsElementNamed("init_margin")
                            ? Rcpp::as<double>(control["init_margin"])
                            : 0.0;
  // Only a single candidate's posteriors are kept (R computes the chosen
  // one's), unless the control list asks for every candidate's: tests
  // compare the two ways to the second M-step passes, which read them.
  const bool keep_posteriors = n_k * n_types == 1 ||
                               (control.containsElementNamed("keep_posteriors") &&
                                Rcpp::as<bool>(control["keep_posteriors"]));
  // With a prior, its hyperparameters for each k (the default scale
  // depends on k).
  std::vector<gmmcore::Prior> priors(n_k);
  if (control.containsElementNamed("priors") && !Rf_isNull(control["priors"])) {
    const Rcpp::List pl = control["priors"];
    if (pl.size() != n_k) Rcpp::stop("internal: one prior per k is needed");
    for (int i = 0; i < n_k; ++i) priors[i] = as_prior(pl[i], d);
  }
  std::vector<Starts> st;
  int k_max = 1;
  for (int i = 0; i < n_k; ++i) {
    st.push_back(read_starts(starts[i], random[i], ks[i], xi, c, v.cwiseSqrt(), wi));
    k_max = std::max(k_max, ks[i]);
  }
  // The k-means++ partitions of every k, on the threads (one k each).
  {
    std::vector<std::string> errors(n_k);
    auto finish = [&](int i) {
      try {
        finish_starts(st[i], ks[i], xi, c, wi);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    };
    // (Largest k first.)
    gmmcore::for_each_item(n_k, std::max(1, std::min(base.n_threads, n_k)),
                           [&](int i) { finish(n_k - 1 - i); });
    for (const std::string& e : errors)
      if (!e.empty()) Rcpp::stop("internal: %s", e);
  }
  std::vector<gmmcore::CovType> types(n_types);
  for (int t = 0; t < n_types; ++t) types[t] = as_cov_type(cov_types[t]);
  RMonitor rmonitor(verbose);
  SharedMonitor monitor(rmonitor);
  const int n_cand = n_k * n_types;
  std::vector<Outcome> out(n_cand);
  // A single candidate's posteriors are written straight into the matrix
  // R keeps.
  Rcpp::NumericMatrix single_post =
      n_cand == 1 ? Rcpp::NumericMatrix(Rcpp::no_init(x.nrow(), ks[0])) : Rcpp::NumericMatrix(0, 0);
  const int threads =
      verbose ? 1 : gmmcore::candidate_threads(base.n_threads, n_cand, x.nrow(), k_max, d);
  // EM storage per thread, kept from candidate to candidate (neighbours
  // share k, so it is rarely resized).
  std::vector<gmmcore::ThreadSlot<gmmcore::EmWork>> work(threads);
  auto run = [&](int c) {
    // Largest k first when in parallel: the longest candidates are not left
    // to the end.
    const int i = threads > 1 ? n_k - 1 - c / n_types : c / n_types;
    const int t = c % n_types;
    Outcome& o = out[t * n_k + i];
    gmmcore::Control ctrl = gmmcore::scale_free(base, types[t], reg, v, n_obs);
    ctrl.prior = priors[i];
    ctrl.posteriors = keep_posteriors;
    try {
      o = fit_candidate(data, data_init, init_is_x, ks[i], st[i], types[t], ctrl, v, short_iter[i],
                        margin, monitor, work[threads > 1 ? gmmcore::thread_number() : 0].value,
                        n_cand == 1 ? single_post.begin() : nullptr);
    } catch (const gmmcore::interrupted_error&) {
      // monitor.stopped() says so once every thread is done
    } catch (const std::exception& e) {
      // Nothing may leave a parallel region: any other failure is the
      // candidate's error.
      o.failed = true;
      o.error = std::string("internal: ") + e.what();
    }
  };
  gmmcore::for_each_item(n_cand, threads, run);
  if (monitor.stopped()) throw Rcpp::internal::InterruptedException();
  Rcpp::List grid = wrap_grid(out);
  if (n_cand == 1 && !out[0].failed) {
    Rcpp::List fits = grid["fits"];
    Rcpp::List one = fits[0];
    one["posterior"] = single_post;
    fits[0] = one;
  }
  return grid;
}

// Candidate i (1-based) of a search's outcomes held by cpp_fit_grid(), as
// a single candidate's are returned.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_grid_fit(SEXP store, int i) {
  if (TYPEOF(store) != EXTPTRSXP) Rcpp::stop("internal: not a search's outcomes");
  Rcpp::XPtr<GridStore> p(store);
  if (!p.get()) Rcpp::stop("internal: a search's outcomes are gone (saved and restored?)");
  if (i < 1 || i > static_cast<int>(p->out.size())) Rcpp::stop("internal: no candidate %d", i);
  return wrap_outcome(p->out[i - 1]);
}

// The instruction set the kernels use for a request (-1: the widest this
// processor supports).
// [[Rcpp::export(rng = false)]]
std::string cpp_isa(int isa) {
  return gmmcore::isa_name(gmmcore::resolve_isa(as_isa(isa)));
}

// Which columns hold a single value, for the argument checks in R: one scan
// and no copy of the data (R's column extraction would copy each column).
// Missing values (NA, NaN) are passed over: a column with fewer than two
// distinct observed values counts as constant.
// [[Rcpp::export(rng = false)]]
Rcpp::LogicalVector cpp_constant_columns(Rcpp::NumericMatrix x) {
  const R_xlen_t n = x.nrow();
  Rcpp::LogicalVector out(x.ncol());
  for (int j = 0; j < x.ncol(); ++j) {
    const double* col = x.begin() + j * n;
    R_xlen_t first = 0;
    while (first < n && std::isnan(col[first])) ++first;
    bool same = true;
    for (R_xlen_t i = first + 1; i < n && same; ++i)
      same = col[i] == col[first] || std::isnan(col[i]);
    out[j] = same;
  }
  return out;
}

// The order the engine wants the rows of x in when some have missing values
// (NA, NaN): the complete rows first, then the others grouped by their set
// of missing columns (rows keep their order within a group), as 1-based row
// numbers; with the number of complete rows and the rows with no value.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_missing_layout(Rcpp::NumericMatrix x) {
  const R_xlen_t n = x.nrow();
  const int d = x.ncol(), words = (d + 63) / 64;
  std::vector<std::uint64_t> mask(static_cast<std::size_t>(n) * words, 0);
  for (int j = 0; j < d; ++j) {
    const double* col = x.begin() + static_cast<R_xlen_t>(j) * n;
    const std::uint64_t bit = std::uint64_t(1) << (j % 64);
    for (R_xlen_t i = 0; i < n; ++i)
      if (std::isnan(col[i])) mask[i * words + j / 64] |= bit;
  }
  std::vector<R_xlen_t> rows(n);
  for (R_xlen_t i = 0; i < n; ++i) rows[i] = i;
  // Complete rows (mask zero) sort first.
  std::stable_sort(rows.begin(), rows.end(), [&](R_xlen_t a, R_xlen_t b) {
    for (int w = 0; w < words; ++w)
      if (mask[a * words + w] != mask[b * words + w])
        return mask[a * words + w] < mask[b * words + w];
    return false;
  });
  R_xlen_t complete = 0;
  while (complete < n) {
    bool none = true;
    for (int w = 0; w < words && none; ++w) none = mask[rows[complete] * words + w] == 0;
    if (!none) break;
    ++complete;
  }
  Rcpp::NumericVector order(n);
  for (R_xlen_t i = 0; i < n; ++i) order[i] = static_cast<double>(rows[i] + 1);
  // Rows with every value missing (1-based), for the caller's error.
  std::vector<double> empty;
  for (R_xlen_t i = 0; i < n; ++i) {
    int missing = 0;
    for (int w = 0; w < words; ++w) missing += __builtin_popcountll(mask[i * words + w]);
    if (missing == d) empty.push_back(static_cast<double>(i + 1));
  }
  return Rcpp::List::create(Rcpp::Named("order") = order,
                            Rcpp::Named("n_complete") = static_cast<double>(complete),
                            Rcpp::Named("empty") = Rcpp::wrap(empty));
}

// Rows of x in another order: row i of the result is row ord[i] of x
// (1-based), or with `inverse` the other way round (row ord[i] of the
// result is row i of x). No dimnames.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericMatrix cpp_reorder_rows(Rcpp::NumericMatrix x, Rcpp::NumericVector ord,
                                     bool inverse = false) {
  const R_xlen_t n = x.nrow();
  if (ord.size() != n) Rcpp::stop("internal: `ord` has the wrong length");
  std::vector<R_xlen_t> idx(n);
  for (R_xlen_t i = 0; i < n; ++i) {
    idx[i] = static_cast<R_xlen_t>(ord[i]) - 1;
    if (idx[i] < 0 || idx[i] >= n) Rcpp::stop("internal: `ord` is out of range");
  }
  Rcpp::NumericMatrix out(Rcpp::no_init(n, x.ncol()));
  for (int j = 0; j < x.ncol(); ++j) {
    const double* src = x.begin() + static_cast<R_xlen_t>(j) * n;
    double* dst = out.begin() + static_cast<R_xlen_t>(j) * n;
    if (inverse) {
      for (R_xlen_t i = 0; i < n; ++i) dst[idx[i]] = src[i];
    } else {
      for (R_xlen_t i = 0; i < n; ++i) dst[i] = src[idx[i]];
    }
  }
  return out;
}

// The number of values of x that are infinite (and, unless `allow_na`,
// missing), and the 1-based position of the first; one scan, no copy.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector cpp_count_bad(Rcpp::NumericMatrix x, bool allow_na) {
  double count = 0.0, first = 0.0;
  const R_xlen_t len = x.size();
  const double* v = x.begin();
  for (R_xlen_t i = 0; i < len; ++i) {
    const bool bad = allow_na ? std::isinf(v[i]) : !std::isfinite(v[i]);
    if (!bad) continue;
    if (count == 0.0) first = static_cast<double>(i + 1);
    count += 1.0;
  }
  return Rcpp::NumericVector::create(count, first);
}

// Each missing value (NA, NaN) of x replaced by its column's `centre`, in a
// copy.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericMatrix cpp_fill_missing(Rcpp::NumericMatrix x, Rcpp::NumericVector centre) {
  if (centre.size() != x.ncol()) Rcpp::stop("internal: `centre` has the wrong length");
  Rcpp::NumericMatrix out = Rcpp::clone(x);
  const R_xlen_t n = x.nrow();
  for (int j = 0; j < x.ncol(); ++j) {
    double* col = out.begin() + j * n;
    for (R_xlen_t i = 0; i < n; ++i)
      if (std::isnan(col[i])) col[i] = centre[j];
  }
  return out;
}

// Column means and variances of the observed values (NA and NaN passed
// over), weighted by `w` when given, by the two-pass formula, one column at
// a time and without a copy of the data. The variance's divisor is the sum
// of the weights less one (n - 1 without weights), or the sum of the
// weights when that is at most one.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_observed_moments(Rcpp::NumericMatrix x, Rcpp::NumericVector w) {
  const R_xlen_t n = x.nrow();
  if (w.size() != 0 && w.size() != n) Rcpp::stop("internal: `w` has the wrong length");
  const bool weighted = w.size() != 0;
  Rcpp::NumericVector centre(x.ncol()), var(x.ncol());
  for (int j = 0; j < x.ncol(); ++j) {
    const double* col = x.begin() + j * n;
    double total = 0.0, s = 0.0;
    for (R_xlen_t i = 0; i < n; ++i) {
      if (std::isnan(col[i])) continue;
      const double wi = weighted ? w[i] : 1.0;
      total += wi;
      s += wi * col[i];
    }
    const double m = s / total;
    double ss = 0.0;
    for (R_xlen_t i = 0; i < n; ++i) {
      if (std::isnan(col[i])) continue;
      const double wi = weighted ? w[i] : 1.0;
      ss += wi * (col[i] - m) * (col[i] - m);
    }
    centre[j] = m;
    var[j] = total > 1.0 ? ss / (total - 1.0) : ss / total;
  }
  return Rcpp::List::create(Rcpp::Named("centre") = centre, Rcpp::Named("var") = var);
}

// Column means and variances (divisor n - 1) by the two-pass formula, one
// column at a time and without a copy of the data.
// [[Rcpp::export(rng = false)]]
Rcpp::List cpp_column_moments(Rcpp::NumericMatrix x) {
  const R_xlen_t n = x.nrow();
  Rcpp::NumericVector centre(x.ncol()), var(x.ncol());
  for (int j = 0; j < x.ncol(); ++j) {
    const double* col = x.begin() + j * n;
    double s = 0.0;
    for (R_xlen_t i = 0; i < n; ++i) s += col[i];
    const double m = s / static_cast<double>(n);
    double ss = 0.0;
    for (R_xlen_t i = 0; i < n; ++i) ss += (col[i] - m) * (col[i] - m);
    centre[j] = m;
    var[j] = n > 1 ? ss / static_cast<double>(n - 1) : 0.0;
  }
  return Rcpp::List::create(Rcpp::Named("centre") = centre, Rcpp::Named("var") = var);
}

// Relabels the engine's posterior matrix in place: column j becomes old
// column ord[j] (1-based), with one column of scratch, and `dimnames` are
// set. Only for the matrix a fit has just received from cpp_em() and will
// keep: R's own `[` and `dimnames<-` would each copy the n x k matrix.
// [[Rcpp::export(rng = false)]]
void cpp_relabel_posterior(Rcpp::NumericMatrix x, Rcpp::IntegerVector ord,
                           Rcpp::List dimnames) {
  const int k = x.ncol();
  const R_xlen_t n = x.nrow();
  if (ord.size() != k) Rcpp::stop("internal: `ord` has the wrong length");
  std::vector<int> src(k);
  for (int j = 0; j < k; ++j) {
    src[j] = ord[j] - 1;
    if (src[j] < 0 || src[j] >= k) Rcpp::stop("internal: `ord` is not a permutation");
  }
  // Follow each cycle of the permutation, holding one column aside.
  std::vector<bool> done(k, false);
  std::vector<double> held(n);
  double* base = x.begin();
  for (int start = 0; start < k; ++start) {
    if (done[start] || src[start] == start) continue;
    std::copy(base + start * n, base + (start + 1) * n, held.begin());
    int j = start;
    while (src[j] != start) {
      std::copy(base + src[j] * n, base + (src[j] + 1) * n, base + j * n);
      done[j] = true;
      j = src[j];
    }
    std::copy(held.begin(), held.end(), base + j * n);
    done[j] = true;
  }
  Rf_setAttrib(x, R_DimNamesSymbol, dimnames);
}

// The most probable column of each row of a posterior matrix (1-based; the
// first of equal maxima), NA for a row holding NaN: max.col(x, "first"),
// without its R-level cost on small data.
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector cpp_classify(Rcpp::NumericMatrix x) {
  const R_xlen_t n = x.nrow();
  const int k = x.ncol();
  Rcpp::IntegerVector out(Rcpp::no_init(n));
  const double* p = x.begin();
  for (R_xlen_t i = 0; i < n; ++i) {
    int best = k > 0 ? 0 : NA_INTEGER;
    double top = k > 0 ? p[i] : 0.0;
    for (int j = 0; j < k; ++j) {
      const double v = p[i + j * n];
      if (std::isnan(v)) {
        best = NA_INTEGER;
        break;
      }
      if (top < v) {
        top = v;
        best = j;
      }
    }
    out[i] = best == NA_INTEGER ? NA_INTEGER : best + 1;
  }
  return out;
}

// Model-based hierarchical clustering (gmmcore/hc.h): labels for each k in
// `ks`, one column each. `partition` is empty or gives every row its initial
// group 1..g, numbered by first appearance.
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerMatrix cpp_hc(Rcpp::NumericMatrix x, Rcpp::IntegerVector ks,
                           Rcpp::IntegerVector partition) {
  if (partition.size() != 0 && partition.size() != x.nrow())
    Rcpp::stop("internal: `partition` has the wrong length");
  std::vector<int> groups(partition.begin(), partition.end());
  for (int& g : groups) g -= 1;
  const std::vector<int> k(ks.begin(), ks.end());
  const auto merges = gmmcore::hc::hc_merges(as_map(x), groups);
  const Eigen::MatrixXi labels = gmmcore::hc::hc_cut(merges, groups, x.nrow(), k);
  Rcpp::IntegerMatrix out(x.nrow(), ks.size());
  std::copy(labels.data(), labels.data() + labels.size(), out.begin());
  return out;
}

