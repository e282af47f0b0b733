test_that("gmm_mixture() builds a labelled mixture from an array of covariances", {
  covs <- array(c(diag(2), matrix(c(1, 0.8, 0.8, 1), 2)), c(2, 2, 2))
  mix <- gmm_mixture(c(0.3, 0.7), rbind(c(0, 0), c(3, 3)), covs)
  expect_s3_class(mix, "gmmfit")
  expect_identical(unname(mix$weights), c(0.3, 0.7))
  expect_identical(names(mix$weights), c("1", "2"))
  expect_identical(dimnames(mix$means), list(c("1", "2"), c("x1", "x2")))
  expect_identical(unname(mix$covariances), covs)
  expect_identical(mix$covariance, "full")
  expect_identical(mix$df, 2L - 1L + 2L * 2L + 2L * 3L)
  expect_null(mix$loglik)
})

test_that("gmm_mixture() accepts a list of covariance matrices and keeps column names", {
  means <- rbind(c(a = 0, b = 0), c(a = 3, b = 3))
  from_list <- gmm_mixture(c(0.5, 0.5), means, list(diag(2), 2 * diag(2)))
  from_array <- gmm_mixture(c(0.5, 0.5), means, array(c(diag(2), 2 * diag(2)), c(2, 2, 2)))
  expect_identical(from_list, from_array)
  expect_identical(from_list$vars, c("a", "b"))
})

test_that("gmm_mixture() takes vectors for one variable and for one component", {
  one_var <- gmm_mixture(c(0.25, 0.75), c(-1, 2), c(0.5, 2))
  expect_identical(dim(one_var$means), c(2L, 1L))
  expect_identical(as.vector(one_var$covariances), c(0.5, 2))
  one_comp <- gmm_mixture(1, c(1, 2, 3), diag(3))
  expect_identical(dim(one_comp$means), c(1L, 3L))
  expect_identical(dim(one_comp$covariances), c(3L, 3L, 1L))
})

test_that("gmm_mixture() counts parameters for the structure it is given", {
  covs <- list(diag(3), diag(3))
  means <- matrix(0, 2, 3)
  expect_identical(gmm_mixture(c(0.5, 0.5), means, covs, "full")$df, 1L + 6L + 12L)
  expect_identical(gmm_mixture(c(0.5, 0.5), means, covs, "tied")$df, 1L + 6L + 6L)
  expect_identical(gmm_mixture(c(0.5, 0.5), means, covs, "VVI")$df, 1L + 6L + 6L)
  expect_identical(gmm_mixture(c(0.5, 0.5), means, covs, "spherical")$df, 1L + 6L + 2L)
})

test_that("gmm_mixture() refuses covariances that do not follow the structure", {
  s <- matrix(c(2, 0.9, 0.9, 1), 2)
  expect_error(gmm_mixture(1, c(0, 0), s, covariance = "diag"),
               "`covariances` must be diagonal for covariance = \"diag\"; component 1",
               class = "gmm_input_error")
  expect_error(gmm_mixture(1, c(0, 0), diag(c(2, 1)), covariance = "spherical"),
               "multiples of the identity", class = "gmm_input_error")
  expect_error(gmm_mixture(c(0.5, 0.5), rbind(c(0, 0), c(1, 1)), list(diag(2), 2 * diag(2)),
                           covariance = "tied"),
               "must all be equal .*component 2", class = "gmm_input_error")
})

test_that("densities of restricted mixtures match the direct formula", {
  at <- rbind(c(1, -1), c(0.3, 2), c(-2, 0))
  mixes <- list(
    diag = gmm_mixture(c(0.4, 0.6), rbind(c(0, 0), c(1, 2)), list(diag(c(2, 0.5)), diag(c(1, 3))),
                       covariance = "diag"),
    spherical = gmm_mixture(c(0.4, 0.6), rbind(c(0, 0), c(1, 2)), list(diag(2) * 1.5, diag(2) * 0.7),
                            covariance = "spherical"),
    tied = gmm_mixture(c(0.4, 0.6), rbind(c(0, 0), c(1, 2)),
                       list(matrix(c(2, 0.9, 0.9, 1), 2), matrix(c(2, 0.9, 0.9, 1), 2)),
                       covariance = "tied")
  )
  for (type in names(mixes)) {
    mix <- mixes[[type]]
    expected <- mix$weights[1] * dmvnorm_ref(at, mix$means[1, ], mix$covariances[, , 1]) +
      mix$weights[2] * dmvnorm_ref(at, mix$means[2, ], mix$covariances[, , 2])
    expect_equal(unname(predict(mix, newdata = at, type = "density")), expected,
                 tolerance = 1e-10, info = type)
  }
})

test_that("gmm_mixture() rejects weights that are not a distribution", {
  expect_error(gmm_mixture(c(0.5, 0.6), c(0, 1), c(1, 1)),
               "`weights` must be positive numbers summing to 1, not .*0.5, 0.6",
               class = "gmm_input_error")
  expect_error(gmm_mixture(c(-0.5, 1.5), c(0, 1), c(1, 1)), "`weights` must be positive",
               class = "gmm_input_error")
})

test_that("gmm_mixture() rejects means of the wrong shape", {
  expect_error(gmm_mixture(c(0.5, 0.5), matrix(0, 3, 2), list(diag(2), diag(2))),
               "`means` must be a finite 2 x 2 matrix", class = "gmm_input_error")
})

test_that("gmm_mixture() rejects covariances of the wrong shape", {
  expect_error(gmm_mixture(c(0.5, 0.5), matrix(0, 2, 2), array(1, c(2, 2, 3))),
               "`covariances` must be a finite 2 x 2 x 2 array", class = "gmm_input_error")
  expect_error(gmm_mixture(c(0.5, 0.5), matrix(0, 2, 2), list(diag(2), diag(3))),
               "`covariances` as a list must hold 2 x 2 numeric matrices; element 2",
               class = "gmm_input_error")
})

test_that("gmm_mixture() rejects one-variable covariances of the wrong shape as an input error", {
  expect_error(gmm_mixture(c(0.5, 0.5), c(0, 1), list(diag(2), diag(2))),
               "`covariances`", class = "gmm_input_error")
})

test_that("gmm_mixture() rejects covariances that are not symmetric positive definite", {
  expect_error(gmm_mixture(c(0.5, 0.5), c(0, 1), c(1, -1)),
               "`covariances.*\\[, , 2\\]`? is not a symmetric positive definite matrix",
               class = "gmm_input_error")
  asym <- matrix(c(1, 0.5, 0.2, 1), 2)
  expect_error(gmm_mixture(1, c(0, 0), asym), "`covariances.*\\[, , 1\\]`? is not a symmetric",
               class = "gmm_input_error")
})

test_that("gmm_mixture() rejects an unknown or a repeated structure", {
  expect_error(gmm_mixture(1, 0, 1, covariance = "banana"), "`covariance` must be \"all\" or one or more of",
               class = "gmm_input_error")
  expect_error(gmm_mixture(1, 0, 1, covariance = c("full", "diag")),
               "`covariance` must be a single structure", class = "gmm_input_error")
})

test_that("validate_gmmfit() catches objects whose parts disagree", {
  ok <- gmmfit:::new_gmmfit(c(0.5, 0.5), matrix(0, 2, 2), array(diag(2), c(2, 2, 2)), "full")
  expect_identical(gmmfit:::validate_gmmfit(ok), ok)
  bad_weights <- gmmfit:::new_gmmfit(c(0.5, 0.6), matrix(0, 2, 2), array(diag(2), c(2, 2, 2)), "full")
  expect_error(gmmfit:::validate_gmmfit(bad_weights))
  bad_dims <- gmmfit:::new_gmmfit(c(0.5, 0.5), matrix(0, 2, 2), array(diag(2), c(2, 2, 3)), "full")
  expect_error(gmmfit:::validate_gmmfit(bad_dims))
  expect_error(gmmfit:::new_gmmfit(1L, matrix(0), array(1, c(1, 1, 1)), "full"))
})

test_that("a mixture that was not fitted has no likelihood, observations or fitted values", {
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 3), c(1, 1))
  expect_error(logLik(mix), "`object` was not fitted to data", class = "gmm_input_error")
  expect_error(nobs(mix), "`object` was not fitted to data", class = "gmm_input_error")
  expect_error(fitted(mix), "no fitted values: this mixture was not fitted to data",
               class = "gmm_input_error")
  expect_error(predict(mix), "`newdata` is required", class = "gmm_input_error")
})

test_that("fits and built mixtures have class gmmfit, whose name no other mixture package uses", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 2)
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 3), c(1, 1))
  expect_identical(class(fit), "gmmfit")
  expect_identical(class(mix), "gmmfit")
  expect_s3_class(summary(fit), "summary.gmmfit")
  # CRAN's gmm package uses class "gmm" and exports gmm() and marginal();
  # none may be ours.
  expect_false(exists("gmm", envir = asNamespace("gmmfit"), inherits = FALSE))
  expect_false(exists("marginal", envir = asNamespace("gmmfit"), inherits = FALSE))
})

test_that("every exported function is prefixed gmm_, so that none masks another package's", {
  exports <- getNamespaceExports("gmmfit")
  expect_identical(exports[!startsWith(exports, "gmm_")], character(0))
  # The mixture packages a user may have loaded beside gmmfit, when installed.
  for (pkg in c("mclust", "gmm", "mixtools", "ClusterR", "stats")) {
    if (!requireNamespace(pkg, quietly = TRUE)) next
    expect_identical(intersect(exports, getNamespaceExports(pkg)), character(0), label = pkg)
  }
})

test_that("methods given a hand-edited object name the field that is wrong", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 2)
  bad_cov <- fit
  bad_cov$covariance <- NA_character_
  expect_error(predict(bad_cov), "`object\\$covariance` must be one of", class = "gmm_input_error")
  bad_weights <- fit
  bad_weights$weights <- NULL
  expect_error(predict(bad_weights), "`object\\$weights` must be positive numbers", class = "gmm_input_error")
  not_pd <- fit
  not_pd$covariances[, , 1] <- matrix(c(1, 2, 2, 1), 2)
  expect_error(predict(not_pd), "`object\\$covariances\\[, , 1\\]` is not a symmetric positive definite",
               class = "gmm_input_error")
  expect_error(simulate(not_pd, 5), "`object\\$covariances\\[, , 1\\]`", class = "gmm_input_error")
  expect_error(print(not_pd), "`x\\$covariances\\[, , 1\\]`", class = "gmm_input_error")
  bad_control <- fit
  bad_control$control$simd <- "sse9"
  expect_error(predict(bad_control), "`object\\$control` must be the settings of a fit",
               class = "gmm_input_error")
  bad_vars <- fit
  bad_vars$vars <- "eruptions"
  expect_error(summary(bad_vars), "`object\\$vars` must hold 2 distinct variable names",
               class = "gmm_input_error")
  bad_ll <- fit
  bad_ll$df <- "many"
  expect_error(logLik(bad_ll), "`object\\$df`", class = "gmm_input_error")
  expect_error(predict(unclass(fit)), class = "error")
  expect_error(gmmfit:::check_object(list(1)), "must be a mixture made by gmm_fit", class = "gmm_input_error")
})
