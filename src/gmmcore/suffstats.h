// gmmcore/suffstats.h
//
// Contract: EM as sums over rows, for data held in pieces. block_stats()
// gives the sufficient statistics of a block of rows under given
// parameters (SlabSums: each component's weight sum and first and second
// moments about a shift, with the block's log-likelihood and entropy),
// from the same fused pass an in-memory EM iteration makes (complete rows
// through the kernels, incomplete ones by pattern, case weights). Blocks'
// statistics about the same shift are merged with SlabSums::merge(), in a
// fixed order; params_from_stats() turns merged statistics into the next
// parameters with the model's M-step. When the shift was too far from the
// new means for the moments to be accurate (mstep.h), the caller sums the
// blocks again about those means (same parameters, `shift` set) and asks
// again. Nothing here keeps the data or an n x k posterior.
#ifndef GMMCORE_SUFFSTATS_H
#define GMMCORE_SUFFSTATS_H

#include "em.h"

namespace gmmcore {

// The statistics of the rows of `data` under `p` (factorised), about
// `shift` (k x d, component-major; null: p's means).
inline SlabSums block_stats(const Data& data, const Params& p, CovType type,
                            const double* shift, int n_threads, Isa isa) {
  const KernelModel model = make_model(p, type);
  PassSpec spec;
  spec.post = nullptr;
  spec.shift = shift ? shift : model.mu.data();
  spec.full_second = needs_full(type, p.d());
  spec.n_threads = n_threads;
  spec.isa = isa;
  SlabSums sums;
  std::vector<SlabSums> scratch;
  CondModel cond;
  view_pass(data, &p, model, spec, cond, sums, scratch);
  return sums;
}

struct StatsStep {
  Params params;
  bool inexact = false;   // sum again about params.means and ask again
  int rounds = 0;         // inner rounds of an iterative model's M-step
};

// The next parameters from merged statistics about `shift` (k x d,
// component-major); `about_means` when the shift is the means themselves
// (the second sum). `previous` holds the parameters the statistics were
// computed under (the iterative models start from them).
inline StatsStep params_from_stats(const SlabSums& s, const double* shift, Index d,
                                   CovType type, const Control& ctrl, const Params* previous,
                                   bool about_means = false) {
  StatsStep out;
  const Scatter sc = scatter_from_sums(s, shift, d, needs_full(type, d), about_means);
  out.inexact = sc.inexact;
  if (out.inexact) {
    out.params.means = sc.means;
    return out;
  }
  structure_step(sc, type, ctrl.reg, out.params, previous, ctrl.equal_weights, &ctrl.prior,
                 &out.rounds);
  return out;
}

}  // namespace gmmcore

#endif
