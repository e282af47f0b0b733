test_that("fitted values equal predictions on the training data", {
  set.seed(61)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  expect_identical(predict(fit, type = "class"), fitted(fit))
  expect_identical(predict(fit, newdata = iris[, 1:4], type = "class"), fitted(fit))
  expect_equal(predict(fit, type = "prob"), fitted(fit, type = "prob"), tolerance = 1e-12)
  expect_equal(predict(fit, type = "prob", log = TRUE), fitted(fit, type = "prob", log = TRUE),
               tolerance = 1e-12)
  expect_identical(predict(fit, type = "density"), fitted(fit, type = "density"))
  expect_equal(sum(log(fitted(fit, type = "density"))), fit$loglik, tolerance = 1e-12)
})

test_that("predicted densities match the multivariate normal formula for every structure", {
  set.seed(62)
  newdata <- iris[sample(150, 20), 1:4] + 0.05
  for (cov in c("full", "tied", "diag", "spherical")) {
    fit <- gmm_fit(iris[, 1:4], k = 3, covariance = cov, n_init = 1)
    ref <- mixture_logdens_ref(as.matrix(newdata), fit$weights, fit$means, fit$covariances)
    expect_equal(unname(predict(fit, newdata, type = "density", log = TRUE)), ref,
                 tolerance = 1e-10, info = cov)
    expect_equal(unname(predict(fit, newdata, type = "density")), exp(ref),
                 tolerance = 1e-10, info = cov)
    expect_equal(unname(predict(fit, newdata, type = "prob")),
                 posterior_ref(as.matrix(newdata), fit$weights, fit$means, fit$covariances),
                 tolerance = 1e-10, info = cov)
  }
})

test_that("densities of a one-variable mixture match dnorm", {
  mix <- gmm_mixture(c(0.3, 0.7), c(0, 5), c(1, 4))
  at <- c(-2, 0, 1, 2.5, 5, 9)
  ref <- 0.3 * dnorm(at, 0, 1) + 0.7 * dnorm(at, 5, 2)
  expect_equal(predict(mix, at, type = "density"), ref, tolerance = 1e-12)
  expect_equal(predict(mix, at, type = "prob")[, 1], 0.3 * dnorm(at, 0, 1) / ref,
               tolerance = 1e-12, ignore_attr = TRUE)
})

test_that("log densities stay finite far from the data where densities underflow", {
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 1), c(1, 1))
  at <- c(60, -80)
  logd <- predict(mix, at, type = "density", log = TRUE)
  expect_true(all(is.finite(logd)))
  expect_equal(logd, mixture_logdens_ref(at, c(0.5, 0.5), matrix(c(0, 1)), array(1, c(1, 1, 2))),
               tolerance = 1e-12)
  expect_identical(predict(mix, at, type = "class"), c(2L, 1L))
})

test_that("a row with zero density under every component gets density 0 and class NA", {
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 1), c(1, 1))
  at <- c(1e200, 0.5)
  expect_identical(predict(mix, at, type = "density")[1], 0)
  expect_identical(predict(mix, at, type = "density", log = TRUE)[1], -Inf)
  expect_identical(predict(mix, at, type = "class"), c(NA, 1L))
})

test_that("probabilities are a distribution over named components", {
  set.seed(63)
  fit <- gmm_fit(faithful, k = 3, n_init = 1)
  p <- predict(fit, faithful[1:10, ], type = "prob")
  expect_identical(dim(p), c(10L, 3L))
  expect_identical(colnames(p), c("1", "2", "3"))
  expect_equal(unname(rowSums(p)), rep(1, 10), tolerance = 1e-12)
  expect_identical(unname(predict(fit, faithful[1:10, ], type = "class")),
                   max.col(unname(p), "first"))
})

test_that("newdata columns are matched by name, and extra columns are ignored", {
  set.seed(64)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  ref <- predict(fit, iris[, 1:4], type = "density")
  expect_identical(predict(fit, iris[, 4:1], type = "density"), ref)
  expect_identical(predict(fit, iris, type = "density"), ref)
  expect_identical(predict(fit, as.matrix(iris[, c(2, 4, 1, 3)]), type = "density"), ref)
  # Without names, position is all there is.
  expect_identical(predict(fit, unname(as.matrix(iris[, 1:4])), type = "density"), ref)
})

test_that("a one-variable model predicts from a plain vector", {
  set.seed(65)
  fit <- gmm_fit(faithful$eruptions, k = 2, n_init = 1)
  at <- c(1.8, 3.3, 4.5)
  expect_identical(predict(fit, at, type = "density"),
                   predict(fit, data.frame(eruptions = at), type = "density"))
  ref <- fit$weights[1] * dnorm(at, fit$means[1], sqrt(fit$covariances[1])) +
    fit$weights[2] * dnorm(at, fit$means[2], sqrt(fit$covariances[2]))
  expect_equal(predict(fit, at, type = "density"), unname(ref), tolerance = 1e-12)
  expect_length(predict(fit, at), 3L)
})

test_that("row names of newdata name the predictions", {
  set.seed(66)
  fit <- gmm_fit(mtcars[, c("mpg", "hp")], k = 2, n_init = 1)
  expect_identical(names(predict(fit, mtcars[1:3, ])), rownames(mtcars)[1:3])
  expect_identical(rownames(predict(fit, mtcars[1:3, ], type = "prob")), rownames(mtcars)[1:3])
  expect_identical(names(fitted(fit)), rownames(mtcars))
})

test_that("a point with zero density under every component gets class NA and NaN probabilities", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 2, control = serial_control())
  nd <- data.frame(eruptions = c(3, 1e200), waiting = c(70, 1e200))
  expect_identical(is.na(predict(fit, nd)), c(FALSE, TRUE))
  p <- predict(fit, nd, type = "prob")
  expect_true(all(is.nan(p[2, ])))
  expect_equal(sum(p[1, ]), 1, tolerance = 1e-12)
  expect_identical(predict(fit, nd, type = "density")[2], 0)
})

test_that("uncertainty is one minus the largest posterior probability, as mclust's", {
  set.seed(1)
  fit <- gmm_fit(iris[, 3:4], k = 3)
  u <- predict(fit, type = "uncertainty")
  prob <- predict(fit, type = "prob")
  expect_equal(unname(u), 1 - apply(prob, 1, max), tolerance = 1e-15)
  expect_equal(fitted(fit, type = "uncertainty"), u)
  expect_true(all(u >= 0 & u <= 1 - 1 / 3 + 1e-12))
  new <- iris[c(1, 75, 130), 3:4]
  expect_equal(predict(fit, new, type = "uncertainty"),
               1 - apply(predict(fit, new, type = "prob"), 1, max), tolerance = 1e-15)
  skip_if_not_installed("mclust")
  # mclust from the same parameters: its E-step's uncertainty.
  sigma <- unname(fit$covariances)
  chols <- array(vapply(1:3, function(j) chol(sigma[, , j]), matrix(0, 2, 2)), c(2, 2, 3))
  par <- list(pro = unname(fit$weights), mean = unname(t(fit$means)),
              variance = list(modelName = "VVV", d = 2, G = 3, sigma = sigma, cholsigma = chols))
  e <- call_mclust("estep", data = as.matrix(iris[, 3:4]), modelName = "VVV", parameters = par)
  expect_equal(unname(u), 1 - apply(e$z, 1, max), tolerance = 1e-8)
})
