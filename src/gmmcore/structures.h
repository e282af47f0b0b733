// gmmcore/structures.h
//
// Contract: the covariance models, one row each of the table model()
// returns, indexed by CovType: mclust's name, the properties the rest of
// the engine reads (diagonal, spherical, shared by all components) and the
// function that turns the scatter of the data into the covariances of that
// model. A new model is a new function and a new row here; the data passes,
// the factorisation and the EM loop read only the properties.
//
// A covariance function gets the scatter (n_j, mu_j, W_j), the previous
// parameters (nullptr when there are none; the iterative models start from
// them) and the settings, and fills p.cov (k matrices, d x d, `reg` on the
// diagonal; a spherical model gets the mean of `reg`, so that it stays
// spherical). Weights, means and Cholesky factors are done by the caller
// (mstep.h).
#ifndef GMMCORE_STRUCTURES_H
#define GMMCORE_STRUCTURES_H

#include <cmath>
#include <limits>
#include "types.h"

namespace gmmcore {

struct StepSettings {
  const Vector* reg = nullptr;  // d values added to the covariance diagonals
  // The iterative models (VEI, VEE, VEV, EVE, VVE): their inner iterations
  // stop when the objective changes by less than inner_tol relatively, or
  // after inner_max rounds (every round lowers the objective, so EM still
  // climbs when the cap is reached).
  double inner_tol = 1e-12;
  int inner_max = 100;
  // When given, the iterative models write here how many rounds they ran.
  int* rounds = nullptr;
};

namespace structures {

// The lower triangle of `m` copied onto its upper one.
inline void fill_upper(Matrix& m) {
  for (Index c = 1; c < m.cols(); ++c)
    for (Index r = 0; r < c; ++r) m(r, c) = m(c, r);
}

// VVV: each component its own unrestricted covariance, W_j / n_j.
inline void full(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  for (Index j = 0; j < sc.n_k.size(); ++j) {
    p.cov[j] = sc.W[j];
    fill_upper(p.cov[j]);
    p.cov[j] /= sc.n_k(j);
    p.cov[j].diagonal() += *s.reg;
  }
}

// EEE: one unrestricted covariance for all, sum_j W_j / n.
inline void tied(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  Matrix& pooled = p.cov[0];
  pooled.setZero(d, d);
  for (Index j = 0; j < k; ++j) pooled += sc.W[j];
  fill_upper(pooled);
  pooled /= sc.n_k.sum();
  pooled.diagonal() += *s.reg;
  for (Index j = 1; j < k; ++j) p.cov[j] = pooled;
}

// VVI: each component its own diagonal covariance, diag(W_j) / n_j.
inline void diag(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index d = sc.means.cols();
  for (Index j = 0; j < sc.n_k.size(); ++j) {
    p.cov[j].setZero(d, d);
    p.cov[j].diagonal() = sc.W[j].diagonal().array() / sc.n_k(j) + s.reg->array();
  }
}

// VII: each component its own variance, the same in every direction,
// tr(W_j) / (n_j d).
inline void spherical(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index d = sc.means.cols();
  for (Index j = 0; j < sc.n_k.size(); ++j) {
    const double v = sc.W[j].diagonal().sum() / (sc.n_k(j) * d) + s.reg->mean();
    p.cov[j].setZero(d, d);
    p.cov[j].diagonal().setConstant(v);
  }
}

// The models below apply `reg` to the scatter (W_j + n_j reg), before the
// constraints, so that the regularised covariances still follow them. Each
// is a maximiser of the complete-data log-likelihood under its constraints
// (Celeux and Govaert 1995); volume, shape and orientation are written
// lambda, A (diagonal, determinant 1) and D (orthogonal).

// diag(W_j) + n_j reg.
inline Vector diag_reg(const Scatter& sc, const StepSettings& s, Index j) {
  return sc.W[j].diagonal() + sc.n_k(j) * *s.reg;
}

// W_j + n_j reg, both triangles filled.
inline Matrix full_reg(const Scatter& sc, const StepSettings& s, Index j) {
  Matrix S = sc.W[j];
  fill_upper(S);
  S.diagonal() += sc.n_k(j) * *s.reg;
  return S;
}

// The d-th root of the product of positive values (a determinant).
inline double geo_root(const Vector& v) { return std::exp(v.array().log().mean()); }

// |m|^(1/d) of a symmetric matrix: 0 when it is not positive definite.
inline double det_root(const Matrix& m) {
  Eigen::LLT<Matrix> llt(m);
  if (llt.info() != Eigen::Success) return 0.0;
  return std::exp(2.0 * Matrix(llt.matrixL()).diagonal().array().log().mean());
}

inline void set_diagonal(Matrix& m, const Vector& v) {
  m.setZero(v.size(), v.size());
  m.diagonal() = v;
}

// EII: lambda I, one volume for all: sum_j tr(W_j) / (n d).
inline void eii(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  double t = 0.0;
  for (Index j = 0; j < k; ++j) t += diag_reg(sc, s, j).sum();
  const Vector v = Vector::Constant(d, t / (sc.n_k.sum() * d));
  for (Index j = 0; j < k; ++j) set_diagonal(p.cov[j], v);
}

// EEI: one diagonal matrix for all, sum_j diag(W_j) / n.
inline void eei(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  Vector b = Vector::Zero(d);
  for (Index j = 0; j < k; ++j) b += diag_reg(sc, s, j);
  b /= sc.n_k.sum();
  for (Index j = 0; j < k; ++j) set_diagonal(p.cov[j], b);
}

// Shared by EVI and EVV: one volume lambda and a shape of determinant 1 per
// component. `scatter(j)` gives component j's regularised scatter S_j and
// `root` its d-th root of the determinant g_j; the shapes S_j / g_j go into
// `shapes`, and lambda = sum_j g_j / n is returned.
template <class T, class ScatterOf, class Root>
double equal_volume_shapes(const Scatter& sc, ScatterOf scatter, Root root, std::vector<T>& shapes) {
  const Index k = sc.n_k.size();
  shapes.resize(k);
  double lambda = 0.0;
  for (Index j = 0; j < k; ++j) {
    shapes[j] = scatter(j);
    const double g = root(shapes[j]);
    shapes[j] /= g;
    lambda += g;
  }
  return lambda / sc.n_k.sum();
}

// EVI: lambda A_j: A_j = diag(W_j) / |diag(W_j)|^(1/d),
// lambda = sum_j |diag(W_j)|^(1/d) / n.
inline void evi(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  std::vector<Vector> a;
  const double lambda = equal_volume_shapes(
      sc, [&](Index j) { return diag_reg(sc, s, j); }, geo_root, a);
  for (std::size_t j = 0; j < a.size(); ++j) set_diagonal(p.cov[j], lambda * a[j]);
}

// Whether `previous` holds k covariances of dimension d, for an iterative
// model to start from.
inline bool can_warm(const Params* previous, Index k, Index d) {
  return previous != nullptr && previous->k() == k && previous->d() == d &&
         static_cast<Index>(previous->cov.size()) == k && previous->cov[0].allFinite();
}

// `v` scaled to product 1, or empty when it has a value that is not
// positive and finite.
inline Vector unit_product(const Vector& v) {
  if (!v.allFinite() || !(v.array() > 0.0).all()) return Vector();
  return v / geo_root(v);
}

// Shared by VEI and VEV: the volumes lambda_j and the common shape A of
// components with scatter eigenvalues (or diagonals) omega_j, by
// alternating the two closed-form updates until the objective
// sum_j tr(Omega_j A^-1) / lambda_j + d n_j log lambda_j changes by less than
// `tol` relatively (or `max_iter` rounds), from the shape `a` (the
// identity when `a` is empty). Returns the number of rounds.
inline int common_shape(const std::vector<Vector>& omega, const Vector& n_k, Vector& lambda,
                        Vector& a, double tol, int max_iter) {
  const Index k = n_k.size(), d = omega[0].size();
  lambda.resize(k);
  if (a.size() != d) a = Vector::Ones(d);
  double last = std::numeric_limits<double>::infinity();
  int it = 0;
  while (it < max_iter) {
    ++it;
    for (Index j = 0; j < k; ++j)
      lambda(j) = (omega[j].array() / a.array()).sum() / (static_cast<double>(d) * n_k(j));
    Vector b = Vector::Zero(d);
    for (Index j = 0; j < k; ++j) b += omega[j] / lambda(j);
    a = b / geo_root(b);
    double obj = 0.0;
    for (Index j = 0; j < k; ++j)
      obj += (omega[j].array() / a.array()).sum() / lambda(j) +
             static_cast<double>(d) * n_k(j) * std::log(lambda(j));
    if (std::abs(last - obj) <= tol * (1.0 + std::abs(obj))) break;
    last = obj;
  }
  return it;
}

inline void count_rounds(const StepSettings& s, int rounds) {
  if (s.rounds != nullptr) *s.rounds = rounds;
}

// VEI: lambda_j A, iterated (common_shape) on the diagonals of W_j, from
// the previous shape.
inline void vei(const Scatter& sc, const StepSettings& s, const Params* previous, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  std::vector<Vector> omega(k);
  for (Index j = 0; j < k; ++j) omega[j] = diag_reg(sc, s, j);
  Vector lambda;
  Vector a = can_warm(previous, k, d) ? unit_product(previous->cov[0].diagonal()) : Vector();
  count_rounds(s, common_shape(omega, sc.n_k, lambda, a, s.inner_tol, s.inner_max));
  for (Index j = 0; j < k; ++j) set_diagonal(p.cov[j], lambda(j) * a);
}

// VEE: lambda_j C, |C| = 1, iterated: C = sum_j W_j / lambda_j scaled to
// determinant 1, lambda_j = tr(W_j C^-1) / (d n_j); the first volumes are
// those of the previous C (of the identity without one).
inline void vee(const Scatter& sc, const StepSettings& s, const Params* previous, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  std::vector<Matrix> S(k);
  for (Index j = 0; j < k; ++j) S[j] = full_reg(sc, s, j);
  Matrix C = Matrix::Identity(d, d);
  if (can_warm(previous, k, d)) {
    const double g = det_root(previous->cov[0]);
    if (g > 0.0) C = previous->cov[0] / g;
  }
  Vector lambda(k);
  {
    const Eigen::LLT<Matrix> llt_c(C);
    for (Index j = 0; j < k; ++j)
      lambda(j) = llt_c.solve(S[j]).trace() / (static_cast<double>(d) * sc.n_k(j));
  }
  double last = std::numeric_limits<double>::infinity();
  int it = 0;
  while (it < s.inner_max) {
    ++it;
    C.setZero();
    for (Index j = 0; j < k; ++j) C += S[j] / lambda(j);
    const double g = det_root(C);
    if (!(g > 0.0)) break;
    C /= g;
    const Eigen::LLT<Matrix> llt_c(C);
    double obj = 0.0;
    for (Index j = 0; j < k; ++j) {
      const double t = llt_c.solve(S[j]).trace();
      lambda(j) = t / (static_cast<double>(d) * sc.n_k(j));
      obj += t / lambda(j) + static_cast<double>(d) * sc.n_k(j) * std::log(lambda(j));
    }
    if (std::abs(last - obj) <= s.inner_tol * (1.0 + std::abs(obj))) break;
    last = obj;
  }
  count_rounds(s, it);
  for (Index j = 0; j < k; ++j) p.cov[j] = lambda(j) * C;
}

// The eigenvalues (increasing) and eigenvectors of W_j + n_j reg.
inline void eigen_scatter(const Scatter& sc, const StepSettings& s, Index j, Vector& values,
                          Matrix& vectors) {
  Eigen::SelfAdjointEigenSolver<Matrix> es(full_reg(sc, s, j));
  values = es.eigenvalues();
  vectors = es.eigenvectors();
}

// EEV: lambda D_j A D_j^T: D_j the eigenvectors of W_j, lambda A the sum
// over components of their eigenvalues (in the same order) over n.
inline void eev(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  std::vector<Matrix> D(k);
  Vector omega = Vector::Zero(d), values;
  for (Index j = 0; j < k; ++j) {
    eigen_scatter(sc, s, j, values, D[j]);
    omega += values;
  }
  omega /= sc.n_k.sum();
  for (Index j = 0; j < k; ++j) p.cov[j] = D[j] * omega.asDiagonal() * D[j].transpose();
}

// VEV: lambda_j D_j A D_j^T: D_j the eigenvectors of W_j, lambda_j and A
// iterated (common_shape) on their eigenvalues, from the previous shape.
inline void vev(const Scatter& sc, const StepSettings& s, const Params* previous, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  std::vector<Matrix> D(k);
  std::vector<Vector> omega(k);
  for (Index j = 0; j < k; ++j) eigen_scatter(sc, s, j, omega[j], D[j]);
  Vector lambda;
  // (The previous shape: the eigenvalues of a previous covariance, in the
  // increasing order of omega_j.)
  Vector a = can_warm(previous, k, d)
                 ? unit_product(Eigen::SelfAdjointEigenSolver<Matrix>(previous->cov[0],
                                                                      Eigen::EigenvaluesOnly)
                                    .eigenvalues())
                 : Vector();
  count_rounds(s, common_shape(omega, sc.n_k, lambda, a, s.inner_tol, s.inner_max));
  for (Index j = 0; j < k; ++j)
    p.cov[j] = lambda(j) * (D[j] * a.asDiagonal() * D[j].transpose());
}

// EVV: lambda C_j, |C_j| = 1: C_j = W_j / |W_j|^(1/d),
// lambda = sum_j |W_j|^(1/d) / n.
inline void evv(const Scatter& sc, const StepSettings& s, const Params*, Params& p) {
  std::vector<Matrix> C;
  const double lambda = equal_volume_shapes(
      sc, [&](Index j) { return full_reg(sc, s, j); }, det_root, C);
  for (std::size_t j = 0; j < C.size(); ++j) p.cov[j] = lambda * C[j];
}

// EVE and VVE: one orientation D for all components, shapes that differ
// and equal (EVE) or varying (VVE) volumes. Alternates two updates, each
// lowering the M-step's objective sum_j n_j log|S_j| + tr(W_j S_j^-1):
// given D, the volumes and shapes in closed form (those of EVI or VVI for
// the rotated scatters M_j = D^T W_j D); given those (Omega_j, the inverse
// of the diagonal lambda_j A_j), a sweep of plane rotations of D, each
// minimising sum_j tr(M_j Omega_j) exactly over the angle of its plane
// (the Jacobi-type scheme of Flury and Gautschi (1986) for common principal
// components, with each component's weights). For the plane of columns p
// and q, the objective is c + A cos 2t + B sin 2t with
// A = sum_j (w_jp - w_jq)(M_j,pp - M_j,qq) / 2 and B = sum_j (w_jp - w_jq) M_j,pq,
// least at 2t = atan2(-B, -A). The two updates alternate until the objective
// changes by less than inner_tol relatively (at most inner_max rounds). D
// starts from the orientation of the previous parameters when there are
// some (the eigenvectors of their first covariance), otherwise from that of
// the pooled scatter. (Browne and McNicholas (2014) update D by
// majorisation-minimisation instead; its steps are small when the
// eigenvalues are spread out, and on a test with n = 20,000, d = 10, k = 4
// an EM iteration took 28 ms with them against 1.2 ms with the rotations.)
inline void common_orientation(const Scatter& sc, const StepSettings& s, const Params* previous,
                               bool equal_volume, Params& p) {
  const Index k = sc.n_k.size(), d = sc.means.cols();
  Matrix pooled = Matrix::Zero(d, d);
  std::vector<Matrix> M(k);
  for (Index j = 0; j < k; ++j) {
    M[j] = full_reg(sc, s, j);
    pooled += M[j];
  }
  const bool warm = can_warm(previous, k, d);
  Matrix D = Eigen::SelfAdjointEigenSolver<Matrix>(warm ? previous->cov[0] : pooled)
                 .eigenvectors();
  for (Index j = 0; j < k; ++j) M[j] = D.transpose() * M[j] * D;
  std::vector<Vector> lam(k);  // the diagonal of lambda_j A_j
  auto fit_diagonals = [&]() {
    double total = 0.0;
    for (Index j = 0; j < k; ++j) {
      lam[j] = M[j].diagonal();
      if (equal_volume) {
        const double g = geo_root(lam[j]);
        lam[j] /= g;
        total += g;
      } else {
        lam[j] /= sc.n_k(j);
      }
    }
    if (equal_volume)
      for (Index j = 0; j < k; ++j) lam[j] *= total / sc.n_k.sum();
    double obj = 0.0;
    for (Index j = 0; j < k; ++j)
      obj += sc.n_k(j) * lam[j].array().log().sum() +
             (M[j].diagonal().array() / lam[j].array()).sum();
    return obj;
  };
  // Rotates columns p and q of D (and rows and columns of every M_j) by t.
  auto rotate = [&](Index a, Index b, double t) {
    const double c = std::cos(t), sn = std::sin(t);
    for (Index r = 0; r < d; ++r) {
      const double x = D(r, a), y = D(r, b);
      D(r, a) = c * x + sn * y;
      D(r, b) = -sn * x + c * y;
    }
    for (Index j = 0; j < k; ++j) {
      Matrix& m = M[j];
      for (Index r = 0; r < d; ++r) {
        const double x = m(r, a), y = m(r, b);
        m(r, a) = c * x + sn * y;
        m(r, b) = -sn * x + c * y;
      }
      for (Index r = 0; r < d; ++r) {
        const double x = m(a, r), y = m(b, r);
        m(a, r) = c * x + sn * y;
        m(b, r) = -sn * x + c * y;
      }
    }
  };
  double last = fit_diagonals();
  int it = 0;
  while (it < s.inner_max && std::isfinite(last)) {
    ++it;
    for (Index a = 0; a + 1 < d; ++a) {
      for (Index b = a + 1; b < d; ++b) {
        double A = 0.0, B = 0.0;
        for (Index j = 0; j < k; ++j) {
          const double w = 1.0 / lam[j](a) - 1.0 / lam[j](b);
          A += 0.5 * w * (M[j](a, a) - M[j](b, b));
          B += w * M[j](a, b);
        }
        // (A rotation by no angle is skipped: it would only add rounding.)
        const double t = 0.5 * std::atan2(-B, -A);
        if (t != 0.0) rotate(a, b, t);
      }
    }
    const double obj = fit_diagonals();
    if (std::abs(last - obj) <= s.inner_tol * (1.0 + std::abs(obj))) break;
    last = obj;
  }
  count_rounds(s, it);
  for (Index j = 0; j < k; ++j) p.cov[j] = D * lam[j].asDiagonal() * D.transpose();
}

inline void eve(const Scatter& sc, const StepSettings& s, const Params* previous, Params& p) {
  common_orientation(sc, s, previous, true, p);
}

inline void vve(const Scatter& sc, const StepSettings& s, const Params* previous, Params& p) {
  common_orientation(sc, s, previous, false, p);
}

}  // namespace structures

struct Model {
  const char* name;  // mclust's name
  bool diagonal;     // every covariance is diagonal (orientation I)
  bool spherical;    // every covariance is a multiple of the identity (shape I)
  bool shared;       // all components have one covariance
  void (*covariances)(const Scatter&, const StepSettings&, const Params*, Params&);
};

constexpr int kModels = 14;

inline const Model& model(CovType type) {
  static const Model table[kModels] = {
      {"VVV", false, false, false, structures::full},       // CovType::Full
      {"EEE", false, false, true, structures::tied},        // CovType::Tied
      {"VVI", true, false, false, structures::diag},        // CovType::Diag
      {"VII", true, true, false, structures::spherical},    // CovType::Spherical
      {"EII", true, true, true, structures::eii},            // CovType::EII
      {"EEI", true, false, true, structures::eei},           // CovType::EEI
      {"VEI", true, false, false, structures::vei},          // CovType::VEI
      {"EVI", true, false, false, structures::evi},          // CovType::EVI
      {"VEE", false, false, false, structures::vee},         // CovType::VEE
      {"EEV", false, false, false, structures::eev},         // CovType::EEV
      {"VEV", false, false, false, structures::vev},         // CovType::VEV
      {"EVV", false, false, false, structures::evv},         // CovType::EVV
      {"EVE", false, false, false, structures::eve},         // CovType::EVE
      {"VVE", false, false, false, structures::vve},         // CovType::VVE
  };
  return table[static_cast<int>(type)];
}

inline bool is_diagonal(CovType t) { return model(t).diagonal; }

// Whether the data passes need full d x d second moments and precision
// factors; with one variable every structure is diagonal, and the cheaper
// diagonal kernels give the same numbers.
inline bool needs_full(CovType t, Index d) { return !is_diagonal(t) && d > 1; }

}  // namespace gmmcore

#endif
