test_that("a formula fits the terms it names, and predict() evaluates them in new data", {
  set.seed(1)
  f <- gmm_fit(~ log(Petal.Length) + Petal.Width, data = iris, k = 3)
  x <- cbind(`log(Petal.Length)` = log(iris$Petal.Length), Petal.Width = iris$Petal.Width)
  set.seed(1)
  m <- gmm_fit(x, k = 3)
  expect_equal(f$loglik, m$loglik)
  expect_identical(f$vars, c("log(Petal.Length)", "Petal.Width"))
  expect_identical(unname(predict(f, iris[101:110, ])), unname(predict(m, x[101:110, ])))
  expect_equal(predict(f, iris, type = "density"), predict(m, x, type = "density"),
               ignore_attr = TRUE)
  # Other data (a matrix with the term columns) still works.
  expect_identical(unname(predict(f, x[1:5, ])), unname(predict(m, x[1:5, ])))
})

test_that("na.action = na.omit fits the complete rows and records the others", {
  set.seed(1)
  f <- gmm_fit(~ Ozone + Temp, data = airquality, k = 2, na.action = na.omit)
  keep <- complete.cases(airquality[, c("Ozone", "Temp")])
  set.seed(1)
  m <- gmm_fit(airquality[keep, c("Ozone", "Temp")], k = 2)
  expect_equal(f$loglik, m$loglik)
  expect_identical(f$n, sum(keep))
  expect_identical(unname(as.integer(f$na.action)), which(!keep))
  expect_s3_class(f$na.action, "omit")
  # The same with a data frame, and with a matrix.
  set.seed(1)
  d <- gmm_fit(airquality[, c("Ozone", "Temp")], k = 2, na.action = na.omit)
  expect_equal(d$loglik, m$loglik)
  set.seed(1)
  mm <- gmm_fit(as.matrix(airquality[, c("Ozone", "Temp")]), k = 2, na.action = "na.omit")
  expect_equal(mm$loglik, m$loglik)
  expect_identical(length(mm$na.action), sum(!keep))
})

test_that("a formula's rows with missing values can be fitted by EM", {
  fit <- gmm_fit(~ Ozone + Temp, data = airquality, k = 2, na = "em")
  expect_identical(fit$n, nrow(airquality))
  expect_identical(fit$n_missing, sum(is.na(airquality$Ozone)))
  expect_lt(rel_diff(fit$loglik, observed_loglik_ref(fit)), 1e-10)
  expect_identical(length(predict(fit, airquality)), nrow(airquality))
})

test_that("formula and na.action mistakes are classed errors that say what to do", {
  expect_error(gmm_fit(~ Ozone + Temp, data = airquality, k = 2),
               "missing or non-finite.*`na = \"omit\"`", class = "gmm_input_error")
  expect_error(gmm_fit(Species ~ Petal.Length, data = iris), "no response",
               class = "gmm_input_error")
  expect_error(gmm_fit(~ Species + Petal.Length, data = iris), "'Species' is not numeric",
               class = "gmm_input_error")
  expect_error(gmm_fit(~ nonesuch, data = iris), "could not be evaluated.*nonesuch",
               class = "gmm_input_error")
  expect_error(gmm_fit(iris[, 1:4], data = iris), "`data` is used only with a formula",
               class = "gmm_input_error")
  expect_error(gmm_fit(~ Petal.Length, data = "iris"), "`data` must be a data frame",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, na.action = 3), "`na.action` must be",
               class = "gmm_input_error")
  set.seed(1)
  f <- gmm_fit(~ Petal.Length + Petal.Width, data = iris, k = 2)
  expect_error(predict(f, iris[, 1:2]), "could not be evaluated in `newdata`",
               class = "gmm_input_error")
})
