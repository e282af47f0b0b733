// gmmcore/blocks.h
//
// Contract: how rows are cut into blocks and blocks into "slabs". A block is
// the unit of matrix-matrix work; a slab is a fixed, thread-count-independent
// range of blocks whose partial sums are accumulated sequentially and then
// reduced in slab order. That makes every sum, and so every fit, bit-identical
// whatever the number of threads.
#ifndef GMMCORE_BLOCKS_H
#define GMMCORE_BLOCKS_H

#include <algorithm>
#include <cstddef>
#include "pool.h"
#include "types.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace gmmcore {

// Many small slabs balance the threads (a slab is the unit handed out);
// fewer when each slab's partial sums (`slab_doubles`) are large, so that
// all of them stay within kSlabBudget doubles (16 MB).
constexpr Index kMaxSlabs = 64;
constexpr Index kMinSlabs = 16;
constexpr Index kSlabBudget = Index(1) << 21;

struct Blocks {
  Index n;
  Index n_blocks;
  Index n_slabs;

  explicit Blocks(Index n_rows, Index slab_doubles = 0)
      : n(n_rows),
        n_blocks((n_rows + kBlockRows - 1) / kBlockRows),
        n_slabs(std::max<Index>(1, std::min(n_blocks, max_slabs(slab_doubles)))) {}

  static Index max_slabs(Index slab_doubles) {
    if (slab_doubles <= 0) return kMaxSlabs;
    return std::max(kMinSlabs, std::min(kMaxSlabs, kSlabBudget / slab_doubles));
  }

  Index block_start(Index b) const { return b * kBlockRows; }
  Index block_size(Index b) const {
    return std::min(kBlockRows, n - b * kBlockRows);
  }
  Index slab_first_block(Index s) const { return s * n_blocks / n_slabs; }
  Index slab_end_block(Index s) const { return (s + 1) * n_blocks / n_slabs; }
};

// Below this many operations (rows x components x per-row work) a pass runs
// on the calling thread: starting a team costs microseconds, and a thread
// waiting for a core that is busy elsewhere costs milliseconds, both more
// than the pass itself.
constexpr double kParallelWork = 1 << 18;

// No more threads than there are independent work items (starting a team for
// a single block costs more than the block), and one for a small pass.
inline int effective_threads(int requested, Index work_items,
                             double work = kParallelWork) {
#ifdef _OPENMP
  if (work < kParallelWork) return 1;
  return static_cast<int>(std::max<Index>(1, std::min<Index>(requested, work_items)));
#else
  (void)requested;
  (void)work_items;
  (void)work;
  return 1;
#endif
}

// f(0), ..., f(n - 1), handed out one at a time to the calling thread and
// `threads` - 1 workers of the item pool (pool.h), which the calling thread
// does not wait for to start; with one thread on the calling thread alone
// (a pass inside even a one-thread OpenMP region would be a nested region,
// which starts a team of its own), as inside an OpenMP region. Nothing may
// leave f by an exception on a thread.
template <class I, class F>
inline void for_each_item(I n, int threads, F&& f) {
  bool alone = threads <= 1;
#ifdef _OPENMP
  alone = alone || omp_in_parallel();
#endif
  if (alone) {
    for (I i = 0; i < n; ++i) f(i);
    return;
  }
  const std::function<void(long)> item = [&f](long i) { f(static_cast<I>(i)); };
  detail::ItemPool::instance().run(static_cast<long>(n), threads - 1, item);
}

// Padding that keeps two objects off a common cache line, or the pair of
// lines some processors fetch together.
constexpr std::size_t kFalseSharingBytes = 128;

// One thread's object in an array of them, one per thread: padded so that
// no two threads' objects share a cache line. Each thread writes its own at
// every EM iteration, and a shared line would pass from core to core each
// time (on small data about a tenth of a search's time).
template <class T>
struct ThreadSlot {
  char front[kFalseSharingBytes];
  T value;
  char back[kFalseSharingBytes];
};

// The number of the calling thread: within its OpenMP team, or among the
// item pool's threads (0: R's thread).
inline int thread_number() {
#ifdef _OPENMP
  if (omp_in_parallel()) return omp_get_thread_num();
#endif
  return detail::pool_thread_id();
}

// The operations of one pass over n rows: per row and component, the
// distance and, with moments, their update (a triangle for full ones).
inline double pass_work(Index n, Index k, Index d, bool full) {
  const double per = full ? 0.5 * static_cast<double>(d) * (d + 3) : 2.0 * d;
  return static_cast<double>(n) * static_cast<double>(k) * per;
}

// Threads for fitting several candidates side by side: only when each of
// their passes would run on one thread (small data), never more threads than
// candidates; otherwise the passes themselves use the threads.
inline int candidate_threads(int requested, int n_candidates, Index n, Index k, Index d) {
  if (pass_work(n, k, d, true) >= kParallelWork) return 1;
  return std::max(1, std::min(requested, n_candidates));
}

}  // namespace gmmcore

#endif
