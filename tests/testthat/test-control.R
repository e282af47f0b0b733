test_that("gmm_control() has documented defaults and keeps what it is given", {
  ctl <- gmm_control()
  expect_s3_class(ctl, "gmm_control")
  expect_identical(ctl$max_iter, 1000L)
  expect_identical(ctl$tol, 1e-6)
  expect_identical(ctl$reg, 1e-6)
  expect_identical(ctl$init_iter, 20L)
  expect_identical(ctl$init_sample, 2000L)
  expect_identical(ctl$init_margin, 1)
  expect_true(ctl$n_threads >= 1L)
  ctl <- gmm_control(max_iter = 50, tol = 0, reg = 0.5, n_threads = 2)
  expect_identical(ctl[c("max_iter", "tol", "reg", "n_threads")],
                   list(max_iter = 50L, tol = 0, reg = 0.5, n_threads = 2L))
})

test_that("the control is stored in the fit, with n_threads overridden by the argument", {
  set.seed(41)
  ctl <- gmm_control(tol = 1e-7, n_threads = 2)
  fit <- gmm_fit(faithful, k = 2, control = ctl, n_threads = 1, n_init = 1)
  expect_identical(fit$control$tol, 1e-7)
  expect_identical(fit$control$n_threads, 1L)
})

test_that("print.gmm_control shows every setting and returns its input invisibly", {
  ctl <- gmm_control(max_iter = 77, tol = 1e-9, reg = 0.5, n_threads = 1)
  expect_output(res <- withVisible(print(ctl)),
                "<gmm_control>.*max_iter +77.*tol +1e-09.*reg +0.5.*n_threads +1.*init_margin +1")
  expect_false(res$visible)
  expect_identical(res$value, ctl)
})

test_that("tol = 0 runs exactly max_iter iterations, without a convergence warning", {
  set.seed(42)
  expect_silent(
    fit <- gmm_fit(faithful, k = 2, n_init = 1, control = gmm_control(tol = 0, max_iter = 17))
  )
  # With a tolerance, stopping at max_iter is worth a warning.
  set.seed(42)
  expect_warning(
    gmm_fit(faithful, k = 2, n_init = 1, control = gmm_control(tol = 1e-14, max_iter = 2)),
    "did not converge in 2 iterations.*`max_iter` or `tol`"
  )
  expect_identical(fit$n_iter, 17L)
  expect_length(fit$trace, 17L)
  expect_false(fit$converged)
})

test_that("max_iter caps the iterations of a slow fit", {
  set.seed(43)
  expect_warning(
    fit <- gmm_fit(iris[, 1:4], k = 4, init = "random", n_init = 1,
                   control = gmm_control(tol = 1e-12, max_iter = 3)),
    "did not converge"
  )
  expect_identical(fit$n_iter, 3L)
})

test_that("a converged fit stopped at the first relative change below tol", {
  set.seed(44)
  tol <- 1e-9
  fit <- gmm_fit(faithful, k = 3, n_init = 1, control = gmm_control(tol = tol))
  tr <- fit$trace
  # The test is on the scale-free log-likelihood: the data's, plus n times
  # the log standard deviations of the variables.
  offset <- nrow(faithful) * sum(log(vapply(faithful, sd, numeric(1))))
  expect_true(fit$converged)
  change <- abs(diff(tr)) / (1 + abs(tr[-length(tr)] + offset))
  expect_true(fit$converged)
  expect_lt(change[length(change)], tol)
  # The first `init_iter` iterations are run whatever their change (the
  # short runs of the starts); after them, EM stops at the first small one.
  # change[i] belongs to iteration i + 1.
  expect_gt(fit$n_iter, fit$control$init_iter + 1L)
  after_short <- seq(fit$control$init_iter, length(change) - 1L)
  expect_true(all(change[after_short] >= tol))
})

test_that("reg times the variables' variances is added to the covariances at every M-step", {
  # A spherical variance is exactly the ML variance plus `reg` times the mean
  # variance of the variables, given the posterior: check the final M-step's
  # fixed point.
  reg <- 0.5
  set.seed(45)
  fit <- gmm_fit(faithful, k = 2, covariance = "spherical", n_init = 1,
                 control = gmm_control(reg = reg, tol = 1e-12))
  x <- as.matrix(faithful)
  post <- fit$posterior
  for (j in 1:2) {
    ml <- cov.wt(x, wt = post[, j] / sum(post[, j]), method = "ML")$cov
    expect_equal(fit$covariances[1, 1, j], mean(diag(ml)) + reg * mean(diag(cov(x))),
                 tolerance = 1e-6)
  }
})

test_that("max_iter that is not a positive whole number is an error naming it", {
  expect_error(gmm_control(max_iter = 0),
               "`max_iter` must be a single whole number of at least 1, not 0",
               class = "gmm_input_error")
  expect_error(gmm_control(max_iter = 10.5), "`max_iter` must be", class = "gmm_input_error")
})

test_that("a negative or non-finite tol is an error naming it", {
  expect_error(gmm_control(tol = -1), "`tol` must be a single finite number of at least 0, not -1",
               class = "gmm_input_error")
  expect_error(gmm_control(tol = NA), "`tol` must be", class = "gmm_input_error")
  expect_error(gmm_control(tol = Inf), "`tol` must be", class = "gmm_input_error")
})

test_that("a negative reg is an error naming it", {
  expect_error(gmm_control(reg = -1e-3), "`reg` must be a single finite number of at least 0",
               class = "gmm_input_error")
  expect_error(gmm_control(reg = c(1, 2)), "`reg` must be", class = "gmm_input_error")
})

test_that("a bad n_threads is an error naming it, in gmm_control() and gmm_fit()", {
  expect_error(gmm_control(n_threads = 0),
               "`n_threads` must be a single whole number of at least 1",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, n_threads = -1), "`n_threads` must be",
               class = "gmm_input_error")
})

test_that("a control not made by gmm_control() is an error naming `control`", {
  expect_error(gmm_fit(faithful, k = 2, control = list(tol = 1e-3)),
               "`control` must be made by gmm_control\\(\\), not an object of class 'list'",
               class = "gmm_input_error")
})

test_that("simd defaults to auto, is kept in the control, and a bad value is an error naming it", {
  expect_identical(gmm_control()$simd, "auto")
  expect_identical(gmm_control(simd = "baseline")$simd, "baseline")
  expect_error(gmm_control(simd = "sse9"), "`simd` must be one of", class = "gmm_input_error")
  expect_error(gmm_control(simd = c("auto", "avx2")), "`simd`", class = "gmm_input_error")
  expect_error(gmm_control(simd = NA_character_), "`simd`", class = "gmm_input_error")
})

test_that("gmm_simd() reports the set used, never wider than the one asked for", {
  best <- gmm_simd()
  expect_true(best %in% c("baseline", "avx2", "avx512"))
  expect_identical(gmm_simd("baseline"), "baseline")
  order <- c("baseline", "avx2", "avx512")
  for (s in order) {
    expect_true(match(gmm_simd(s), order) <= match(s, order))
    expect_true(match(gmm_simd(s), order) <= match(best, order))
  }
  expect_error(gmm_simd("fast"), "`simd`", class = "gmm_input_error")
})

test_that("a fit with a narrower instruction set agrees with the default one", {
  set.seed(8)
  a <- gmm_fit(faithful, k = 2, control = serial_control(simd = "baseline"))
  set.seed(8)
  b <- gmm_fit(faithful, k = 2, control = serial_control())
  expect_identical(a$control$simd, "baseline")
  expect_equal(a$loglik, b$loglik, tolerance = 1e-12)
  expect_equal(a$means, b$means, tolerance = 1e-10)
  expect_equal(predict(a, faithful[1:5, ], type = "prob"),
               predict(b, faithful[1:5, ], type = "prob"), tolerance = 1e-10)
})
