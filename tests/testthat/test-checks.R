# One test per input error: the class, and a message that names the argument.

test_that("NA in `x` is an error giving its position", {
  x <- as.matrix(iris[, 1:4])
  x[3, 2] <- NA
  expect_error(gmm_fit(x, k = 2),
               "`x` contains 1 missing or non-finite value .*row 3, column 'Sepal.Width'",
               class = "gmm_input_error")
})

test_that("NaN in `x` is an error", {
  x <- as.matrix(faithful)
  x[10, 1] <- NaN
  x[12, 2] <- NaN
  expect_error(gmm_fit(x, k = 2),
               "`x` contains 2 missing or non-finite values .*row 10, column 'eruptions'",
               class = "gmm_input_error")
})

test_that("Inf in `x` is an error", {
  expect_error(gmm_fit(c(1, 2, -Inf, 4), k = 1),
               "`x` contains 1 missing or non-finite value .*row 3",
               class = "gmm_input_error")
})

test_that("non-numeric columns are an error naming them, and nothing is dropped silently", {
  expect_error(gmm_fit(iris, k = 3),
               "`x` must contain only numeric columns; column 'Species'.* not numeric",
               class = "gmm_input_error")
  df <- data.frame(a = 1:5, b = letters[1:5], c = factor(1:5))
  expect_error(gmm_fit(df, k = 1), "columns 'b', 'c'.* not numeric", class = "gmm_input_error")
})

test_that("`x` of an unusable type is an error naming `x`", {
  expect_error(gmm_fit(letters, k = 2), "`x` must be a numeric matrix.*character vector",
               class = "gmm_input_error")
  expect_error(gmm_fit(list(1, 2, 3), k = 1), "`x` must be a numeric matrix.*'list'",
               class = "gmm_input_error")
  expect_error(gmm_fit(matrix(letters[1:6], 3), k = 1),
               "`x` must be a numeric matrix.*not a character matrix of dimensions 3 x 2",
               class = "gmm_input_error")
  expect_error(gmm_fit(iris$Species, k = 1), "`x` must be a numeric matrix.*not a factor",
               class = "gmm_input_error")
  expect_error(gmm_fit(array(rnorm(24), c(2, 3, 4)), k = 1),
               "`x` must be two-dimensional .*not an array of 3 dimensions",
               class = "gmm_input_error")
})

test_that("empty input is an error naming `x`", {
  expect_error(gmm_fit(numeric(0), k = 1), "`x` is empty \\(0 rows",
               class = "gmm_input_error")
  expect_error(gmm_fit(as.matrix(faithful)[0, ], k = 1), "`x` is empty \\(0 rows, 2 columns\\)",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful[, 0], k = 1), "`x` is empty \\(272 rows, 0 columns\\)",
               class = "gmm_input_error")
  expect_error(gmm_fit(data.frame(), k = 1), "`x` is empty", class = "gmm_input_error")
})

test_that("a single row is too little data and says how much is needed", {
  expect_error(gmm_fit(matrix(c(1, 2), 1), k = 1), "`x`.*at least 2 rows",
               class = "gmm_input_error")
})

test_that("k < 1 is an error naming `k` and its range", {
  expect_error(gmm_fit(faithful, k = 0),
               "`k` must be whole numbers between 1 and nrow\\(x\\) \\(272\\), not 0",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = c(-1, 2)), "`k` must be whole numbers",
               class = "gmm_input_error")
})

test_that("k > n is an error naming `k`", {
  expect_error(gmm_fit(iris[1:10, 1:4], k = 11),
               "`k` must be whole numbers between 1 and nrow\\(x\\) \\(10\\), not 11",
               class = "gmm_input_error")
})

test_that("k that is not a whole number is an error naming `k`", {
  expect_error(gmm_fit(faithful, k = 2.5), "`k` must be whole numbers.*not 2.5",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = "2"), "`k` must be whole numbers", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = NA), "`k` must be whole numbers", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = numeric(0)), "`k` must be whole numbers",
               class = "gmm_input_error")
})

test_that("an unknown covariance structure is an error listing the valid ones", {
  expect_error(gmm_fit(faithful, k = 2, covariance = "VVV2"),
               paste0("`covariance` must be \"all\" or one or more of the models ",
                      "\"EII\", \"VII\", .*\"VVV\" \\(mclust's names\\) or ",
                      "\"full\", \"tied\", \"diag\", \"spherical\".*not 'VVV2'"),
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, covariance = c("full", "EVW")), "not 'EVW'",
               class = "gmm_input_error")
})

test_that("a covariance that is not a character vector is an error naming `covariance`", {
  expect_error(gmm_fit(faithful, k = 2, covariance = 1),
               "`covariance` must be a character vector, not 1", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, covariance = NA_character_),
               "`covariance` must be a character vector", class = "gmm_input_error")
})

test_that("a bad n_init is an error naming `n_init`", {
  for (bad in list(0, 1.5, NA, c(1, 2), "3")) {
    expect_error(gmm_fit(faithful, k = 2, n_init = bad),
                 "`n_init` must be a single whole number of at least 1",
                 class = "gmm_input_error")
  }
})

test_that("a bad verbose flag is an error naming `verbose`", {
  expect_error(gmm_fit(faithful, k = 2, verbose = NA), "`verbose` must be TRUE or FALSE",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, verbose = "yes"), "`verbose` must be TRUE or FALSE",
               class = "gmm_input_error")
})

test_that("newdata lacking a fitted column is an error naming the column", {
  set.seed(31)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  expect_error(predict(fit, newdata = iris[, 1:3]),
               "`newdata` lacks the column 'Petal.Width'", class = "gmm_input_error")
  expect_error(predict(fit, newdata = iris[, c(1, 3)]),
               "`newdata` lacks the columns 'Sepal.Width', 'Petal.Width'",
               class = "gmm_input_error")
})

test_that("unnamed newdata of the wrong width is an error giving both widths", {
  set.seed(32)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  expect_error(predict(fit, newdata = unname(as.matrix(iris[, 1:3]))),
               "`newdata` has 3 columns and no names, but the model was fitted on 4",
               class = "gmm_input_error")
})

test_that("a vector as newdata for a multivariate model is an input error", {
  set.seed(33)
  fit <- gmm_fit(faithful, k = 2, n_init = 1)
  expect_error(predict(fit, newdata = c(3, 70)), "`newdata`", class = "gmm_input_error")
})

test_that("non-finite or non-numeric newdata is an error naming `newdata`", {
  set.seed(34)
  fit <- gmm_fit(faithful, k = 2, n_init = 1)
  nd <- faithful[1:5, ]
  nd$waiting[2] <- Inf
  expect_error(predict(fit, newdata = nd), "`newdata` contains 1 infinite value",
               class = "gmm_input_error")
  nd <- data.frame(eruptions = 1:3, waiting = c("a", "b", "c"))
  expect_error(predict(fit, newdata = nd), "`newdata` must contain only numeric columns",
               class = "gmm_input_error")
})

test_that("integer data and unnamed matrices are accepted and named", {
  set.seed(35)
  fit <- gmm_fit(unname(as.matrix(faithful)), k = 2, n_init = 1)
  expect_identical(colnames(fit$means), c("x1", "x2"))
  ints <- matrix(as.integer(round(as.matrix(faithful) * 10)), ncol = 2)
  expect_s3_class(gmm_fit(ints, k = 2, n_init = 1), "gmmfit")
})

test_that("a constant column is an error naming it", {
  x <- data.frame(a = c(1, 4, 2, 8), b = 3, c = c(1, 2, 3, 5))
  expect_error(gmm_fit(x, k = 1), "`x` has column 'b' with a single value",
               class = "gmm_input_error")
  expect_error(gmm_fit(rep(2, 10), k = 1), "`x` has column 'x' with a single value",
               class = "gmm_input_error")
})

test_that("columns without a name or with a repeated name are an error naming them", {
  set.seed(42)
  x <- rbind(matrix(rnorm(200), 100), matrix(rnorm(200, 5), 100))
  colnames(x) <- c("a", "a")
  expect_error(gmm_fit(x, k = 2), "`x` has repeated column names \\('a'\\)", class = "gmm_input_error")
  colnames(x) <- c("", "")
  expect_error(gmm_fit(x, k = 2), "`x` has columns without a name \\(columns 1, 2\\)",
               class = "gmm_input_error")
  colnames(x) <- c("a", NA)
  expect_error(gmm_fit(x, k = 2), "without a name \\(column 2\\)", class = "gmm_input_error")
  colnames(x) <- c("a", "b")
  fit <- gmm_fit(x, k = 2)
  y <- cbind(x, x[, 1])
  colnames(y) <- c("a", "b", "a")
  expect_error(predict(fit, y), "`newdata` has repeated column names \\('a'\\)",
               class = "gmm_input_error")
  colnames(y) <- c("a", "b", "b2")
  expect_identical(predict(fit, y, type = "density"), predict(fit, x, type = "density"))
})

test_that("counts beyond R's largest integer are an error, not NA", {
  expect_error(gmm_control(max_iter = 1e10), "`max_iter` must be at most 2,147,483,647, not 10,000,000,000",
               class = "gmm_input_error")
  expect_error(gmm_control(n_threads = 1e10), "`n_threads` must be at most", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, n_init = 1e10), "`n_init` must be at most",
               class = "gmm_input_error")
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 3), c(1, 1))
  expect_error(simulate(mix, nsim = 1e10), "`nsim` must be at most", class = "gmm_input_error")
})

test_that("a seed that set.seed() would not take is an error naming `seed`", {
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 3), c(1, 1))
  for (bad in list("a", NA, list(1), c(1, 2), 1e10, 1.5)) {
    expect_error(simulate(mix, nsim = 2, seed = bad), "`seed` must be NULL or a single whole number",
                 class = "gmm_input_error")
  }
  expect_equal(simulate(mix, nsim = 3, seed = 2), simulate(mix, nsim = 3, seed = 2L),
               ignore_attr = TRUE)
})

test_that("missing covariances and bad digits are errors naming the argument", {
  expect_error(gmm_mixture(c(0.3, 0.7), c(0, 3), NULL),
               "`covariances` must be a 1 x 1 x 2 array, a list of 2 1 x 1 matrices or a vector of 2 variances, not NULL",
               class = "gmm_input_error")
  mix <- gmm_mixture(c(0.5, 0.5), c(0, 3), c(1, 1))
  for (bad in list(NA, 100, "a", 0, c(3, 4))) {
    expect_error(print(mix, digits = bad), "`digits` must be a whole number from 1 to 15",
                 class = "gmm_input_error")
  }
  set.seed(1)
  fit <- gmm_fit(faithful, k = 2)
  expect_error(print(summary(fit), digits = "a"), "`digits` must be a whole number from 1 to 15",
               class = "gmm_input_error")
  expect_output(print(fit, digits = 3), "Gaussian mixture")
})

test_that("values too large for a variance are an error that says to rescale", {
  set.seed(42)
  x <- rbind(matrix(rnorm(200), 100), matrix(rnorm(200, 5), 100))
  colnames(x) <- c("a", "b")
  for (k in list(2, 1, 1:3)) {
    expect_error(gmm_fit(x * 1e300, k = k), "`x` has values too large .*column 'a', 'b'.*divide it",
                 class = "gmm_input_error")
  }
  # Large but representable values are fitted as the data in other units.
  set.seed(1)
  fit <- gmm_fit(x * 1e150, k = 2)
  set.seed(1)
  ref <- gmm_fit(x, k = 2)
  expect_equal(fit$classification, ref$classification)
})
