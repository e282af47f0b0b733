# Data with values removed at random, and the observed-data log-likelihood
# computed directly: each row's mixture density of its observed values, from
# the submatrices of the parameters (explicit inverse and determinant, as in
# helper-reference.R).

# `x` with a share of its values set to NA completely at random, every row
# keeping at least one value.
with_holes <- function(x, share = 0.1) {
  x <- as.matrix(x)
  repeat {
    h <- x
    h[sample(length(h), round(share * length(h)))] <- NA
    if (all(rowSums(!is.na(h)) > 0L)) return(h)
  }
}

# Each row's log density of its observed values under the mixture.
observed_logdens_ref <- function(x, weights, means, covariances) {
  vapply(seq_len(nrow(x)), function(i) {
    o <- which(!is.na(x[i, ]))
    lj <- vapply(seq_along(weights), function(j) {
      log(weights[j]) + dmvnorm_ref(x[i, o], means[j, o],
                                    covariances[o, o, j, drop = FALSE], log = TRUE)
    }, numeric(1))
    logsumexp_rows(matrix(lj, 1L))
  }, numeric(1))
}

observed_loglik_ref <- function(fit, x = fit$data) {
  sum(observed_logdens_ref(x, fit$weights, fit$means, fit$covariances))
}

# Each row's posteriors from its observed values.
observed_posterior_ref <- function(x, weights, means, covariances) {
  t(vapply(seq_len(nrow(x)), function(i) {
    o <- which(!is.na(x[i, ]))
    lj <- vapply(seq_along(weights), function(j) {
      log(weights[j]) + dmvnorm_ref(x[i, o], means[j, o],
                                    covariances[o, o, j, drop = FALSE], log = TRUE)
    }, numeric(1))
    exp(lj - logsumexp_rows(matrix(lj, 1L)))
  }, numeric(length(weights))))
}

# The parameters of a fit as a start for another fit.
as_start <- function(fit) {
  list(weights = fit$weights, means = fit$means, covariances = fit$covariances)
}
