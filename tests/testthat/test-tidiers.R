skip_if_not_installed("generics")

test_that("tidy() lists every parameter once, as broom's tidiers do (term, estimate)", {
  for (cov in c("full", "tied", "diag", "spherical")) {
    set.seed(1)
    fit <- gmm_fit(iris[, 1:4], k = 3, covariance = cov)
    td <- generics::tidy(fit)
    expect_s3_class(td, "data.frame")
    expect_named(td, c("component", "term", "variable", "variable2", "estimate"))
    expect_equal(td$estimate[td$term == "weight"], unname(fit$weights))
    expect_equal(td$estimate[td$term == "mean" & td$component == 2],
                 unname(fit$means[2, ]))
    v <- td[td$term == "variance" & td$component == 3, ]
    expect_equal(v$estimate, unname(diag(fit$covariances[, , 3])))
    cv <- td[td$term == "covariance" & td$component == 1, ]
    expect_identical(nrow(cv), if (cov %in% c("full", "tied")) 6L else 0L)
    if (nrow(cv)) {
      expect_equal(cv$estimate[cv$variable == "Sepal.Length" & cv$variable2 == "Petal.Width"],
                   fit$covariances["Sepal.Length", "Petal.Width", 1])
    }
  }
})

test_that("glance() gives one row with broom's column names", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 1:3)
  gl <- generics::glance(fit)
  expect_identical(nrow(gl), 1L)
  expect_true(all(c("logLik", "AIC", "BIC", "df", "nobs") %in% names(gl)))
  expect_equal(gl$logLik, fit$loglik)
  expect_equal(gl$BIC, BIC(fit))
  expect_equal(gl$AIC, AIC(fit))
  expect_identical(gl$nobs, nobs(fit))
  mix <- gmm_mixture(c(0.5, 0.5), rbind(c(0, 0), c(3, 3)), array(diag(2), c(2, 2, 2)))
  expect_named(generics::glance(mix), c("k", "covariance", "df"))
})

test_that("augment() adds the class, uncertainty and posterior probabilities", {
  set.seed(1)
  fit <- gmm_fit(iris[, 3:4], k = 3)
  au <- generics::augment(fit)
  expect_identical(nrow(au), 150L)
  expect_true(all(c(".class", ".uncertainty", ".prob_1", ".prob_2", ".prob_3") %in% names(au)))
  expect_identical(au$.class, unname(fit$classification))
  expect_equal(unname(as.matrix(au[, paste0(".prob_", 1:3)])), unname(fit$posterior))
  expect_equal(au$.uncertainty, unname(predict(fit, type = "uncertainty")))
  new <- generics::augment(fit, newdata = iris[1:5, ])
  expect_identical(new$Species, iris$Species[1:5])
  expect_identical(new$.class, unname(predict(fit, iris[1:5, ])))
})

test_that("a search table has tidy() and glance() too", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 1:3, covariance = c("full", "diag"), criterion = "icl")
  td <- generics::tidy(fit$search)
  expect_identical(nrow(td), 6L)
  expect_true(all(c("k", "covariance", "logLik", "BIC", "AIC", "ICL") %in% names(td)))
  gl <- generics::glance(fit$search)
  expect_identical(gl$k, length(fit$weights))
  expect_identical(gl$covariance, fit$covariance)
  expect_identical(gl$criterion, "icl")
  expect_equal(gl$value, fit$icl)
})
