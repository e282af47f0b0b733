# EM step by step: tol = 0 without a warning, the start's component order,
# the parameters of every iteration.

em_step_ref <- function(x, p) {
  # One EM iteration by direct formulas (1-D, no regularisation).
  dens <- sapply(seq_along(p$weights), function(j) {
    p$weights[j] * dnorm(x, p$means[j], sqrt(p$covariances[j]))
  })
  z <- dens / rowSums(dens)
  nk <- colSums(z)
  mu <- colSums(z * x) / nk
  list(weights = nk / length(x), means = mu,
       covariances = sapply(seq_along(nk), function(j) sum(z[, j] * (x - mu[j])^2) / nk[j]))
}

test_that("one EM iteration at a time matches the textbook update and keeps the numbering", {
  x <- faithful$eruptions
  step <- gmm_control(max_iter = 1, tol = 0, reg = 0, keep_order = TRUE)
  # The larger mean first: sorting by weight would put it second.
  p <- list(weights = c(0.3, 0.7), means = c(4.5, 2), covariances = c(1, 1))
  for (i in 1:3) {
    expect_silent(fit <- gmm_fit(x, init = p, control = step))
    ref <- em_step_ref(x, p)
    expect_equal(unname(fit$weights), ref$weights, tolerance = 1e-10)
    expect_equal(unname(fit$means[, 1]), ref$means, tolerance = 1e-10)
    expect_equal(unname(fit$covariances[1, 1, ]), ref$covariances, tolerance = 1e-10)
    expect_false(fit$converged)
    p <- list(weights = unname(fit$weights), means = unname(fit$means[, 1]),
              covariances = unname(fit$covariances[1, 1, ]))
  }
  expect_gt(p$means[1], p$means[2])
})

test_that("keep_path keeps the start and every iteration, ending at the fit", {
  x <- faithful$eruptions
  start <- list(weights = c(0.3, 0.7), means = c(4.5, 2), covariances = c(1, 1))
  fit <- gmm_fit(x, init = start, control = gmm_control(keep_path = TRUE, keep_order = TRUE,
                                                        reg = 0))
  expect_length(fit$path, fit$n_iter + 1L)
  expect_length(fit$trace, fit$n_iter)
  expect_equal(unname(fit$path[[1]]$means[, 1]), start$means)
  second <- em_step_ref(x, start)
  expect_equal(unname(fit$path[[2]]$means[, 1]), second$means, tolerance = 1e-10)
  last <- fit$path[[length(fit$path)]]
  expect_equal(last$weights, fit$weights)
  expect_equal(last$means, fit$means)
  expect_equal(last$covariances, fit$covariances)
  # The log-likelihoods of the path's parameters are the trace.
  ll <- vapply(fit$path[-1], function(p) {
    sum(log(rowSums(sapply(1:2, function(j) p$weights[j] *
      dnorm(x, p$means[j, 1], sqrt(p$covariances[1, 1, j]))))))
  }, numeric(1))
  expect_equal(ll, fit$trace, tolerance = 1e-10)
  # Without the option there is no path.
  expect_null(gmm_fit(x, init = start)$path)
})

test_that("in a search the path is that of the chosen candidate's whole run", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 2:3, covariance = c("full", "tied"),
                 control = gmm_control(keep_path = TRUE))
  expect_length(fit$path, fit$n_iter + 1L)
  expect_equal(fit$path[[length(fit$path)]]$means, fit$means)
})
