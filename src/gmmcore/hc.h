// gmmcore/hc.h
//
// Contract: model-based agglomerative hierarchical clustering for the
// unconstrained Gaussian model ("VVV"), as a starting strategy for EM.
// Eigen and the standard library only; no R, no randomness.
//
//   hc_merges(x, groups)  x is n x d (already transformed by the caller);
//                         groups is empty (every row starts alone) or gives
//                         each row an initial group 0..g-1, numbered in order
//                         of first appearance. Returns the g - 1 merges, each
//                         a pair (a, b), a < b, of 1-based group labels: a
//                         cluster is labelled by the smallest initial group it
//                         contains, and merge (a, b) puts cluster b into a.
//   hc_cut(merges, groups, n, ks)
//                         labels (1..k, numbered by first appearance over the
//                         rows) after g - k merges, one column per k in ks.
//
// The criterion is the classification likelihood of Banfield & Raftery (1993)
// with the regularisation of Fraley (1998, "Algorithms for model-based
// Gaussian hierarchical clustering"), as in mclust's hc(modelName = "VVV").
// A cluster of n_k points with scatter matrix W_k and trace t_k = tr(W_k)
// costs
//     n_k log(beta (t_k + alpha) / n_k)                   if n_k <= d,
//     n_k log(det(W_k / n_k) + beta (t_k + alpha) / n_k)  otherwise,
// with alpha = tr(W) / (n d) of the whole data set and beta = 1; a singleton
// costs log(alpha beta). Each step merges the pair whose merged cost minus
// the two separate costs is smallest.
//
// Ties decide the tree when the data have repeated rows or values on a grid,
// so the order of candidates is part of the contract, and so is the exact
// arithmetic of the trace parts (equal inputs must give equal costs): live
// clusters occupy slots 0..m-1; the pair (i < j) ranks (j, i) in lexicographic
// order and among equal costs the highest rank wins; after merging (i, j) the
// result takes slot i and the cluster in the last slot moves to slot j.
// Pair costs are cached and only those of the merged cluster recomputed, and
// each slot keeps the best pair in its row, so a step costs O(m) pair
// evaluations (O(d) for a trace, O(d^3) for a determinant) plus the rows
// whose best partner was one of the merged slots.
#ifndef GMMCORE_HC_H
#define GMMCORE_HC_H

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gmmcore {
namespace hc {

using Merge = std::pair<int, int>;

namespace detail {

// One live cluster: its size, sum / sqrt(size) (so that a merge is a plain
// weighted sum), the trace and (for size > 1) the lower triangle of its
// scatter matrix, and its cost.
struct Cluster {
  int size = 1;
  int label = 0;
  Eigen::VectorXd y;
  double trace = 0.0;
  double term = 0.0;
  Eigen::MatrixXd scatter;  // empty for a singleton
};

// The candidate cluster formed from two clusters (not yet committed).
struct Candidate {
  int size;
  double trace;
  double term;
};

class Agglomerator {
 public:
  Agglomerator(const Eigen::Ref<const Eigen::MatrixXd>& x, const std::vector<int>& groups,
               double alpha_factor, double beta)
      : x_(x), d_(static_cast<int>(x.cols())), beta_(beta) {
    alpha_ = std::max(alpha_factor * mean_variance(), std::numeric_limits<double>::epsilon());
    log_ab_ = std::log(beta_ * alpha_);
    v_.resize(d_);
    work_.resize(d_, d_);
    init_clusters(groups);
  }

  std::vector<Merge> run() {
    const int g = static_cast<int>(cl_.size());
    std::vector<Merge> merges;
    merges.reserve(g > 0 ? g - 1 : 0);
    if (g < 2) return merges;
    init_costs();
    int fresh = -1;  // slot of the last merged cluster; its costs are fresh
    for (int m = g; m > 1; --m) {
      auto best = best_pair(m);
      merges.push_back(merge(best.first, best.second, m, fresh));
      fresh = best.first;
      if (m > 2) update_after_merge(best.first, best.second, m - 1);
    }
    return merges;
  }

 private:
  // tr(W) / (n d) for the whole data, from centred sums, after scaling by
  // 1 / sqrt(n d).
  double mean_variance() const {
    const double n = static_cast<double>(x_.rows());
    const double f = 1.0 / std::sqrt(n * d_);
    double total = 0.0;
    for (int k = 0; k < d_; ++k) {
      double mean = 0.0;
      for (Eigen::Index i = 0; i < x_.rows(); ++i) mean += f * x_(i, k);
      mean /= n;
      for (Eigen::Index i = 0; i < x_.rows(); ++i) {
        const double e = f * x_(i, k) - mean;
        total += e * e;
      }
    }
    return total;
  }

  // Rows are added to their group one at a time in row order, with the same
  // update as a merge with a singleton.
  void init_clusters(const std::vector<int>& groups) {
    const Eigen::Index n = x_.rows();
    if (groups.empty()) {
      cl_.resize(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        cl_[i].y = x_.row(i).transpose();
        cl_[i].label = static_cast<int>(i) + 1;
        cl_[i].term = log_ab_;
      }
      return;
    }
    int g = 0;
    for (int grp : groups) g = std::max(g, grp + 1);
    cl_.resize(g);
    std::vector<bool> seen(g, false);
    for (Eigen::Index i = 0; i < n; ++i) {
      Cluster& c = cl_[groups[i]];
      if (!seen[groups[i]]) {
        seen[groups[i]] = true;
        c.y = x_.row(i).transpose();
        c.label = groups[i] + 1;
        continue;
      }
      add_point(c, i);
    }
    for (Cluster& c : cl_) c.term = c.size == 1 ? log_ab_ : cost_of(c.size, c.trace, c.scatter);
  }

  void add_point(Cluster& c, Eigen::Index i) {
    const double q = 1.0 / (c.size + 1);
    const double sc = std::sqrt(c.size * q), sx = std::sqrt(q);
    for (int k = 0; k < d_; ++k) v_[k] = sc * x_(i, k) - sx * c.y[k];
    if (c.scatter.size() == 0) c.scatter = Eigen::MatrixXd::Zero(d_, d_);
    c.trace += dot(v_);
    add_outer(c.scatter, v_);
    for (int k = 0; k < d_; ++k) c.y[k] = sc * c.y[k] + sx * x_(i, k);
    ++c.size;
  }

  static double dot(const Eigen::VectorXd& v) {
    double s = 0.0;  // plain left-to-right sum: equal inputs, equal sums
    for (Eigen::Index k = 0; k < v.size(); ++k) s += v[k] * v[k];
    return s;
  }

  static void add_outer(Eigen::MatrixXd& w, const Eigen::VectorXd& v) {
    const Eigen::Index d = v.size();
    for (Eigen::Index c = 0; c < d; ++c)
      for (Eigen::Index r = c; r < d; ++r) w(r, c) += v[r] * v[c];
  }

  // Cost of a cluster of `size` points with the given trace and scatter
  // (lower triangle; read only when size > d).
  double cost_of(int size, double trace, const Eigen::MatrixXd& w) {
    const double r = static_cast<double>(size);
    const double spread = beta_ * (trace + alpha_) / r;
    if (size <= d_) return r * std::log(spread);
    if (trace == 0.0) return r * std::log(alpha_ * beta_ / r);
    const double ld = log_det_scaled(w, 1.0 / r);
    if (ld == -std::numeric_limits<double>::infinity()) return r * std::log(spread);
    if (ld <= 0.0) return r * std::log(std::exp(ld) + spread);
    return r * (std::log(1.0 + std::exp(-ld) * spread) + ld);
  }

  // log det(scale * w) by a Cholesky factorisation of the lower triangle;
  // -inf when w is singular to working precision.
  double log_det_scaled(const Eigen::MatrixXd& w, double scale) {
    work_.triangularView<Eigen::Lower>() = w;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(work_);
    if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
    double ld = 0.0;
    for (int j = 0; j < d_; ++j) {
      const double l = work_(j, j);
      if (!(l > 0.0)) return -std::numeric_limits<double>::infinity();
      ld += std::log(l * l * scale);
    }
    return ld;
  }

  // The scaled difference of the means, sqrt(n_a n_b / n) (mean_a - mean_b),
  // into v_; its squared norm is the scatter a merge adds.
  void merge_direction(const Cluster& a, const Cluster& b) {
    if (a.size == 1 && b.size == 1) {
      const double h = std::sqrt(0.5);
      for (int k = 0; k < d_; ++k) v_[k] = (a.y[k] - b.y[k]) * h;
      return;
    }
    const double q = 1.0 / (a.size + b.size);
    const double sa = std::sqrt(a.size * q), sb = std::sqrt(b.size * q);
    for (int k = 0; k < d_; ++k) v_[k] = sb * a.y[k] - sa * b.y[k];
  }

  // The merged cluster's size, trace and cost; leaves the merged scatter in
  // work_ (lower triangle, before factorisation) when it was needed.
  Candidate candidate(const Cluster& a, const Cluster& b) {
    merge_direction(a, b);
    Candidate c;
    c.size = a.size + b.size;
    if (a.size == 1 && b.size == 1) {
      c.trace = dot(v_);
      c.term = 2.0 * std::log(beta_ * (c.trace + alpha_) / 2.0);
      return c;
    }
    c.trace = (a.trace + b.trace) + dot(v_);
    if (c.size <= d_ || c.trace == 0.0) {
      c.term = cost_of(c.size, c.trace, work_);
      return c;
    }
    merged_scatter(a, b);
    c.term = cost_of(c.size, c.trace, merged_);
    return c;
  }

  void merged_scatter(const Cluster& a, const Cluster& b) {
    if (merged_.rows() != d_) merged_.resize(d_, d_);
    for (int c = 0; c < d_; ++c)
      for (int r = c; r < d_; ++r) {
        double s = v_[r] * v_[c];
        if (a.scatter.size()) s += a.scatter(r, c);
        if (b.scatter.size()) s += b.scatter(r, c);
        merged_(r, c) = s;
      }
  }

  double pair_cost(int i, int j) {
    const Candidate c = candidate(cl_[i], cl_[j]);
    return c.term - (cl_[i].term + cl_[j].term);
  }

  // Packed storage of the costs of pairs (i < j): row j holds i = 0..j-1.
  static std::size_t at(int i, int j) {
    return static_cast<std::size_t>(j) * (j - 1) / 2 + i;
  }
  double& cost(int i, int j) { return i < j ? cost_[at(i, j)] : cost_[at(j, i)]; }

  void init_costs() {
    const int g = static_cast<int>(cl_.size());
    cost_.assign(static_cast<std::size_t>(g) * (g - 1) / 2, 0.0);
    row_best_.assign(g, 0);
    for (int j = 1; j < g; ++j) {
      for (int i = 0; i < j; ++i) cost_[at(i, j)] = pair_cost(i, j);
      rescan_row(j);
    }
  }

  // Best pair in row j: lowest cost, the highest i among equal costs.
  void rescan_row(int j) {
    const double* row = &cost_[at(0, j)];
    int best = 0;
    for (int i = 1; i < j; ++i)
      if (row[i] <= row[best]) best = i;
    row_best_[j] = best;
  }

  void offer(int j, int i) {
    const double c = cost_[at(i, j)], b = cost_[at(row_best_[j], j)];
    if (c < b || (c == b && i > row_best_[j])) row_best_[j] = i;
  }

  std::pair<int, int> best_pair(int m) {
    int jb = 1;
    double cb = cost_[at(row_best_[1], 1)];
    for (int j = 2; j < m; ++j) {
      const double c = cost_[at(row_best_[j], j)];
      if (c <= cb) { cb = c; jb = j; }
    }
    return {row_best_[jb], jb};
  }

  // Merges slots i < j of m live slots: the result goes to slot i and the
  // last slot moves to slot j. The merged cost is the fresh one when the
  // pair involves the previous merge (its cached cost was computed with the
  // same numbers), else it is recovered from the cached pair cost.
  Merge merge(int i, int j, int m, int fresh) {
    Cluster& a = cl_[i];
    Cluster& b = cl_[j];
    const Merge out(std::min(a.label, b.label), std::max(a.label, b.label));
    const double cached = cost_[at(i, j)];
    const Candidate c = candidate(a, b);
    const double term = (fresh < 0 || i == fresh || j == fresh)
                            ? c.term : cached + (a.term + b.term);
    if (a.scatter.size() == 0) a.scatter = Eigen::MatrixXd::Zero(d_, d_);
    if (b.scatter.size()) a.scatter.triangularView<Eigen::Lower>() += b.scatter;
    add_outer(a.scatter, v_);
    const double q = 1.0 / c.size;
    const double sa = std::sqrt(a.size * q), sb = std::sqrt(b.size * q);
    for (int k = 0; k < d_; ++k) a.y[k] = sa * a.y[k] + sb * b.y[k];
    a.size = c.size;
    a.trace = c.trace;
    a.term = term;
    a.label = out.first;
    if (j != m - 1) {
      std::swap(cl_[j], cl_[m - 1]);
      move_costs(j, m - 1);
    }
    return out;
  }

  // Slot `last` moves to slot j: its costs take the place of j's.
  void move_costs(int j, int last) {
    for (int i = 0; i < j; ++i) cost_[at(i, j)] = cost_[at(i, last)];
    for (int k = j + 1; k < last; ++k) cost_[at(j, k)] = cost_[at(k, last)];
  }

  // After merging into slot i (and moving the old last slot into j), with m
  // live slots: fresh costs for slot i, then repair the best-of-row cache.
  void update_after_merge(int i, int j, int m) {
    for (int k = 0; k < m; ++k)
      if (k != i) cost(i, k) = pair_cost(std::min(i, k), std::max(i, k));
    if (i > 0) rescan_row(i);
    if (j < m && j > 0) rescan_row(j);
    for (int k = i + 1; k < m; ++k) {
      if (k == j) continue;
      const int b = row_best_[k];
      if (b == i || (j < m && b == j)) {
        rescan_row(k);
      } else {
        offer(k, i);
        if (j < m && j < k) offer(k, j);
      }
    }
  }

  const Eigen::Ref<const Eigen::MatrixXd> x_;
  const int d_;
  double beta_;
  double alpha_ = 0.0;
  double log_ab_ = 0.0;
  std::vector<Cluster> cl_;
  std::vector<double> cost_;
  std::vector<int> row_best_;
  Eigen::VectorXd v_;
  Eigen::MatrixXd work_, merged_;
};

}  // namespace detail

// The merge sequence (see the contract above). `alpha_factor` and `beta`
// are the regulariser's settings (1 and 1 in mclust's default).
inline std::vector<Merge> hc_merges(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                    const std::vector<int>& groups,
                                    double alpha_factor = 1.0, double beta = 1.0) {
  if (x.rows() < 1 || x.cols() < 1) throw std::invalid_argument("hc: empty data");
  if (!groups.empty() && static_cast<Eigen::Index>(groups.size()) != x.rows())
    throw std::invalid_argument("hc: one group per row is needed");
  detail::Agglomerator agg(x, groups, alpha_factor, beta);
  return agg.run();
}

// Labels after cutting the tree at each k of `ks` (1 <= k <= number of
// initial groups): an n x ks.size() matrix, labels 1..k by first appearance.
inline Eigen::MatrixXi hc_cut(const std::vector<Merge>& merges, const std::vector<int>& groups,
                              Eigen::Index n, const std::vector<int>& ks) {
  const int g = static_cast<int>(merges.size()) + 1;
  std::vector<int> parent(g + 1);
  for (int l = 0; l <= g; ++l) parent[l] = l;
  auto root = [&parent](int l) {
    while (parent[l] != l) l = parent[l] = parent[parent[l]];
    return l;
  };
  Eigen::MatrixXi out(n, static_cast<Eigen::Index>(ks.size()));
  std::vector<int> order(ks.size());
  for (std::size_t c = 0; c < ks.size(); ++c) order[c] = static_cast<int>(c);
  std::sort(order.begin(), order.end(), [&ks](int a, int b) { return ks[a] > ks[b]; });
  int done = 0;
  std::vector<int> relabel(g + 1);
  for (int c : order) {
    if (ks[c] < 1 || ks[c] > g) throw std::invalid_argument("hc: k outside 1..groups");
    for (; done < g - ks[c]; ++done) parent[merges[done].second] = merges[done].first;
    std::fill(relabel.begin(), relabel.end(), 0);
    int next = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const int r = root(groups.empty() ? static_cast<int>(i) + 1 : groups[i] + 1);
      if (relabel[r] == 0) relabel[r] = ++next;
      out(i, c) = relabel[r];
    }
  }
  return out;
}

}  // namespace hc
}  // namespace gmmcore

#endif
