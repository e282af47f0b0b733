test_that("simulate() with a seed is reproducible and records the seed", {
  mix <- separated_mixture()
  a <- simulate(mix, nsim = 50, seed = 123)
  b <- simulate(mix, nsim = 50, seed = 123)
  expect_identical(a, b)
  expect_identical(as.vector(attr(a, "seed")), 123)
  expect_identical(attr(attr(a, "seed"), "kind"), as.list(RNGkind()))
  expect_false(identical(a, simulate(mix, nsim = 50, seed = 124)))
})

test_that("simulate() with a seed leaves the caller's random stream where it was", {
  mix <- separated_mixture()
  set.seed(1)
  expected <- runif(3)
  set.seed(1)
  simulate(mix, nsim = 20, seed = 99)
  expect_identical(runif(3), expected)
})

test_that("simulate() without a seed uses and advances the current stream, like stats::simulate", {
  mix <- separated_mixture()
  set.seed(2)
  state <- .Random.seed
  a <- simulate(mix, nsim = 20)
  expect_identical(attr(a, "seed"), state)
  b <- simulate(mix, nsim = 20)
  expect_false(identical(a, b))
  set.seed(2)
  expect_identical(simulate(mix, nsim = 20), a)
})

test_that("simulate() also works when no random stream exists yet", {
  mix <- separated_mixture()
  had_seed <- exists(".Random.seed", envir = globalenv())
  if (had_seed) saved <- get(".Random.seed", envir = globalenv())
  rm(list = intersect(".Random.seed", ls(globalenv(), all.names = TRUE)), envir = globalenv())
  a <- simulate(mix, nsim = 5, seed = 3)
  if (had_seed) assign(".Random.seed", saved, envir = globalenv())
  expect_identical(a, simulate(mix, nsim = 5, seed = 3))
})

test_that("simulated data have the model's column names and a component column", {
  set.seed(71)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  sim <- simulate(fit, nsim = 30, seed = 1)
  expect_s3_class(sim, "data.frame")
  expect_named(sim, c(names(iris)[1:4], "component"))
  expect_identical(nrow(sim), 30L)
  expect_type(sim$component, "integer")
  expect_true(all(sim$component %in% 1:3))

  one_d <- simulate(gmm_mixture(c(0.5, 0.5), c(0, 3), c(1, 1)), nsim = 4, seed = 1)
  expect_named(one_d, c("x", "component"))
  empty <- simulate(fit, nsim = 0, seed = 1)
  expect_identical(dim(empty), c(0L, 5L))
})

test_that("simulated data follow the mixture: component shares, means and covariances", {
  mix <- separated_mixture()
  n <- 500
  sim <- simulate(mix, nsim = n, seed = 72)
  x <- as.matrix(sim[, c("x1", "x2")])
  w <- mix$weights
  # Within 4 standard errors of the sampling distribution (see test-gmm_fit.R).
  share <- tabulate(sim$component, 3) / n
  expect_lt(max(abs(share - w) / sqrt(w * (1 - w) / n)), 4)
  for (j in 1:3) {
    xj <- x[sim$component == j, ]
    s <- mix$covariances[, , j]
    nj <- nrow(xj)
    expect_lt(max(abs(colMeans(xj) - mix$means[j, ]) / sqrt(diag(s) / nj)), 4)
    expect_lt(max(abs(cov(xj) - s) / sqrt((outer(diag(s), diag(s)) + s^2) / nj)), 4)
  }
})

test_that("nsim must be a non-negative whole number", {
  mix <- separated_mixture()
  expect_error(simulate(mix, nsim = -1), "`nsim` must be a single whole number of at least 0",
               class = "gmm_input_error")
  expect_error(simulate(mix, nsim = 2.5), "`nsim` must be", class = "gmm_input_error")
})

test_that("simulate() draws mean + L z, d standard normals per row in row order", {
  set.seed(71)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  n <- 40
  sim <- simulate(fit, nsim = n, seed = 5)
  # The same draws computed in R from the same stream.
  set.seed(5)
  comp <- sample.int(3, n, replace = TRUE, prob = fit$weights)
  z <- matrix(rnorm(n * 4), 4)
  expected <- t(vapply(seq_len(n), function(i) {
    j <- comp[i]
    fit$means[j, ] + drop(t(chol(fit$covariances[, , j])) %*% z[, i])
  }, numeric(4)))
  expect_identical(sim$component, comp)
  expect_equal(unname(as.matrix(sim[, 1:4])), unname(expected), tolerance = 1e-12)
})
