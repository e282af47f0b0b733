test_that("print() describes the fit and returns it invisibly", {
  set.seed(91)
  fit <- gmm_fit(faithful, k = 2, n_init = 1)
  expect_output(
    res <- withVisible(print(fit)),
    paste0("Gaussian mixture: 2 components, full covariance, 2 variables, 272 observations",
           ".*log-likelihood -?[0-9.]+, df 11, BIC [0-9.]+ \\(lower is better\\); converged",
           ".*Mixing weights.*Means:.*eruptions.*waiting")
  )
  expect_false(res$visible)
  expect_identical(res$value, fit)
})

test_that("print() says when EM did not converge", {
  set.seed(92)
  fit <- suppressWarnings(
    gmm_fit(faithful, k = 2, n_init = 1, control = gmm_control(tol = 0, max_iter = 2))
  )
  expect_output(print(fit), "NOT converged after 2 iterations")
})

test_that("print() of a mixture that was not fitted says so", {
  mix <- gmm_mixture(c(0.3, 0.7), c(0, 5), c(1, 4), covariance = "spherical")
  expect_output(print(mix), "1 variable \\(not fitted\\)")
  expect_output(print(mix), "2 components, spherical covariance")
})

test_that("summary() computes a summary.gmmfit whose print returns it invisibly", {
  set.seed(93)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  s <- summary(fit)
  expect_s3_class(s, "summary.gmmfit")
  expect_identical(s$sizes, tabulate(fit$classification, 3))
  expect_equal(s$sds, t(sqrt(apply(fit$covariances, 3, diag))), ignore_attr = TRUE)
  expect_equal(s$correlations[["2"]], cov2cor(fit$covariances[, , 2]))
  expect_output(
    res <- withVisible(print(s)),
    "Call: gmm_fit.*AIC [0-9.]+.*Components.*size.*Standard deviations.*Correlations"
  )
  expect_false(res$visible)
})

test_that("summary() of a search shows the best candidates and the failures", {
  x <- cbind(c(rep(1, 5), seq(2, 10, length.out = 20)), c(rep(1, 5), sin(1:20)))
  fit <- gmm_fit(x, k = 2, covariance = c("full", "tied"), init = rep(1:2, c(5, 20)),
                 n_init = 1, control = gmm_control(reg = 0))
  expect_output(print(summary(fit)),
                "Model search: 2 candidates, 1 failed, 0 degenerate \\(not eligible\\). Best by BIC:")
})

test_that("summary() of a search counts the degenerate candidates and ranks by the criterion", {
  set.seed(1)
  fit <- gmm_fit(iris[, 3:4], k = 1:9, covariance = c("full", "diag"), criterion = "icl")
  n_flat <- sum(fit$search$degenerate)
  expect_gt(n_flat, 0L)
  out <- capture.output(print(summary(fit)))
  expect_true(any(grepl(sprintf("0 failed, %d degenerate \\(not eligible\\). Best by ICL:", n_flat),
                        out)))
  # The first row shown is the chosen model.
  first <- out[grep("Best by ICL", out) + 2L]
  expect_match(first, sprintf("^ *%d +full", length(fit$weights)))
})

test_that("summary() works for a one-variable fit", {
  set.seed(94)
  fit <- gmm_fit(faithful$eruptions, k = 2, n_init = 1)
  s <- summary(fit)
  expect_s3_class(s, "summary.gmmfit")
  expect_output(print(s), "Standard deviations")
})

test_that("summary() works for a mixture that was not fitted", {
  mix <- gmm_mixture(c(0.5, 0.5), rbind(c(0, 0), c(3, 3)), list(diag(2), diag(2)))
  expect_output(print(summary(mix)), "not fitted.*Components:")
})
