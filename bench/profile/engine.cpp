// Stand-alone driver of the gmmcore engine, for profilers (perf, callgrind)
// that are easier to point at a plain executable than at R. Builds with R's
// own optimisation flags; see bench/profile/README.md.
//
//   engine <n> <d> <k> <type 0..3> <iterations> <threads> [isa -1..2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include "gmmcore/gmmcore.h"

using namespace gmmcore;

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: engine n d k type iterations threads [isa]\n");
    return 2;
  }
  const Index n = std::atol(argv[1]), d = std::atol(argv[2]), k = std::atol(argv[3]);
  const CovType type = static_cast<CovType>(std::atoi(argv[4]));
  Control ctrl;
  ctrl.max_iter = std::atoi(argv[5]);
  ctrl.tol = 0.0;
  ctrl.n_threads = std::atoi(argv[6]);
  ctrl.isa = static_cast<Isa>(argc > 7 ? std::atoi(argv[7]) : -1);

  // Data: k unit-variance clusters with means drawn at scale 3 (a fixed
  // generator, so every run sees the same numbers).
  std::mt19937_64 gen(1);
  std::normal_distribution<double> z(0.0, 1.0);
  Matrix mu(k, d), X(n, d);
  for (Index j = 0; j < k; ++j)
    for (Index c = 0; c < d; ++c) mu(j, c) = 3.0 * z(gen);
  for (Index i = 0; i < n; ++i) {
    const Index j = i % k;
    for (Index c = 0; c < d; ++c) X(i, c) = mu(j, c) + z(gen);
  }
  Params start;
  start.weights = Vector::Constant(k, 1.0 / k);
  start.means = mu.array() + 0.3;
  start.cov.assign(k, 1.2 * Matrix::Identity(d, d));

  Monitor monitor;
  const auto t0 = std::chrono::steady_clock::now();
  Matrix post(n, k);
  EmResult r = run_em(X, start, type, ctrl, monitor, post);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("n=%ld d=%ld k=%ld type=%d threads=%d isa=%s: %.6f s/iter, loglik %.10f\n",
              static_cast<long>(n), static_cast<long>(d), static_cast<long>(k),
              static_cast<int>(type), ctrl.n_threads,
              isa_name(resolve_isa(ctrl.isa)), secs / ctrl.max_iter, r.loglik);
  return 0;
}
