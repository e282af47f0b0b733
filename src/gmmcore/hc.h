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
// Pair costs are cached and only those of the merged cluster recomputed (the
// traces of all its pairs at once), so a step costs O(m) pair evaluations:
// O(d) for a trace and, for a union of more than d points, a determinant,
// which is taken
//   - not at all when a bound shows it below half a unit in the last place of
//     the trace part, where it cannot change the cost;
//   - by the matrix determinant lemma in O(d^2 s) when one cluster has more
//     than d points (its factorisation is kept) and the other has s points,
//     s small (set by operation counts);
//   - else by factoring the merged scatter, O(d^3).
// The way depends on the two clusters only, not on their slots or on which
// was merged last, so equal inputs still give equal costs. Each row keeps its
// best pair; a row whose best partner was merged keeps only a lower bound of
// its costs, and is rescanned when that bound could win.
#ifndef GMMCORE_HC_H
#define GMMCORE_HC_H

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gmmcore {
namespace hc {

using Merge = std::pair<int, int>;

namespace detail {

// A positive number kept as m 2^e, so that a determinant taken as a product
// of pivots neither overflows nor underflows; m = 0 for a singular matrix.
struct Scaled {
  double m = 1.0;
  int e = 0;
  void mul(double x) {
    if (x > 1e250) {
      int k;
      x = std::frexp(x, &k);
      e += k;
    }
    m *= x;
    if (m < 1e-30 || m > 1e30) {
      int k;
      m = std::frexp(m, &k);
      e += k;
    }
  }
};

// The forms of a cluster's scatter matrix the pair costs use besides the
// matrix itself: the merge directions it is the sum of outer products of
// (kept while the cluster is small), and its factorisation L D L' (kept once
// the cluster has more than d points, when the scatter is positive definite).
struct Shape {
  Eigen::MatrixXd cols;       // d x (size - 1): scatter = cols cols'
  Eigen::MatrixXd ldl;        // unit lower L below the diagonal, D on it; empty if none
  Eigen::VectorXd inv_pivot;  // 1 / D
  Scaled det;                 // det(scatter) = prod(D), when ldl is set
};

// In-place L D L' factorisation of the lower triangle of the leading n x n
// block of a: the unit lower triangle L below the diagonal, the pivots D on
// it; det is multiplied by the pivots. No square roots and one division per
// pivot, as only determinants and solves are needed. False when the matrix
// is singular to working precision: a pivot no larger than the rounding
// error of its diagonal entry (whose sign is then noise). `diag` is work
// space of n entries.
inline bool ldlt(Eigen::MatrixXd& a, int n, Scaled& det, double* diag) {
  const double tol = n * std::numeric_limits<double>::epsilon();
  for (int j = 0; j < n; ++j) diag[j] = a(j, j);
  for (int j = 0; j < n; ++j) {
    const double p = a(j, j);
    if (!(p > tol * diag[j])) return false;
    det.mul(p);
    const double inv = 1.0 / p;
    double* aj = &a(0, j);
    for (int c = j + 1; c < n; ++c) {
      const double f = aj[c] * inv;
      double* ac = &a(0, c);
      for (int i = c; i < n; ++i) ac[i] -= aj[i] * f;
    }
    for (int i = j + 1; i < n; ++i) aj[i] *= inv;
  }
  return true;
}

class Agglomerator {
 public:
  Agglomerator(const Eigen::Ref<const Eigen::MatrixXd>& x, const std::vector<int>& groups,
               double alpha_factor, double beta)
      : x_(x), d_(static_cast<int>(x.cols())), small_(low_rank_limit(d_)), beta_(beta) {
    alpha_ = std::max(alpha_factor * mean_variance(), std::numeric_limits<double>::epsilon());
    log_ab_ = std::log(beta_ * alpha_);
    v_.resize(d_);
    yf_.resize(d_);
    diag_.resize(d_);
    u_.resize(d_, small_);
    work_.resize(d_, d_);
    gram_.resize(small_, small_);
    init_powers();
    init_clusters(groups);
  }

  std::vector<Merge> run() {
    const int g = static_cast<int>(label_.size());
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
  // The largest size s of a cluster whose merges with a factored one take
  // the low-rank update: about s d^2 / 2 + s^2 d / 2 + s^3 / 6 operations,
  // against d^2 / 2 + d^3 / 6 for factoring the merged scatter. At most 3:
  // a cluster of up to 3 points was made by merges with single points, so
  // the order of its merge directions does not depend on the slots (with 2
  // + 2 it would, and the rounding of the small factorisation with it).
  static int low_rank_limit(int d) {
    auto ops = [d](double s) { return s * d * d / 2 + s * s * d / 2 + s * s * s / 6; };
    int s = 1;
    while (s < std::min(d, 3) && ops(s + 1) <= d * d / 2.0 + d * d * d / 6.0) ++s;
    return s;
  }

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

  // r^d for every cluster size r > d that can occur.
  void init_powers() {
    const Eigen::Index n = x_.rows();
    power_.assign(n + 1, Scaled());
    for (Eigen::Index r = d_ + 1; r <= n; ++r)
      for (int k = 0; k < d_; ++k) power_[r].mul(static_cast<double>(r));
  }

  // Rows are added to their group one at a time in row order, with the same
  // update as a merge with a singleton.
  void init_clusters(const std::vector<int>& groups) {
    const Eigen::Index n = x_.rows();
    int g = static_cast<int>(n);
    if (!groups.empty()) {
      g = 0;
      for (int grp : groups) g = std::max(g, grp + 1);
    }
    resize_slots(g);
    if (groups.empty()) {
      y_.topRows(g) = x_;
      for (int i = 0; i < g; ++i) label_[i] = i + 1;
      term_.setConstant(log_ab_);
      return;
    }
    std::vector<bool> seen(g, false);
    for (Eigen::Index i = 0; i < n; ++i) {
      const int s = groups[i];
      if (!seen[s]) {
        seen[s] = true;
        y_.row(s) = x_.row(i);
        label_[s] = s + 1;
        continue;
      }
      add_point(s, i);
    }
    for (int s = 0; s < g; ++s) {
      if (size_[s] > d_) factor(s);
      term_[s] = size_[s] == 1.0 ? log_ab_ : cluster_term(s);
    }
  }

  // g slots, and three more rows of padding in the arrays square_sums()
  // reads four at a time.
  void resize_slots(int g) {
    y_.setZero(g + 3, d_);
    size_.setOnes(g + 3);
    trace_.setZero(g + 3);
    term_.resize(g);
    label_.assign(g, 0);
    scatter_.setZero(d_ * (d_ + 1) / 2, g);
    shape_.assign(g, Shape());
    sa_.setZero(g + 3);
    sb_.setZero(g + 3);
    acc_.setZero(g + 3);
    single_acc_.setZero(g + 3);
    spread_.setZero(g);
    pair_term_.setZero(g);
    fresh_cost_.setZero(g);
  }

  void add_point(int s, Eigen::Index i) {
    const double q = 1.0 / (size_[s] + 1.0);
    const double sc = std::sqrt(size_[s] * q), sx = std::sqrt(q);
    for (int k = 0; k < d_; ++k) v_[k] = sc * x_(i, k) - sx * y_(s, k);
    trace_[s] += dot(v_);
    add_outer(s);
    keep_cols(shape_[s], size_[s] + 1.0, nullptr);
    for (int k = 0; k < d_; ++k) y_(s, k) = sc * y_(s, k) + sx * x_(i, k);
    size_[s] += 1.0;
  }

  // The merge directions of a cluster of `size` points: those of c (and of
  // `other`, when two clusters merge) and v_, while size is small enough.
  void keep_cols(Shape& c, double size, const Shape* other) {
    if (size > small_) {
      c.cols.resize(0, 0);
      return;
    }
    const Eigen::Index na = c.cols.cols(), nb = other ? other->cols.cols() : 0;
    c.cols.conservativeResize(d_, na + nb + 1);
    if (nb) c.cols.middleCols(na, nb) = other->cols;
    c.cols.col(na + nb) = v_;
  }

  // The factorisation and determinant of slot s's scatter, kept for the
  // pair costs (size > d); none when the scatter is singular.
  void factor(int s) {
    Shape& c = shape_[s];
    c.ldl.resize(d_, d_);
    const double* w = &scatter_(0, s);
    for (int col = 0; col < d_; ++col)
      for (int r = col; r < d_; ++r) c.ldl(r, col) = *w++;
    c.det = Scaled();
    if (!ldlt(c.ldl, d_, c.det, diag_.data())) {
      c.ldl.resize(0, 0);
      return;
    }
    c.inv_pivot = c.ldl.diagonal().cwiseInverse();
  }

  static double dot(const Eigen::VectorXd& v) {
    double s = 0.0;  // plain left-to-right sum: equal inputs, equal sums
    for (Eigen::Index k = 0; k < v.size(); ++k) s += v[k] * v[k];
    return s;
  }

  // Adds v_ v_' to slot s's scatter.
  void add_outer(int s) {
    double* w = &scatter_(0, s);
    for (int c = 0; c < d_; ++c)
      for (int r = c; r < d_; ++r) *w++ += v_[r] * v_[c];
  }

  // Cost of the cluster in slot s (more than one point).
  double cluster_term(int s) {
    const double r = size_[s];
    const double spread = beta_ * (trace_[s] + alpha_) / r;
    if (r <= d_) return r * std::log(spread);
    if (trace_[s] == 0.0) return r * std::log(alpha_ * beta_ / r);
    Scaled none;
    none.m = 0.0;
    return det_cost(r, shape_[s].ldl.size() ? shape_[s].det : none, spread);
  }

  // r log(det(W / r) + spread) for a cluster of r > d points with scatter
  // W, given det(W) (zero when W is singular to working precision).
  double det_cost(double r, const Scaled& det, double spread) const {
    if (det.m == 0.0) return r * std::log(spread);
    const Scaled& p = power_[static_cast<std::size_t>(r)];
    const double m = det.m / p.m;
    const int e = det.e - p.e;
    if (e == 0) return r * std::log(m + spread);
    if (e < 800) return r * std::log(std::ldexp(m, e) + spread);
    const double ld = std::log(m) + e * std::log(2.0);
    return r * (std::log(1.0 + std::exp(-ld) * spread) + ld);
  }

  // The scaled difference of the means, sqrt(n_a n_b / n) (mean_a - mean_b),
  // into v_; its squared norm is the scatter a merge adds. Swapping a and b
  // negates it exactly.
  void merge_direction(int a, int b) {
    if (size_[a] == 1.0 && size_[b] == 1.0) {
      const double h = std::sqrt(0.5);
      for (int k = 0; k < d_; ++k) v_[k] = (y_(a, k) - y_(b, k)) * h;
      return;
    }
    const double q = 1.0 / (size_[a] + size_[b]);
    const double sa = std::sqrt(size_[a] * q), sb = std::sqrt(size_[b] * q);
    for (int k = 0; k < d_; ++k) v_[k] = sb * y_(a, k) - sa * y_(b, k);
  }

  // The cost of merging slot f with each slot k in [lo, hi), k != f, into
  // pair_term_[k]. The traces and spreads are computed for all the slots at
  // once, with each pair's arithmetic that of merge_direction() and dot().
  void pair_terms(int f, int lo, int hi) {
    if (hi <= lo) return;
    const int len = hi - lo;
    pair_traces(f, lo, len);
    const double nf = size_[f];
    const auto t = acc_.segment(lo, len);
    spread_.segment(lo, len) = beta_ * (t + alpha_) / (size_.segment(lo, len) + nf);
    for (int k = lo; k < hi; ++k) {
      if (k == f) continue;
      const double r = nf + size_[k];
      if (r <= d_ || r == 2.0) {  // two single points: no determinant, even for d = 1
        pair_term_[k] = r * std::log(spread_[k]);
      } else if (acc_[k] == 0.0) {
        pair_term_[k] = r * std::log(alpha_ * beta_ / r);
      } else {
        pair_term_[k] = det_term(f, k, r, acc_[k], spread_[k]);
      }
    }
  }

  // The merged traces of slot f with slots lo..lo+len-1, into acc_.
  void pair_traces(int f, int lo, int len) {
    const double nf = size_[f];
    const auto n = size_.segment(lo, len);
    auto acc = acc_.segment(lo, len);
    yf_ = y_.row(f).transpose();
    const bool all_single = nf == 1.0 && (n == 1.0).all();
    if (!all_single) {
      auto sa = sa_.segment(lo, len), sb = sb_.segment(lo, len);
      sa = (n + nf).inverse();
      sb = (n * sa).sqrt();
      sa = (nf * sa).sqrt();
      square_sums<false>(lo, len, acc_);
    }
    if (nf == 1.0) {
      square_sums<true>(lo, len, all_single ? acc_ : single_acc_);
      if (!all_single) acc = (n == 1.0).select(single_acc_.segment(lo, len), acc);
    }
    acc = (trace_[f] + trace_.segment(lo, len)) + acc;
  }

  // out[k] = squared norm of the merge direction of yf_ and slot k, for k in
  // [lo, lo + len): sb_[k] yf_ - sa_[k] y_k, or (yf_ - y_k) sqrt(1/2) for two
  // single points, summed over the coordinates in order from zero as dot()
  // does. Four slots at a time, with no scalar remainder (the arrays are
  // padded), so that every pair takes the very same instructions.
  template <bool single>
  void square_sums(int lo, int len, Eigen::ArrayXd& out) const {
    typedef Eigen::Array4d A4;
    typedef Eigen::Map<const A4> In4;
    const double h = std::sqrt(0.5);
    for (int k = lo; k < lo + len; k += 4) {
      const A4 a = In4(&sa_[k]), b = In4(&sb_[k]);
      A4 s = A4::Zero();
      for (int c = 0; c < d_; ++c) {
        if (single) s += ((yf_[c] - In4(&y_(k, c))) * h).square();
        else s += (b * yf_[c] - a * In4(&y_(k, c))).square();
      }
      Eigen::Map<A4> to(&out[k]);
      to = s;
    }
  }

  // The cost of the union of slots f and k, of r > d points, with trace
  // t > 0 and spread beta (t + alpha) / r. A determinant of the scatter / r
  // below half a unit in the last place of the spread leaves
  // r log(det + spread) = r log(spread), so it is not computed when a bound
  // shows it that small: (t / (r d))^d (arithmetic and geometric means),
  // then the product of the diagonal (Hadamard's inequality), each with a
  // factor 2 to spare for rounding.
  double det_term(int f, int k, double r, double t, double spread) {
    const double cap = spread / 36028797018963968.0;  // 2^-55
    if (power(t / (r * d_), d_) < cap) return r * std::log(spread);
    merge_direction(f, k);
    if (diagonal_product(f, k, r) < cap) return r * std::log(spread);
    return det_cost(r, merged_det(f, k), spread);
  }

  static double power(double x, int n) {
    double p = 1.0;
    for (; n > 0; n >>= 1, x *= x)
      if (n & 1) p *= x;
    return p;
  }

  // The product of the diagonal of the merged scatter / r, with v_ the
  // merge direction of f and k.
  double diagonal_product(int f, int k, double r) const {
    const double* wf = &scatter_(0, f);
    const double* wk = &scatter_(0, k);
    const double to_mean = 1.0 / r;
    double p = 1.0;
    for (int c = 0, at = 0; c < d_; at += d_ - c, ++c)
      p *= (v_[c] * v_[c] + (wf[at] + wk[at])) * to_mean;
    return p;
  }

  // det of the scatter of the union of slots f and k (more than d points),
  // zero if it is singular; v_ holds their merge direction.
  Scaled merged_det(int f, int k) {
    Scaled det;
    if (low_rank(f, k) && updated_det(f, k, det)) return det;
    if (low_rank(k, f) && updated_det(k, f, det)) return det;
    factored_det(f, k, det);
    return det;
  }

  // Whether the merged determinant is taken as an update of slot b's
  // factor: b has one and o has few points. Which way a pair goes depends on
  // the sizes only, so that equal clusters give equal costs.
  bool low_rank(int b, int o) const {
    return shape_[b].ldl.size() != 0 && size_[o] <= small_;
  }

  // det(W_b + U U') = det(W_b) det(I + U' W_b^-1 U), U = [cols of o, v_]:
  // O(d^2 s) for s = size of o, where factoring the merged scatter is
  // O(d^3). With W_b = L D L' and Y = L^-1 U, U' W_b^-1 U = Y' D^-1 Y.
  // False if the small Gram matrix does not factor (it should).
  bool updated_det(int b, int o, Scaled& det) {
    const Shape& base = shape_[b];
    const Eigen::MatrixXd& cols = shape_[o].cols;
    const int s = static_cast<int>(cols.cols()) + 1;
    det = base.det;
    forward_solve(base, v_.data(), &u_(0, 0));
    if (s == 1) {
      det.mul(1.0 + weighted_dot(base, 0, 0));
      return true;
    }
    for (int c = 1; c < s; ++c) forward_solve(base, &cols(0, c - 1), &u_(0, c));
    for (int c = 0; c < s; ++c) {
      gram_(c, c) = 1.0 + weighted_dot(base, c, c);
      for (int r = c + 1; r < s; ++r) gram_(r, c) = weighted_dot(base, r, c);
    }
    return ldlt(gram_, s, det, diag_.data());
  }

  // y = L^-1 u for the unit lower L of slot's factorisation, by columns.
  void forward_solve(const Shape& c, const double* u, double* y) const {
    for (int k = 0; k < d_; ++k) y[k] = u[k];
    for (int k = 0; k < d_; ++k) {
      const double yk = y[k];
      const double* l = &c.ldl(0, k);
      for (int r = k + 1; r < d_; ++r) y[r] -= l[r] * yk;
    }
  }

  // Columns a and b of u_ multiplied through D^-1.
  double weighted_dot(const Shape& c, int a, int b) const {
    double s = 0.0;
    for (int k = 0; k < d_; ++k) s += u_(k, a) * c.inv_pivot[k] * u_(k, b);
    return s;
  }

  // det of the merged scatter v_ v_' + (W_a + W_b), factored directly.
  void factored_det(int a, int b, Scaled& det) {
    const double* wa = &scatter_(0, a);
    const double* wb = &scatter_(0, b);
    for (int c = 0; c < d_; ++c)
      for (int r = c; r < d_; ++r) work_(r, c) = v_[r] * v_[c] + (*wa++ + *wb++);
    det = Scaled();
    if (!ldlt(work_, d_, det, diag_.data())) det.m = 0.0;
  }

  // Packed storage of the costs of pairs (i < j): row j holds i = 0..j-1.
  static std::size_t at(int i, int j) {
    return static_cast<std::size_t>(j) * (j - 1) / 2 + i;
  }

  void init_costs() {
    const int g = static_cast<int>(label_.size());
    cost_.reset(new double[static_cast<std::size_t>(g) * (g - 1) / 2]);
    row_best_.assign(g, 0);
    row_min_.assign(g, 0.0);
    row_dirty_.assign(g, 0);
    for (int j = 1; j < g; ++j) {
      pair_terms(j, 0, j);
      Eigen::Map<Eigen::ArrayXd>(&cost_[at(0, j)], j) =
          pair_term_.head(j) - (term_.head(j) + term_[j]);
      rescan_row(j);
    }
  }

  // Best pair in row j: lowest cost, the highest i among equal costs. Four
  // running minima, each with the last index that reached it, then the best
  // of the four.
  void rescan_row(int j) {
    const double* row = &cost_[at(0, j)];
    double lo[4] = {row[0], row[0], row[0], row[0]};
    int at_lo[4] = {0, 0, 0, 0};
    int i = 1;
    for (; i + 4 <= j; i += 4)
      for (int l = 0; l < 4; ++l)
        if (row[i + l] <= lo[l]) {
          lo[l] = row[i + l];
          at_lo[l] = i + l;
        }
    for (; i < j; ++i)
      if (row[i] <= lo[0]) {
        lo[0] = row[i];
        at_lo[0] = i;
      }
    int best = 0;
    for (int l = 1; l < 4; ++l)
      if (lo[l] < lo[best] || (lo[l] == lo[best] && at_lo[l] > at_lo[best])) best = l;
    row_best_[j] = at_lo[best];
    row_min_[j] = lo[best];
    row_dirty_[j] = 0;
  }

  // Entry i of row j changed to c. A dirty row only keeps a lower bound of
  // its costs, and is rescanned when that bound could win.
  void offer(int j, int i, double c) {
    if (row_dirty_[j]) {
      row_min_[j] = std::min(row_min_[j], c);
    } else if (c < row_min_[j] || (c == row_min_[j] && i > row_best_[j])) {
      row_best_[j] = i;
      row_min_[j] = c;
    }
  }

  // The lowest cost, the highest j among equal costs, over the clean rows;
  // then the dirty rows whose bound does not exceed it are rescanned.
  std::pair<int, int> best_pair(int m) {
    int jb = -1;
    double cb = std::numeric_limits<double>::infinity();
    for (int j = 1; j < m; ++j)
      if (!row_dirty_[j] && row_min_[j] <= cb) {
        cb = row_min_[j];
        jb = j;
      }
    for (int j = 1; j < m; ++j) {
      if (!row_dirty_[j] || !(row_min_[j] <= cb || jb < 0)) continue;
      rescan_row(j);
      if (jb < 0 || row_min_[j] < cb || (row_min_[j] == cb && j > jb)) {
        cb = row_min_[j];
        jb = j;
      }
    }
    if (jb < 0) jb = 1;  // only with costs that are not numbers
    return {row_best_[jb], jb};
  }

  // Merges slots i < j of m live slots: the result goes to slot i and the
  // last slot moves to slot j. The merged cost is the fresh one when the
  // pair involves the previous merge (the very number its cached cost came
  // from), else it is recovered from the cached pair cost.
  Merge merge(int i, int j, int m, int fresh) {
    const Merge out(std::min(label_[i], label_[j]), std::max(label_[i], label_[j]));
    double term;
    if (fresh < 0) {
      pair_terms(j, i, i + 1);
      term = pair_term_[i];
    } else if (i == fresh || j == fresh) {
      term = pair_term_[i == fresh ? j : i];
    } else {
      term = cost_[at(i, j)] + (term_[i] + term_[j]);
    }
    commit(i, j);
    term_[i] = term;
    label_[i] = out.first;
    if (j != m - 1) {
      move_slot(m - 1, j);
      std::copy_n(&cost_[at(0, m - 1)], j, &cost_[at(0, j)]);  // j's row; the column
                                                              // follows in update_after_merge()
    }
    return out;
  }

  // Slot i becomes the union of slots i and j.
  void commit(int i, int j) {
    merge_direction(i, j);
    const double na = size_[i], nb = size_[j], r = na + nb;
    Shape& a = shape_[i];
    const Shape& b = shape_[j];
    trace_[i] = (trace_[i] + trace_[j]) + dot(v_);
    scatter_.col(i) += scatter_.col(j);
    add_outer(i);
    keep_cols(a, r, &b);
    const double q = 1.0 / r;
    const double sa = std::sqrt(na * q), sb = std::sqrt(nb * q);
    for (int k = 0; k < d_; ++k) y_(i, k) = sa * y_(i, k) + sb * y_(j, k);
    size_[i] = r;
    if (r > d_) factor(i);
  }

  void move_slot(int from, int to) {
    y_.row(to) = y_.row(from);
    size_[to] = size_[from];
    trace_[to] = trace_[from];
    term_[to] = term_[from];
    label_[to] = label_[from];
    scatter_.col(to) = scatter_.col(from);
    std::swap(shape_[to], shape_[from]);
  }

  // After merging into slot i and moving the old last slot, m, into j (when
  // j < m), with m live slots: fresh costs for slot i, the moved slot's
  // column (its row moved in merge()), then the rows' best pairs. Column
  // entries are scattered over the rows, so each row is visited once.
  void update_after_merge(int i, int j, int m) {
    pair_terms(i, 0, m);
    fresh_cost_.head(m) = pair_term_.head(m) - (term_.head(m) + term_[i]);
    if (i > 0) {
      Eigen::Map<Eigen::ArrayXd>(&cost_[at(0, i)], i) = fresh_cost_.head(i);
      rescan_row(i);
    }
    const double none = std::numeric_limits<double>::infinity();
    for (int k = i + 1; k < m; ++k) {
      const double ci = fresh_cost_[k];
      cost_[at(i, k)] = ci;
      if (k < j) {
        refresh_row(k, i, -1, ci, none);
      } else if (k > j) {
        const double cj = cost_[at(k, m)];
        cost_[at(j, k)] = cj;
        refresh_row(k, i, j, ci, cj);
      }
    }
    if (j < m) moved_row(j, i, m);
  }

  // Row j now holds the old last row's costs below j, and a fresh cost at i.
  void moved_row(int j, int i, int last) {
    const int b = row_best_[last];
    row_min_[j] = row_min_[last];
    row_best_[j] = b;
    row_dirty_[j] = row_dirty_[last] || b >= j || b == i;
    offer(j, i, fresh_cost_[j]);
  }

  // Row k's entries i (fresh, ci) and, unless jj < 0, jj (moved, cj)
  // changed; the others did not, so they are no lower than the row's old
  // minimum.
  void refresh_row(int k, int i, int jj, double ci, double cj) {
    const int b = row_best_[k];
    if (row_dirty_[k] || (b != i && b != jj)) {
      offer(k, i, ci);
      if (jj >= 0) offer(k, jj, cj);
      return;
    }
    const double lo = std::min(ci, cj);
    if (lo < row_min_[k]) {
      row_best_[k] = cj <= ci ? jj : i;
      row_min_[k] = lo;
    } else {
      row_dirty_[k] = 1;  // row_min_[k] is still a lower bound
    }
  }

  const Eigen::Ref<const Eigen::MatrixXd> x_;
  const int d_;
  const int small_;  // clusters of at most this many points keep their merge directions
  double beta_;
  double alpha_ = 0.0;
  double log_ab_ = 0.0;
  std::vector<Scaled> power_;  // r^d
  // Live clusters by slot.
  Eigen::MatrixXd y_;  // sum / sqrt(size), one row per slot
  Eigen::ArrayXd size_, trace_, term_;
  Eigen::MatrixXd scatter_;  // lower triangles, packed by columns, one column per slot
  std::vector<int> label_;
  std::vector<Shape> shape_;
  // Pair costs and the best pair of each row.
  std::unique_ptr<double[]> cost_;
  std::vector<int> row_best_;
  std::vector<double> row_min_;
  std::vector<char> row_dirty_;
  // Work space.
  Eigen::ArrayXd sa_, sb_, acc_, single_acc_, spread_, pair_term_, fresh_cost_;
  Eigen::VectorXd v_, yf_, diag_;
  Eigen::MatrixXd u_, work_, gram_;
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
