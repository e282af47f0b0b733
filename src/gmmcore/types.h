// gmmcore/types.h
//
// Contract: plain data types shared by the EM engine. Nothing here knows about
// R; every header under gmmcore/ uses Eigen and the standard library only.
// Parameters are stored with the Cholesky factor of every covariance, so
// densities never need an explicit inverse or determinant.
#ifndef GMMCORE_TYPES_H
#define GMMCORE_TYPES_H

#include <Eigen/Dense>
#include <stdexcept>
#include <string>
#include <vector>

namespace gmmcore {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using Index = Eigen::Index;

// Rows per block of a data pass (blocks.h); the kernels are compiled for
// full blocks of exactly this many rows as well as for any shorter block.
constexpr Index kBlockRows = 256;

// The covariance models, numbered as in the table of structures.h (which
// holds their properties and M-steps) and in R's model table.
enum class CovType {
  Full = 0, Tied = 1, Diag = 2, Spherical = 3,
  EII = 4, EEI = 5, VEI = 6, EVI = 7, VEE = 8, EEV = 9, VEV = 10, EVV = 11,
  EVE = 12, VVE = 13
};

// Instruction sets of the kernels, narrowest first; `Auto` is the widest
// the processor supports (dispatch.h).
enum class Isa { Auto = -1, Baseline = 0, Avx2 = 1, Avx512 = 2 };

struct Params {
  Vector weights;            // k, sums to one
  Matrix means;              // k x d
  std::vector<Matrix> cov;   // k matrices, d x d
  std::vector<Matrix> chol;  // lower Cholesky factors of cov
  Vector log_det;            // log |cov_j|

  Index k() const { return weights.size(); }
  Index d() const { return means.cols(); }
};

// What the data part of the M-step yields per component (mstep.h): the
// count n_j, the mean mu_j and the centred scatter matrix W_j.
struct Scatter {
  Vector n_k;              // k
  Matrix means;            // k x d
  std::vector<Matrix> W;   // k, d x d (lower triangle and diagonal filled)
  bool full = true;        // false: only the diagonals of W are meaningful
  bool inexact = false;    // the shift was too far from some mean
};

// A conjugate prior (Fraley and Raftery 2007): each component's mean normal
// about `mean` with covariance Sigma_j / shrinkage, the covariances
// inverse-Wishart with `dof` degrees of freedom and scale matrix `scale`
// (the diagonal and spherical models use the mean of its diagonal times the
// identity). How each model takes it into its M-step is prior_share()
// (structures.h). Inactive when `mean` is empty.
struct Prior {
  double shrinkage = 0.0;
  Vector mean;
  double dof = 0.0;
  Matrix scale;
  bool active() const { return mean.size() > 0; }
};

struct Control {
  int max_iter = 100;
  double tol = 1e-5;   // on |dL| / (1 + |L + ll_offset|)
  Vector reg;          // d values added to the covariance diagonals
  // Added to the log-likelihood in the convergence test only: n times the
  // sum of the log scales of the variables makes the test, like the fit,
  // independent of the units of the data.
  double ll_offset = 0.0;
  int n_threads = 1;
  Isa isa = Isa::Auto;  // instruction set of the kernels (dispatch.h)
  // A run stops once some component has been flat for `flat_patience`
  // iterations in a row (0: never): its smallest variance in any direction,
  // in units of each variable's `scale` and with `reg` taken off, at most
  // `flat_tol`. Such a fit sits on tied values and is of no use to a search.
  int flat_patience = 0;
  double flat_tol = 0.0;
  Vector scale;
  // Keep the parameters of every iteration (EmResult::path), for teaching.
  bool keep_path = false;
  // Hold the mixing weights at 1/k (mclust's equalPro).
  bool equal_weights = false;
  // run_starts() returns the best short run as it is, without carrying it
  // on (the caller continues it on data it holds elsewhere: chunks).
  bool short_only = false;
  // The passes write each row's posteriors into the caller's `post`. When
  // false (a search, which computes the chosen model's posteriors once it
  // is chosen), `post` is only scratch and is left unspecified: writing n x k
  // posteriors at every pass is a good part of a large pass's memory traffic.
  bool posteriors = true;
  // With an active prior the M-steps give MAP estimates, and EM climbs
  // (and tests convergence on) the log-likelihood plus the log-prior.
  Prior prior;
};

struct EmResult {
  Params params;
  // With a prior (Control::prior), `loglik` and `trace` hold the
  // log-likelihood plus the log-prior, the objective EM climbs, and
  // `log_prior` the log-prior of the returned parameters.
  double loglik = 0.0;
  double log_prior = 0.0;
  double entropy = 0.0;        // of the posteriors at the returned parameters
  std::vector<double> trace;   // log-likelihood after each iteration
  std::vector<int> inner;      // inner rounds of each iteration's M-step (0: closed form)
  int n_iter = 0;
  bool converged = false;
  int flat_iters = 0;          // iterations in a row, to the last, with a flat
                               // component (counted when flat_patience > 0)
  bool stopped_flat = false;   // stopped by the flat_patience rule
  bool given_up = false;       // stopped because it could no longer overtake (em.h)
  // With Control::keep_path: the start, then the parameters after each
  // iteration (n_iter + 1 of them).
  std::vector<Params> path;
};

// A numerical failure of the fit itself (a component that collapsed or
// emptied). `component` is 1-based, or 0 when no single component is to blame.
class numerical_error : public std::runtime_error {
 public:
  numerical_error(const std::string& msg, int component)
      : std::runtime_error(msg), component_(component) {}
  int component() const { return component_; }

 private:
  int component_;
};

// Raised when the monitor reports a user interrupt between iterations.
class interrupted_error : public std::runtime_error {
 public:
  interrupted_error() : std::runtime_error("interrupted") {}
};

// Called by the EM loop on the calling thread, never inside a parallel region.
class Monitor {
 public:
  virtual ~Monitor() {}
  virtual bool interrupted() { return false; }
  virtual void on_iteration(int /*iter*/, double /*loglik*/) {}
};

}  // namespace gmmcore

#endif
