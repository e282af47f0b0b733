# Reference computations written straight from the textbook formulas. They are
# deliberately naive (explicit inverse and determinant, no Cholesky, no
# blocking) so that they share nothing with the engine they are checked
# against.

dmvnorm_ref <- function(x, mean, sigma, log = FALSE) {
  x <- matrix(x, ncol = length(mean))
  sigma <- matrix(sigma, length(mean), length(mean))
  dev <- sweep(x, 2L, mean)
  quad <- rowSums((dev %*% solve(sigma)) * dev)
  logd <- -0.5 * (length(mean) * log(2 * pi) + log(det(sigma)) + quad)
  if (log) logd else exp(logd)
}

# Matrix (n x k) of log(w_j) + log N(x_i | mu_j, Sigma_j).
log_joint_ref <- function(x, weights, means, covariances) {
  x <- matrix(x, ncol = ncol(means))
  vapply(seq_along(weights), function(j) {
    log(weights[j]) + dmvnorm_ref(x, means[j, ], covariances[, , j], log = TRUE)
  }, numeric(nrow(x)))
}

logsumexp_rows <- function(lj) {
  lj <- matrix(lj, ncol = NCOL(lj))
  m <- apply(lj, 1L, max)
  m + log(rowSums(exp(lj - m)))
}

mixture_logdens_ref <- function(x, weights, means, covariances) {
  logsumexp_rows(log_joint_ref(x, weights, means, covariances))
}

posterior_ref <- function(x, weights, means, covariances) {
  lj <- matrix(log_joint_ref(x, weights, means, covariances), ncol = length(weights))
  exp(lj - logsumexp_rows(lj))
}

# The engine's codes for the covariance models, from the package's model
# table (test-models.R checks it against the engine's own table).
cov_codes <- local({
  t <- gmmfit:::model_table
  stats::setNames(t$code, t$name)
})

rel_diff <- function(a, b) abs(a - b) / max(abs(b), 1)

# One thread for tests that run many small fits. Thread-count invariance has
# its own tests; elsewhere a second thread only adds a synchronisation per
# step, which on a busy machine makes a small fit many times slower.
serial_control <- function(...) gmm_control(n_threads = 1L, ...)

# Settings under which EM is the plain maximum-likelihood iteration mclust
# runs, iterated to full convergence.
tight_control <- function() serial_control(tol = 1e-14, reg = 0, max_iter = 20000L)

# For each fitted component, the row of `ref_means` it corresponds to
# (nearest mean); stops unless that is a permutation, so a mismatch cannot
# silently pass a comparison.
match_components <- function(fit_means, ref_means) {
  idx <- apply(unname(fit_means), 1L, function(m) {
    which.min(colSums((t(unname(ref_means)) - m)^2))
  })
  stopifnot(!anyDuplicated(idx))
  idx
}

one_hot_ref <- function(labels) {
  g <- as.integer(factor(labels))
  outer(g, seq_len(max(g)), "==") * 1
}

# A two-dimensional mixture with well separated components and distinct
# weights, so canonical (decreasing weight) order equals the order given.
separated_mixture <- function() {
  gmm_mixture(
    weights = c(0.5, 0.3, 0.2),
    means = rbind(c(0, 0), c(7, 0), c(0, 7)),
    covariances = list(
      matrix(c(1, 0.5, 0.5, 1), 2),
      diag(c(1.5, 0.5)),
      matrix(c(0.8, -0.3, -0.3, 0.6), 2)
    )
  )
}

# n points from three overlapping Gaussian clouds in d dimensions.
cloud_data <- function(n, d = 3L) {
  g <- rep_len(1:3, n)
  x <- matrix(stats::rnorm(n * d), n, d) + 2.5 * outer(g, seq_len(d), function(a, b) (a + b) %% 3)
  colnames(x) <- paste0("v", seq_len(d))
  x
}

# A valid two-component start in two dimensions, with some elements replaced.
two_component_start <- function(...) {
  utils::modifyList(list(weights = c(0.5, 0.5), means = matrix(0, 2, 2),
                         covariances = array(diag(2), c(2, 2, 2))), list(...))
}
