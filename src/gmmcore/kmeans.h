// gmmcore/kmeans.h
//
// Contract: k-means++ seeding (Arthur and Vassilvitskii 2007) followed by
// Lloyd iterations, as a starting partition for EM. Distances are taken on
// the data standardised on the fly, (x - centre) / scale column by column,
// so the partition does not depend on the units or the location of the
// variables, and each squared distance is a sum of squared differences (no
// |x|^2 + |c|^2 - 2 x.c, which cancels for data far from the origin).
// The engine draws nothing: the caller passes k uniforms in [0, 1). The
// first centre is row floor(u_0 n); centre j is drawn with probability
// proportional to the squared distance to the nearest centre so far, by
// inverting the cumulative sum at u_j. Lloyd iterations stop when the
// partition repeats, after `max_iter`, or before a step that would empty a
// cluster (the last partition with k non-empty clusters is kept). Labels are
// 0-based; ties go to the lower-numbered centre. With case weights (one per
// row) the first centre is drawn with probability proportional to the
// weights, the next ones to weight times squared distance, and the Lloyd
// means are weighted: rows of weight w count as w copies of the row (with
// the copies adjacent, the draws pick the same rows), and rows of weight
// zero are never centres and move no mean.
#ifndef GMMCORE_KMEANS_H
#define GMMCORE_KMEANS_H

#include <algorithm>
#include <limits>
#include "types.h"

namespace gmmcore {

namespace detail {

// Row-major standardised copy: rows of d contiguous values.
inline std::vector<double> standardised_rows(const Eigen::Ref<const Matrix>& X,
                                             const Vector& centre,
                                             const Vector& scale) {
  const Index n = X.rows(), d = X.cols();
  std::vector<double> z(n * d);
  for (Index c = 0; c < d; ++c) {
    const double inv = 1.0 / scale(c);
    for (Index i = 0; i < n; ++i) z[i * d + c] = (X(i, c) - centre(c)) * inv;
  }
  return z;
}

inline double sq_dist(const double* a, const double* b, Index d) {
  double s = 0.0;
  for (Index c = 0; c < d; ++c) {
    const double t = a[c] - b[c];
    s += t * t;
  }
  return s;
}

// Nearest centre of every row; returns whether any label changed.
inline bool assign(const std::vector<double>& z, const std::vector<double>& ctr,
                   Index n, Index k, Index d, std::vector<int>& labels) {
  bool changed = false;
  for (Index i = 0; i < n; ++i) {
    int best = 0;
    double best_d = std::numeric_limits<double>::infinity();
    for (Index j = 0; j < k; ++j) {
      const double dist = sq_dist(&z[i * d], &ctr[j * d], d);
      if (dist < best_d) {
        best_d = dist;
        best = static_cast<int>(j);
      }
    }
    changed = changed || labels[i] != best;
    labels[i] = best;
  }
  return changed;
}

// Cluster means of a partition (weighted by `w` when not null); false when
// a cluster is empty (or has weight zero).
inline bool centres_of(const std::vector<double>& z, const std::vector<int>& labels,
                       Index n, Index k, Index d, std::vector<double>& ctr,
                       const double* w = nullptr) {
  std::vector<double> count(k, 0.0);
  std::fill(ctr.begin(), ctr.end(), 0.0);
  for (Index i = 0; i < n; ++i) {
    const double wi = w ? w[i] : 1.0;
    count[labels[i]] += wi;
    for (Index c = 0; c < d; ++c) ctr[labels[i] * d + c] += wi * z[i * d + c];
  }
  for (Index j = 0; j < k; ++j) {
    if (count[j] == 0.0) return false;
    for (Index c = 0; c < d; ++c) ctr[j * d + c] /= count[j];
  }
  return true;
}

// The row at which the cumulative sum of `w` first exceeds u * sum(w).
inline Index draw_index(const std::vector<double>& w, double u) {
  double total = 0.0;
  for (double v : w) total += v;
  const Index n = w.size();
  if (!(total > 0.0)) return std::min<Index>(n - 1, static_cast<Index>(u * n));
  const double target = u * total;
  double cum = 0.0;
  Index last_positive = 0;
  for (Index i = 0; i < n; ++i) {
    if (w[i] > 0.0) last_positive = i;
    cum += w[i];
    if (cum > target && w[i] > 0.0) return i;
  }
  return last_positive;
}

}  // namespace detail

inline std::vector<int> kmeanspp_labels(const Eigen::Ref<const Matrix>& X,
                                        const Vector& centre, const Vector& scale,
                                        const std::vector<double>& u, int max_iter,
                                        const double* w = nullptr) {
  const Index n = X.rows(), d = X.cols(), k = u.size();
  const std::vector<double> z = detail::standardised_rows(X, centre, scale);
  std::vector<double> ctr(k * d);
  const Index first = w ? detail::draw_index(std::vector<double>(w, w + n), u[0])
                        : std::min<Index>(n - 1, static_cast<Index>(u[0] * n));
  std::copy(&z[first * d], &z[first * d] + d, ctr.begin());
  std::vector<double> d2(n), wd2(w ? n : 0);
  for (Index i = 0; i < n; ++i) d2[i] = detail::sq_dist(&z[i * d], &ctr[0], d);
  for (Index j = 1; j < k; ++j) {
    if (w)
      for (Index i = 0; i < n; ++i) wd2[i] = w[i] * d2[i];
    const Index pick = detail::draw_index(w ? wd2 : d2, u[j]);
    std::copy(&z[pick * d], &z[pick * d] + d, ctr.begin() + j * d);
    for (Index i = 0; i < n; ++i)
      d2[i] = std::min(d2[i], detail::sq_dist(&z[i * d], &ctr[j * d], d));
  }
  std::vector<int> labels(n, -1), next(n);
  detail::assign(z, ctr, n, k, d, labels);
  for (int it = 0; it < max_iter; ++it) {
    if (!detail::centres_of(z, labels, n, k, d, ctr, w)) break;
    next = labels;
    if (!detail::assign(z, ctr, n, k, d, next)) break;
    std::vector<double> probe(k * d);
    if (!detail::centres_of(z, next, n, k, d, probe, w)) break;
    labels.swap(next);
  }
  return labels;
}

}  // namespace gmmcore

#endif
