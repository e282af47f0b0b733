test_that("coef() lists each structure's parameters, one more than the degrees of freedom", {
  for (cov in c("full", "tied", "diag", "spherical")) {
    set.seed(1)
    fit <- gmm_fit(iris[, 1:4], k = 3, covariance = cov)
    cf <- coef(fit)
    expect_length(cf, fit$df + 1L)
    expect_false(anyDuplicated(names(cf)) > 0)
    expect_equal(unname(cf[paste0("weight", 1:3)]), unname(fit$weights))
    expect_equal(unname(cf["mean2.Petal.Width"]), unname(fit$means[2, "Petal.Width"]))
    sigma <- fit$covariances
    switch(cov,
      full = expect_equal(unname(cf["cov3.Petal.Width.Sepal.Length"]), sigma[4, 1, 3]),
      tied = expect_equal(unname(cf["cov.Sepal.Width.Sepal.Length"]), sigma[2, 1, 2]),
      diag = expect_equal(unname(cf["var2.Petal.Length"]), sigma[3, 3, 2]),
      spherical = expect_equal(unname(cf["var3"]), sigma[1, 1, 3]))
  }
})

test_that("coef() works for a mixture given by its parameters", {
  m <- gmm_mixture(c(0.3, 0.7), means = rbind(c(a = 0, b = 1), c(2, 3)),
                   covariances = array(c(1, 0.5, 0.5, 2, 1, 0, 0, 1), c(2, 2, 2)))
  expect_equal(coef(m)[c("weight1", "mean2.b", "cov1.b.a", "cov2.b.b")],
               c(weight1 = 0.3, mean2.b = 3, cov1.b.a = 0.5, cov2.b.b = 1))
})

test_that("logLik(newdata =) is the sum of the log-densities of the new rows", {
  set.seed(1)
  train <- sample(nrow(faithful), 136)
  fit <- gmm_fit(faithful[train, ], k = 2)
  held <- faithful[-train, ]
  ll <- logLik(fit, newdata = held)
  # Direct: the mixture density of each row from the parameters.
  dens <- Reduce(`+`, lapply(seq_along(fit$weights), function(j) {
    fit$weights[j] * dmvnorm_ref(as.matrix(held), fit$means[j, ], fit$covariances[, , j])
  }))
  expect_equal(as.numeric(ll), sum(log(dens)), tolerance = 1e-10)
  expect_identical(attr(ll, "nobs"), nrow(held))
  expect_identical(attr(ll, "df"), fit$df)
  # On the training rows it is the fit's own log-likelihood.
  expect_equal(as.numeric(logLik(fit, newdata = faithful[train, ])), fit$loglik,
               tolerance = 1e-10)
  expect_error(logLik(fit, newdata = held[, 1, drop = FALSE]), "newdata",
               class = "gmm_input_error")
})
