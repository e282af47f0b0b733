# The sufficient statistics as a value (R/stats.R): a block's statistics
# merged in order, against the statistics of all rows, the fit's
# log-likelihood and the in-memory EM step.

test_that("merged statistics of pieces are those of all rows", {
  x <- as.matrix(iris[, 1:4])
  fit <- gmm_fit(x, k = 3, control = serial_control())
  parts <- contiguous_chunks(x, 3)
  merged <- gmm_merge_stats(lapply(parts, gmm_stats, params = fit))
  whole <- gmm_stats(x, fit)
  expect_s3_class(merged, "gmm_stats")
  expect_equal(merged$n, 150)
  for (f in c("count", "first", "second", "loglik", "entropy")) {
    expect_equal(merged[[f]], whole[[f]], tolerance = 1e-12)
  }
  expect_equal(merged$loglik, fit$loglik, tolerance = 1e-12)
  expect_equal(unname(merged$count), unname(colSums(predict(fit, x, type = "prob"))),
               tolerance = 1e-12)
  expect_output(print(merged), "Sufficient statistics of 150 rows under a 3-component full")
})

test_that("one EM step from merged statistics is the in-memory step", {
  set.seed(3)
  x <- as.matrix(faithful)
  for (cov in c("full", "tied", "diag", "spherical", "VEV", "EVE")) {
    start <- gmm_fit(x, k = 3, covariance = cov, control = serial_control(max_iter = 2L, tol = 0))
    step <- gmm_fit(x, k = 3, covariance = cov, init = as_start(start),
                    control = serial_control(max_iter = 1L, tol = 0, keep_order = TRUE))
    halves <- contiguous_chunks(x, 2)
    s <- gmm_merge_stats(gmm_stats(halves[[1]], start), gmm_stats(halves[[2]], start))
    nxt <- gmm_mstep(s, start, reg = step$reg)
    if (nxt$inexact) {
      s <- gmm_merge_stats(lapply(halves, gmm_stats, params = start, shift = nxt$means))
      nxt <- gmm_mstep(s, start, reg = step$reg)
    }
    expect_false(nxt$inexact)
    expect_equal(unname(nxt$weights), unname(step$weights), tolerance = 1e-10)
    expect_equal(unname(nxt$means), unname(step$means), tolerance = 1e-10)
    expect_equal(unname(nxt$covariances), unname(step$covariances), tolerance = 1e-10)
  }
})

test_that("a far shift asks for the moments again, which then give the step", {
  x <- as.matrix(faithful)
  fit <- gmm_fit(x, k = 2, control = serial_control())
  far <- fit$means + 1e6
  s <- gmm_stats(x, fit, shift = far)
  nxt <- gmm_mstep(s, fit, reg = fit$reg)
  expect_true(nxt$inexact)
  expect_equal(dim(nxt$means), c(2L, 2L))
  again <- gmm_mstep(gmm_stats(x, fit, shift = nxt$means), fit, reg = fit$reg)
  expect_false(again$inexact)
  # a converged fit's step leaves it where it is
  expect_equal(unname(again$means), unname(fit$means), tolerance = 1e-4)
})

test_that("statistics take parameters as a list, case weights and missing values", {
  x <- as.matrix(faithful)
  fit <- gmm_fit(x, k = 2, control = serial_control())
  p <- list(weights = fit$weights, means = fit$means, covariances = fit$covariances)
  expect_equal(gmm_stats(x, p)$loglik, fit$loglik, tolerance = 1e-12)
  w <- rep(c(1, 2), length.out = nrow(x))
  doubled <- x[rep(seq_len(nrow(x)), w), ]
  expect_equal(gmm_stats(x, fit, case_weights = w)$count, gmm_stats(doubled, fit)$count,
               tolerance = 1e-12)
  set.seed(4)
  holes <- with_holes(x, 0.1)
  expect_equal(gmm_stats(holes, fit)$loglik,
               observed_loglik_ref(fit, holes), tolerance = 1e-10)
})

test_that("the statistics functions say what is wrong", {
  x <- as.matrix(faithful)
  fit <- gmm_fit(x, k = 2, control = serial_control())
  expect_error(gmm_stats(x, 1), "`params` must be a fitted mixture or a list")
  expect_error(gmm_stats(x, fit, shift = matrix(0, 3, 2)), "`shift` must be NULL or a finite 2 x 2")
  expect_error(gmm_stats(x[, 1, drop = FALSE], fit), "lacks the column 'waiting'")
  expect_error(gmm_stats(x, fit, case_weights = 1:3), "`case_weights` must have one value per row")
  a <- gmm_stats(x[1:100, ], fit)
  b <- gmm_stats(x[101:272, ], fit, shift = fit$means + 1)
  expect_error(gmm_merge_stats(a, b), "about the same `shift`")
  expect_error(gmm_merge_stats(a, gmm_stats(x, fit, covariance = "diag")), "same model")
  expect_error(gmm_merge_stats(a, 1), "must be \"gmm_stats\" objects")
  expect_error(gmm_mstep(list(), fit), "`stats` must be statistics from gmm_stats()")
  expect_error(gmm_mstep(a, fit, reg = -1), "`reg` must be one non-negative number")
  three <- gmm_fit(x, k = 3, control = serial_control())
  expect_error(gmm_mstep(a, three), "`previous` must have the components and variables")
})
