# Benchmark data: mixtures with known parameters, the common starting point
# every tool is given, and the binary files the child processes read.
#
# Everything here draws from R's random number generator; run.R sets the seed
# once per data set, so the data and the starts are the same in every run.

# Parameters of a mixture with k components in d dimensions: weights within a
# factor 3 of each other, covariances with eigenvalues between 0.5 and 2 in a
# random orientation (so no standard deviation exceeds sqrt(2)), and means at
# least `min_dist` apart. With min_dist = 3 every pair of components is more
# than two standard deviations apart: they overlap a little, enough that EM is
# still improving the log-likelihood after 20 iterations (so no tool stops
# early), and, started near the truth, EM converges to a fit close to it.
make_truth <- function(d, k, min_dist = 3) {
  weights <- stats::runif(k, 1, 3)
  covariances <- array(0, c(d, d, k))
  for (j in seq_len(k)) covariances[, , j] <- random_covariance(d)
  list(weights = weights / sum(weights),
       means = spread_means(d, k, min_dist),
       covariances = covariances)
}

# k x d matrix of means drawn from a normal distribution, redrawn (with a
# slightly wider spread each time) until no two are closer than `min_dist`.
spread_means <- function(d, k, min_dist) {
  spread <- 1.5 * min_dist / sqrt(2 * d)
  repeat {
    means <- matrix(stats::rnorm(k * d, sd = spread), k, d)
    if (k < 2L || min(stats::dist(means)) >= min_dist) return(means)
    spread <- spread * 1.05
  }
}

# A d x d covariance matrix Q diag(lambda) Q' with a random rotation Q and
# eigenvalues lambda between 0.5 and 2 (condition number at most 4).
random_covariance <- function(d) {
  q <- qr.Q(qr(matrix(stats::rnorm(d * d), d, d)))
  lambda <- exp(stats::runif(d, log(0.5), log(2)))
  s <- q %*% (lambda * t(q))
  (s + t(s)) / 2
}

# n observations (an n x d matrix) drawn from the mixture `truth`; the
# components are interleaved in random order.
sample_mixture <- function(n, truth) {
  k <- length(truth$weights)
  d <- ncol(truth$means)
  labels <- sample.int(k, n, replace = TRUE, prob = truth$weights)
  x <- matrix(0, n, d)
  for (j in seq_len(k)) {
    rows <- which(labels == j)
    z <- matrix(stats::rnorm(length(rows) * d), length(rows), d)
    y <- z %*% chol(matrix(truth$covariances[, , j], d, d))
    x[rows, ] <- y + rep(truth$means[j, ], each = length(rows))
  }
  x
}

# The common starting point: the truth, perturbed. Weights are pulled towards
# equal weights, each mean is moved by about 0.3 standard deviations in every
# direction, and each covariance is inflated and made rounder.
perturb_truth <- function(truth) {
  k <- length(truth$weights)
  d <- ncol(truth$means)
  start <- truth
  start$weights <- 0.7 * truth$weights + 0.3 / k
  for (j in seq_len(k)) {
    s <- matrix(truth$covariances[, , j], d, d)
    shift <- drop(stats::rnorm(d) %*% chol(s))
    start$means[j, ] <- truth$means[j, ] + 0.3 * shift
    start$covariances[, , j] <- 1.5 * s + 0.25 * mean(diag(s)) * diag(d)
  }
  start
}

# A start reduced to a restricted covariance structure, by the function
# gmm_fit() itself applies to a user start (the diagonals for "diag", the
# mean variance for "spherical", the weight-averaged matrix for "tied"), so
# that every tool starts from what gmmfit starts from.
reduce_start <- function(start, covariance) {
  gmmfit:::project_params(start, covariance)
}

# One benchmark data set: data, truth and start, from a fixed seed.
# `min_dist` sets how far apart the components are (see make_truth()).
make_dataset <- function(name, n, d, k, seed, min_dist = 3) {
  set.seed(seed)
  truth <- make_truth(d, k, min_dist)
  x <- sample_mixture(n, truth)
  list(name = name, n = n, d = d, k = k, x = x, truth = truth,
       start = perturb_truth(truth))
}

# Binary files for the child processes (doubles in native byte order):
#   <stem>.col.bin  the data column by column (R's layout, read by R);
#   <stem>.row.bin  the data row by row (numpy's n x d and Armadillo's d x n);
#   <stem>.start.bin the start: k weights, the k means one after the other,
#                   then the k covariance matrices (d x d each).
write_dataset <- function(ds, dir, stem = ds$name) {
  paths <- file.path(dir, paste0(stem, c(".col.bin", ".row.bin")))
  writeBin(as.vector(ds$x), paths[1L])
  writeBin(as.vector(t(ds$x)), paths[2L])
  list(col = paths[1L], row = paths[2L])
}

write_start <- function(start, path) {
  writeBin(c(start$weights, as.vector(t(start$means)), as.vector(start$covariances)), path)
  path
}

# Read back what write_start() wrote (used by the R child process).
read_start <- function(path, d, k) {
  v <- readBin(path, "double", n = k + k * d + d * d * k)
  list(weights = v[seq_len(k)],
       means = matrix(v[k + seq_len(k * d)], k, d, byrow = TRUE),
       covariances = array(v[k + k * d + seq_len(d * d * k)], c(d, d, k)))
}

# Size of the data in memory, in MB (8 bytes per value).
data_mb <- function(n, d) 8 * n * d / 2^20
