// gmmcore/estep.h
//
// Contract: the E-step alone. Given data X (n x d) and parameters with
// Cholesky factors, fills `post` (n x k) with posterior probabilities and
// returns the log-likelihood; optionally also each row's log mixture
// density. It is a pass (pass.h) that computes posteriors and sums no
// statistics; the EM loop itself uses the fused pass instead. The result
// does not depend on the number of threads.
#ifndef GMMCORE_ESTEP_H
#define GMMCORE_ESTEP_H

#include "incomplete.h"
#include "pass.h"

namespace gmmcore {

// Returns the log-likelihood; `post` is the caller's n x k matrix, so the
// posteriors can go straight into an R matrix. `row_logdens`, when not null, receives each
// row's log mixture density (length n). A row whose density is zero under
// every component is an error during a fit; otherwise (`strict` false, as
// for new data far from every component) its log density is -Inf and its
// posterior NaN.
// With case weights, the log-likelihood is weighted; rows with missing
// values (Data::incomplete) get their posteriors and densities from their
// observed values.
inline double e_step(const Data& data, const Params& p, CovType type, int n_threads,
                     Eigen::Ref<Matrix> post, Vector* row_logdens = nullptr,
                     bool strict = true, Isa isa = Isa::Auto) {
  const Index n = data.rows();
  if (post.rows() != n || post.cols() != p.k() || post.outerStride() != n)
    throw std::invalid_argument("e_step: `post` must be an n x k matrix");
  if (row_logdens) row_logdens->resize(n);
  PassSpec spec;
  spec.post = post.data();
  spec.logdens = row_logdens;
  spec.n_threads = n_threads;
  spec.isa = isa;
  SlabSums s;
  std::vector<SlabSums> scratch;
  CondModel cond;
  view_pass(data, &p, make_model(p, type), spec, cond, s, scratch);
  if (s.bad && strict)
    throw numerical_error(
        "the log-likelihood is not finite: some observation has zero density "
        "under every component",
        0);
  return s.loglik;
}

}  // namespace gmmcore

#endif
