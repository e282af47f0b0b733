// gmmcore/pass.h
//
// Contract: one pass over the data, block by block, with the kernel of
// dispatch.h. A pass can compute posteriors (an E-step), add each
// component's sufficient statistics about a shift (the data part of an
// M-step), or both at once on each block while it is in cache: the EM loop
// uses the fused pass, so an iteration reads the data once. Blocks are
// grouped in slabs (blocks.h); each slab sums its blocks in order and slabs
// are added in slab order, so results are bit-identical for any number of
// threads. Memory beyond the posterior matrix: one Scratch per thread and
// one SlabSums per slab, O((threads x block + slabs x d) x k x d) at most.
#ifndef GMMCORE_PASS_H
#define GMMCORE_PASS_H

#include <cmath>
#include "blocks.h"
#include "dispatch.h"

namespace gmmcore {

// A k x d matrix as the kernels read it, component-major: out[j d + c].
inline std::vector<double> component_major(const Matrix& m) {
  std::vector<double> out(m.rows() * m.cols());
  for (Index j = 0; j < m.rows(); ++j)
    for (Index c = 0; c < m.cols(); ++c) out[j * m.cols() + c] = m(j, c);
  return out;
}

// Lays out the parameters for the kernel. Full and tied structures use the
// inverse of the Cholesky factor (so a distance is a product, not a
// solve); diagonal ones the reciprocal standard deviations.
inline KernelModel make_model(const Params& p, CovType type) {
  KernelModel m;
  const Index d = p.d(), k = p.k();
  m.d = d;
  m.k = k;
  m.diagonal = !needs_full(type, d);
  m.mu = component_major(p.means);
  m.cst.resize(k);
  m.prec.assign(m.diagonal ? k * d : k * d * d, 0.0);
  const double log_2pi = std::log(2.0 * M_PI);
  for (Index j = 0; j < k; ++j) {
    m.cst[j] = std::log(p.weights(j)) -
               0.5 * (static_cast<double>(d) * log_2pi + p.log_det(j));
    if (m.diagonal) {
      for (Index c = 0; c < d; ++c) m.prec[j * d + c] = 1.0 / p.chol[j](c, c);
    } else {
      const Matrix inv = p.chol[j].triangularView<Eigen::Lower>().solve(
          Matrix::Identity(d, d));
      for (Index r = 0; r < d; ++r)
        for (Index c = 0; c <= r; ++c) m.prec[j * d * d + r * d + c] = inv(r, c);
    }
  }
  return m;
}

struct PassSpec {
  bool estep = true;           // compute posteriors from the model
  double* post = nullptr;      // n x k column-major, written (estep)
  const double* post_in = nullptr;  // n x k, read (no estep), leading dim n
  Vector* logdens = nullptr;   // optional row log densities (estep)
  const double* shift = nullptr;  // k x d; statistics are summed when set
  bool full_second = true;
  int n_threads = 1;
  Isa isa = Isa::Auto;
};

// Returns the slab sums added in slab order (loglik and bad included).
inline SlabSums data_pass(const Eigen::Ref<const Matrix>& X,
                          const KernelModel& model, const PassSpec& spec) {
  const Index n = X.rows(), d = X.cols(), k = model.k;
  const bool full = spec.full_second, moments = spec.shift != nullptr;
  const Blocks blocks(n, moments ? k * d * (full ? d + 1 : 2) : 0);
  const Index S = blocks.n_slabs;
  const kern::BlockFn fn = kern::block_fn(spec.isa);
  if (spec.logdens) spec.logdens->resize(n);
  std::vector<SlabSums> sums(S);

#ifdef _OPENMP
#pragma omp parallel num_threads(effective_threads(spec.n_threads, S, pass_work(n, k, d, !model.diagonal)))
#endif
  {
    // Each thread keeps its scratch from pass to pass (EM on small data
    // makes many short passes, where allocating it would cost more than the
    // pass); a block of a small data set is short, so only its rows count.
    static thread_local Scratch sc;
    sc.resize(d, k, std::min<Index>(kBlockRows, (n + 15) / 16 * 16));
    // Slabs are handed out as threads come free (a busy core then costs
    // only its share); which thread sums a slab does not change the sum.
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (Index s = 0; s < S; ++s) {
      sums[s].reset(k, d, full, moments);
      for (Index b = blocks.slab_first_block(s); b < blocks.slab_end_block(s); ++b) {
        BlockJob job;
        job.start = blocks.block_start(b);
        job.rows = blocks.block_size(b);
        job.x = X.data() + job.start;
        job.ldx = X.outerStride();
        job.estep = spec.estep;
        job.ldp = n;
        job.post = spec.estep ? spec.post : nullptr;
        job.post_in = spec.estep ? nullptr : spec.post_in;
        job.logdens = spec.logdens ? spec.logdens->data() : nullptr;
        job.model = &model;
        job.shift = spec.shift;
        job.full_second = full;
        job.sums = &sums[s];
        fn(job, sc);
      }
    }
  }

  SlabSums total;
  total.reset(k, d, full, moments);
  for (Index s = 0; s < S; ++s) {
    total.loglik += sums[s].loglik;
    total.bad = total.bad || sums[s].bad;
    for (std::size_t i = 0; i < total.count.size(); ++i) total.count[i] += sums[s].count[i];
    for (std::size_t i = 0; i < total.first.size(); ++i) total.first[i] += sums[s].first[i];
    for (std::size_t i = 0; i < total.second.size(); ++i) total.second[i] += sums[s].second[i];
  }
  return total;
}

}  // namespace gmmcore

#endif
