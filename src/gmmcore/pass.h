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
// The model and the sums can be written into storage the caller keeps, and
// a pass that one thread does (small data) starts no parallel region: an EM
// iteration on a few hundred rows is then little more than its arithmetic.
#ifndef GMMCORE_PASS_H
#define GMMCORE_PASS_H

#include <cmath>
#include <utility>
#include "blocks.h"
#include "dispatch.h"
#include "structures.h"

namespace gmmcore {

// A k x d matrix as the kernels read it, component-major: out[j d + c],
// into `out` (its storage reused).
inline void component_major(const Matrix& m, std::vector<double>& out) {
  out.resize(m.rows() * m.cols());
  for (Index j = 0; j < m.rows(); ++j)
    for (Index c = 0; c < m.cols(); ++c) out[j * m.cols() + c] = m(j, c);
}

// Up to this size a triangular solve of Eigen's is one panel (its panels
// are at least 4 wide), the substitution inverse_factor() writes out.
constexpr Index kSmallSolve = 4;

// The inverse of a lower Cholesky factor as the kernel reads it: row-major,
// written over the d x d doubles at `out`. The inverse is solved column-major
// in place and then transposed, so that it is the same solve as ever without
// a temporary; its upper triangle comes out zero.
inline void inverse_factor(const Matrix& chol, double* out) {
  const Index d = chol.rows();
  if (d <= kSmallSolve) {
    // Eigen solves a triangle this small in a single panel, by this
    // substitution column by column (times the reciprocal of each pivot);
    // written out it gives the same numbers without packing the operands
    // for a matrix product. Column c of the inverse goes to out + c d.
    for (Index c = 0; c < d; ++c) {
      double* row = out + c * d;
      for (Index r = 0; r < d; ++r) row[r] = r == c ? 1.0 : 0.0;
      for (Index i = c; i < d; ++i) {
        row[i] *= 1.0 / chol(i, i);
        const double b = row[i];
        for (Index r = i + 1; r < d; ++r) row[r] -= b * chol(r, i);
      }
    }
    for (Index r = 1; r < d; ++r)
      for (Index c = 0; c < r; ++c) std::swap(out[c * d + r], out[r * d + c]);
    return;
  }
  Eigen::Map<Matrix> inv(out, d, d);
  inv.setIdentity();
  chol.triangularView<Eigen::Lower>().solveInPlace(inv);
  for (Index r = 1; r < d; ++r)
    for (Index c = 0; c < r; ++c) std::swap(out[c * d + r], out[r * d + c]);
}

// Lays out the parameters for the kernel, into `m` so that an EM run reuses
// its storage (on small data, allocating it costs more than the pass). Full
// and tied structures use the inverse of the Cholesky factor (so a distance
// is a product, not a solve); diagonal ones the reciprocal standard
// deviations.
inline void make_model(const Params& p, CovType type, KernelModel& m) {
  const Index d = p.d(), k = p.k();
  m.d = d;
  m.k = k;
  m.diagonal = !needs_full(type, d);
  component_major(p.means, m.mu);
  m.cst.resize(k);
  m.prec.resize(m.diagonal ? k * d : k * d * d);
  const double log_2pi = std::log(2.0 * M_PI);
  for (Index j = 0; j < k; ++j) {
    m.cst[j] = std::log(p.weights(j)) -
               0.5 * (static_cast<double>(d) * log_2pi + p.log_det(j));
    if (m.diagonal) {
      for (Index c = 0; c < d; ++c) m.prec[j * d + c] = 1.0 / p.chol[j](c, c);
    } else if (j > 0 && p.chol[j] == p.chol[0]) {
      // Tied components share one factor: its inverse is solved once.
      std::copy(m.prec.begin(), m.prec.begin() + d * d, m.prec.begin() + j * d * d);
    } else {
      inverse_factor(p.chol[j], &m.prec[j * d * d]);
    }
  }
}

inline KernelModel make_model(const Params& p, CovType type) {
  KernelModel m;
  make_model(p, type, m);
  return m;
}

struct PassSpec {
  bool estep = true;           // compute posteriors from the model
  double* post = nullptr;      // n x k column-major, written (estep)
  const double* post_in = nullptr;  // n x k, read (no estep)
  Index ldp = 0;               // leading dimension of post and post_in (0: n)
  const double* case_w = nullptr;  // row weights, or null (kernels.h)
  Vector* logdens = nullptr;   // optional row log densities (estep)
  const double* shift = nullptr;  // k x d; statistics are summed when set
  bool full_second = true;
  int n_threads = 1;
  Isa isa = Isa::Auto;
};

namespace detail {

// Sums the blocks of slabs [s0, s1) of a pass, each into its own sums, on
// the calling thread.
inline void pass_slabs(const Eigen::Ref<const Matrix>& X, const KernelModel& model,
                       const PassSpec& spec, const Blocks& blocks, Index s0, Index s1,
                       SlabSums* sums, Scratch& sc) {
  const Index n = X.rows();
  const kern::BlockFn fn = kern::block_fn(spec.isa);
  const bool moments = spec.shift != nullptr;
  for (Index s = s0; s < s1; ++s) {
    sums[s].reset(model.k, model.d, spec.full_second, moments);
    for (Index b = blocks.slab_first_block(s); b < blocks.slab_end_block(s); ++b) {
      BlockJob job;
      job.start = blocks.block_start(b);
      job.rows = blocks.block_size(b);
      job.x = X.data() + job.start;
      job.ldx = X.outerStride();
      job.estep = spec.estep;
      job.ldp = spec.ldp > 0 ? spec.ldp : n;
      job.case_w = spec.case_w;
      job.post = spec.estep ? spec.post : nullptr;
      job.post_in = spec.estep ? nullptr : spec.post_in;
      job.logdens = spec.logdens ? spec.logdens->data() : nullptr;
      job.model = &model;
      job.shift = spec.shift;
      job.full_second = spec.full_second;
      job.sums = &sums[s];
      fn(job, sc);
    }
  }
}

// Each thread keeps its scratch from pass to pass (EM on small data makes
// many short passes, where allocating it would cost more than the pass); a
// block of a small data set is short, so only its rows count.
inline Scratch& thread_scratch(Index n, Index d, Index k) {
  static thread_local Scratch sc;
  sc.resize(d, k, std::min<Index>(kBlockRows, (n + 15) / 16 * 16));
  return sc;
}

// Adds the slab sums into `total` in slab order.
inline void reduce_slabs(const std::vector<SlabSums>& slabs, SlabSums& total) {
  for (const SlabSums& s : slabs) total.merge(s);
}

}  // namespace detail

// The slab sums added in slab order (loglik and bad included) into `total`;
// `slabs` holds the partial sums of several slabs. Both keep their storage
// from call to call. A single slab (up to kBlockRows rows) is summed straight
// into `total`: adding it to zeros would change no value.
inline void data_pass(const Eigen::Ref<const Matrix>& X, const KernelModel& model,
                      const PassSpec& spec, SlabSums& total,
                      std::vector<SlabSums>& slabs) {
  const Index n = X.rows(), d = X.cols(), k = model.k;
  const bool full = spec.full_second, moments = spec.shift != nullptr;
  const Blocks blocks(n, moments ? k * d * (full ? d + 1 : 2) : 0);
  const Index S = blocks.n_slabs;
  if (spec.logdens && spec.logdens->size() < n) spec.logdens->resize(n);
  const int threads =
      effective_threads(spec.n_threads, S, pass_work(n, k, d, !model.diagonal));
  if (threads == 1) {
    // No parallel region at all: even a team of one costs more than a pass
    // over a small data set.
    Scratch& sc = detail::thread_scratch(n, d, k);
    if (S == 1) {
      detail::pass_slabs(X, model, spec, blocks, 0, 1, &total, sc);
      return;
    }
    slabs.resize(S);
    detail::pass_slabs(X, model, spec, blocks, 0, S, slabs.data(), sc);
  } else {
    slabs.resize(S);
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
      Scratch& sc = detail::thread_scratch(n, d, k);
      // Slabs are handed out as threads come free (a busy core then costs
      // only its share); which thread sums a slab does not change the sum.
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (Index s = 0; s < S; ++s)
        detail::pass_slabs(X, model, spec, blocks, s, s + 1, slabs.data(), sc);
    }
  }
  total.reset(k, d, full, moments);
  detail::reduce_slabs(slabs, total);
}

inline SlabSums data_pass(const Eigen::Ref<const Matrix>& X, const KernelModel& model,
                          const PassSpec& spec) {
  SlabSums total;
  std::vector<SlabSums> slabs;
  data_pass(X, model, spec, total, slabs);
  return total;
}

}  // namespace gmmcore

#endif
