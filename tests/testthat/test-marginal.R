# Mixture densities by direct formula (helper-reference.R's dmvnorm_ref).
mixture_density <- function(m, x) {
  x <- as.matrix(x)[, m$vars, drop = FALSE]
  Reduce(`+`, lapply(seq_along(m$weights), function(j) {
    m$weights[[j]] * dmvnorm_ref(x, m$means[j, ], matrix(m$covariances[, , j], length(m$vars)))
  }))
}

test_that("a marginal mixture keeps the weights and restricts means and covariances", {
  for (cov in c("full", "tied", "diag", "spherical")) {
    set.seed(1)
    fit <- gmm_fit(iris[, 1:4], k = 3, covariance = cov)
    m <- gmm_marginal(fit, c("Petal.Width", "Sepal.Length"))
    expect_identical(m$vars, c("Petal.Width", "Sepal.Length"))
    expect_identical(m$covariance, cov)
    expect_equal(unname(m$weights), unname(fit$weights))
    expect_equal(unname(m$means), unname(fit$means[, c(4, 1)]))
    expect_equal(unname(m$covariances), unname(fit$covariances[c(4, 1), c(4, 1), ]))
    expect_identical(gmm_marginal(fit, c(4, 1))$means, m$means)
  }
})

test_that("a marginal mixture is the distribution of those columns of simulated data", {
  mix <- gmm_mixture(c(0.3, 0.7), means = rbind(c(a = 0, b = 1, c = -1), c(3, -2, 2)),
                     covariances = list(matrix(c(1, 0.5, 0.2, 0.5, 2, 0.3, 0.2, 0.3, 1), 3),
                                        diag(c(0.5, 1, 2))))
  m <- gmm_marginal(mix, c("c", "a"))
  sims <- simulate(mix, nsim = 2e5, seed = 3)[, c("c", "a")]
  # Mixture moments: mean sum w mu, covariance sum w (S + mu mu') - m m'.
  mu <- colSums(m$weights * m$means)
  second <- Reduce(`+`, lapply(1:2, function(j) {
    m$weights[[j]] * (m$covariances[, , j] + tcrossprod(m$means[j, ]))
  }))
  expect_equal(colMeans(sims), mu, tolerance = 0.02)
  expect_equal(unname(cov(sims)), unname(second - tcrossprod(mu)), tolerance = 0.02)
  # Its density is the direct formula's.
  expect_equal(mixture_density(m, sims[1:50, ]), predict(m, sims[1:50, ], type = "density"),
               tolerance = 1e-12, ignore_attr = TRUE)
})

test_that("a conditional mixture's density is the joint density over the marginal one", {
  for (cov in c("full", "tied", "diag", "spherical")) {
    set.seed(2)
    fit <- gmm_fit(iris[, 1:4], k = 3, covariance = cov)
    given <- c(Petal.Length = 4.5, Sepal.Width = 3)
    cond <- gmm_conditional(fit, given)
    expect_identical(cond$vars, c("Sepal.Length", "Petal.Width"))
    expect_identical(cond$covariance, cov)
    pts <- expand.grid(Sepal.Length = c(5, 6, 7), Petal.Width = c(0.5, 1.4, 2))
    joint <- cbind(pts, Petal.Length = 4.5, Sepal.Width = 3)
    ratio <- mixture_density(fit, joint) /
      mixture_density(gmm_marginal(fit, names(given)), as.data.frame(as.list(given)))
    expect_equal(predict(cond, pts, type = "density"), ratio, tolerance = 1e-10,
                 ignore_attr = TRUE, info = cov)
  }
})

test_that("gmm_conditional() follows the textbook formulas for one component", {
  s <- matrix(c(2, 0.6, 0.4, 0.6, 1, 0.3, 0.4, 0.3, 1.5), 3)
  mix <- gmm_mixture(1, means = c(x = 1, y = 2, z = 3), covariances = s)
  cond <- gmm_conditional(mix, c(z = 4))
  expect_equal(unname(cond$means[1, ]), c(1, 2) + s[1:2, 3] / s[3, 3] * (4 - 3))
  expect_equal(unname(cond$covariances[, , 1]),
               s[1:2, 1:2] - tcrossprod(s[1:2, 3]) / s[3, 3])
  expect_equal(unname(cond$weights), 1)
})

test_that("conditional weights are the posterior probabilities of the given values", {
  set.seed(3)
  fit <- gmm_fit(faithful, k = 2)
  cond <- gmm_conditional(fit, c(waiting = 70))
  post <- predict(gmm_marginal(fit, "waiting"), data.frame(waiting = 70), type = "prob")
  expect_equal(unname(cond$weights), unname(post[1, ]), tolerance = 1e-12)
  # Usable like any mixture: simulate and predict.
  expect_named(simulate(cond, nsim = 3, seed = 1), c("eruptions", "component"))
  expect_length(predict(cond, data.frame(eruptions = c(2, 4.5))), 2L)
})

test_that("gmm_marginal() and gmm_conditional() reject bad variables with classed errors", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 2)
  expect_error(gmm_marginal(fit, "height"), "`vars` names 'height'", class = "gmm_input_error")
  expect_error(gmm_marginal(fit, 3), "`vars` must be", class = "gmm_input_error")
  expect_error(gmm_marginal(fit, c(1, 1)), "twice", class = "gmm_input_error")
  expect_error(gmm_conditional(fit, c(waiting = 70, eruptions = 2)), "leave at least one",
               class = "gmm_input_error")
  expect_error(gmm_conditional(fit, 70), "named numeric vector", class = "gmm_input_error")
  expect_error(gmm_conditional(fit, c(waiting = NA_real_)), "finite", class = "gmm_input_error")
  expect_error(gmm_conditional(fit, c(speed = 1)), "`given` names 'speed'",
               class = "gmm_input_error")
  expect_error(gmm_conditional(fit, faithful[1:2, "waiting", drop = FALSE]), "one row",
               class = "gmm_input_error")
})
