test_that("logLik() carries df and nobs, so BIC() and AIC() follow the usual formulas", {
  set.seed(81)
  fit <- gmm_fit(faithful, k = 2, n_init = 1)
  ll <- logLik(fit)
  expect_s3_class(ll, "logLik")
  expect_identical(as.numeric(ll), fit$loglik)
  expect_identical(attr(ll, "df"), fit$df)
  expect_identical(attr(ll, "nobs"), 272L)
  expect_identical(nobs(fit), 272L)
  expect_equal(BIC(fit), -2 * fit$loglik + fit$df * log(272), tolerance = 1e-12)
  expect_equal(BIC(fit), fit$bic, tolerance = 1e-12)
  expect_equal(AIC(fit), -2 * fit$loglik + 2 * fit$df, tolerance = 1e-12)
})

test_that("the number of free parameters follows the formula for every structure", {
  d <- 4
  k <- 3
  expected <- c(
    full = (k - 1) + k * d + k * d * (d + 1) / 2,
    tied = (k - 1) + k * d + d * (d + 1) / 2,
    diag = (k - 1) + k * d + k * d,
    spherical = (k - 1) + k * d + k
  )
  set.seed(82)
  for (cov in names(expected)) {
    fit <- gmm_fit(iris[, 1:4], k = k, covariance = cov, n_init = 1)
    expect_identical(fit$df, as.integer(expected[[cov]]), info = cov)
    expect_identical(attr(logLik(fit), "df"), fit$df, info = cov)
  }
})

test_that("the parameter count agrees with mclust's", {
  skip_if_not_installed("mclust")
  models <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")
  for (d in c(2L, 5L)) for (k in c(1L, 4L)) for (cov in names(models)) {
    expect_equal(gmmfit:::n_parameters(k, d, cov), mclust::nMclustParams(models[[cov]], d, k),
                 info = paste(cov, d, k))
  }
})

test_that("mclust's BIC is the negative of ours for the same fit", {
  skip_if_not_installed("mclust")
  models <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")
  set.seed(83)
  for (cov in names(models)) {
    fit <- gmm_fit(faithful, k = 3, covariance = cov, n_init = 1, control = serial_control())
    theirs <- mclust::bic(models[[cov]], fit$loglik, n = 272, d = 2, G = 3)
    expect_equal(theirs, -fit$bic, tolerance = 1e-12, info = cov)
  }
  # And against mclust's own model search result, refitted from its partition.
  ref <- call_mclust("Mclust", faithful, G = 2, modelNames = "VVV", verbose = FALSE)
  fit <- gmm_fit(faithful, k = 2, init = ref$classification, n_init = 1,
                 control = tight_control())
  expect_equal(fit$bic, -ref$bic, tolerance = 1e-6)
})
