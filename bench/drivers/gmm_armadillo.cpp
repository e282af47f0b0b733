// Child process of the benchmark for Armadillo's gmm_full.
//
//   gmm_armadillo data=<file> start=<file> n=<n> d=<d> k=<k> iters=20 reps=3
//
// Built by run.R with g++ -O3 -march=native -fopenmp -DARMA_NO_DEBUG and
// linked with -larmadillo; the thread count comes from OMP_NUM_THREADS.
// Runs `reps` fits of `iters` EM iterations from the common start and prints,
// one record per line (read by run.R):
//
//   fit <seconds> <iterations> <loglik>   one line per fit; only learn() is timed
//   memory <rss_before_kb> <peak_kb>      RSS just before the first fit and the
//                                         peak RSS just after it
//   threads <n>                           threads gmm_full reports using
//   version armadillo <version>                (alone when called without data=)
//
// The data file holds the n x d matrix row by row, which is Armadillo's d x n
// layout (one observation per column). The start file holds k weights, the k
// means one after the other, then the k covariance matrices.

#include <armadillo>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
  std::map<std::string, std::string> out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg(argv[i]);
    const std::size_t eq = arg.find('=');
    if (eq != std::string::npos) out[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  return out;
}

// Reads exactly `count` doubles from `path` into `dest`.
void read_doubles(const std::string& path, double* dest, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(dest), static_cast<std::streamsize>(count * sizeof(double)));
  if (!in) throw std::runtime_error("cannot read " + path);
}

// Current RSS and peak RSS in kB: /proc/self/status, or getrusage() for the
// peak where /proc is not available.
void memory_kb(double& rss, double& peak) {
  rss = peak = -1;
  std::ifstream status("/proc/self/status");
  std::string key;
  double value;
  while (status >> key) {
    if (key == "VmRSS:" && status >> value) rss = value;
    else if (key == "VmHWM:" && status >> value) peak = value;
  }
  if (peak < 0) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) == 0) peak = static_cast<double>(usage.ru_maxrss);
  }
}

struct Start {
  arma::mat means;   // d x k
  arma::cube covs;   // d x d x k
  arma::rowvec weights;
};

Start read_start(const std::string& path, arma::uword d, arma::uword k) {
  arma::vec v(k + k * d + d * d * k);
  read_doubles(path, v.memptr(), v.n_elem);
  Start s;
  s.weights = v.subvec(0, k - 1).t();
  s.means = arma::reshape(v.subvec(k, k + k * d - 1), d, k);
  s.covs = arma::cube(v.memptr() + k + k * d, d, d, k);
  return s;
}

// Counts the lines gmm_full prints for EM iterations, and reads the thread
// count it reports, from its progress output.
void parse_progress(const std::string& text, int& iterations, int& threads) {
  std::istringstream lines(text);
  std::string line;
  iterations = 0;
  while (std::getline(lines, line)) {
    if (line.find("EM: iteration:") != std::string::npos) ++iterations;
    const std::size_t at = line.find("n_threads:");
    if (at != std::string::npos) threads = std::atoi(line.c_str() + at + 10);
  }
}

// One fit: EM from the start with no k-means iterations and no variance
// floor (0, which Armadillo replaces by the smallest positive double). The
// progress output, needed to count the iterations actually run, is sent to a
// string rather than the terminal.
double fit_once(const arma::mat& X, const Start& start, arma::uword iters,
                int& iterations, int& threads, arma::gmm_full& model) {
  model.set_params(start.means, start.covs, start.weights);
  std::ostringstream progress;
  std::streambuf* saved = std::cout.rdbuf(progress.rdbuf());
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = model.learn(X, start.means.n_cols, arma::eucl_dist, arma::keep_existing,
                              0, iters, 0.0, true);
  const auto t1 = std::chrono::steady_clock::now();
  std::cout.rdbuf(saved);
  if (!ok) throw std::runtime_error("gmm_full::learn() failed");
  parse_progress(progress.str(), iterations, threads);
  return std::chrono::duration<double>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::map<std::string, std::string> opt = parse_args(argc, argv);
    std::printf("version armadillo %s\n", arma::arma_version::as_string().c_str());
    if (opt.count("data") == 0) return 0;  // called without data: version only
    const arma::uword n = std::stoul(opt.at("n")), d = std::stoul(opt.at("d")),
                      k = std::stoul(opt.at("k")), iters = std::stoul(opt.at("iters"));
    const int reps = std::stoi(opt.at("reps"));
    arma::mat X(d, n);
    read_doubles(opt.at("data"), X.memptr(), X.n_elem);
    const Start start = read_start(opt.at("start"), d, k);
    double before, peak;
    memory_kb(before, peak);
    for (int r = 0; r < reps; ++r) {
      arma::gmm_full model;
      int iterations = 0, threads = 0;
      const double seconds = fit_once(X, start, iters, iterations, threads, model);
      const double loglik = model.avg_log_p(X) * static_cast<double>(n);
      std::printf("fit %.6f %d %.17g\n", seconds, iterations, loglik);
      if (r == 0) {
        double now;
        memory_kb(now, peak);
        std::printf("memory %.0f %.0f\nthreads %d\n", before, peak, threads);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gmm_armadillo: %s\n", e.what());
    return 1;
  }
  return 0;
}
