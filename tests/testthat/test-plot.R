test_that("one-variable models plot their density", {
  set.seed(101)
  fit <- gmm_fit(faithful$eruptions, k = 2, n_init = 1)
  on_null_device({
    expect_identical(withVisible(plot(fit))$visible, FALSE)
    expect_identical(plot(fit, what = "density"), fit)
  })
})

test_that("two-variable models plot classification and density", {
  set.seed(102)
  fit <- gmm_fit(faithful, k = 3, n_init = 1)
  on_null_device({
    expect_identical(plot(fit), fit)
    expect_identical(plot(fit, what = "density"), fit)
    expect_identical(plot(fit, col = c("red", "blue"), main = "custom", level = 0.5), fit)
  })
})

test_that("four-variable models plot a matrix of panels, or chosen variables", {
  set.seed(103)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  on_null_device({
    expect_identical(plot(fit), fit)
    expect_identical(plot(fit, dims = c("Petal.Length", "Petal.Width")), fit)
    expect_identical(plot(fit, dims = 3), fit)
  })
})

test_that("the matrix of panels leaves the graphics settings as they were", {
  set.seed(104)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  keep <- c("mfrow", "mar", "oma", "fig", "cex")
  on_null_device({
    graphics::plot(1)
    before <- graphics::par(keep)
    plot(fit)
    expect_identical(graphics::par(keep), before)
  })
})

test_that("a mixture that was not fitted plots given data", {
  mix <- separated_mixture()
  sim <- simulate(mix, nsim = 100, seed = 1)
  on_null_device({
    expect_identical(plot(mix, data = sim[, 1:2]), mix)
    expect_error(plot(mix), "`data` is required", class = "gmm_input_error")
  })
})

test_that("the BIC plot draws a search and refuses a single fit", {
  set.seed(104)
  fit <- gmm_fit(faithful, k = 1:3, covariance = c("full", "spherical"), n_init = 1)
  single <- gmm_fit(faithful, k = 2, n_init = 1)
  on_null_device({
    expect_identical(plot(fit, what = "bic"), fit)
    expect_error(plot(single, what = "bic"), "`what = \"bic\"` needs a model search",
                 class = "gmm_input_error")
  })
})

test_that("the BIC plot copes with failed candidates", {
  x <- cbind(c(rep(1, 5), seq(2, 10, length.out = 20)), c(rep(1, 5), sin(1:20)))
  fit <- gmm_fit(x, k = 2, covariance = c("full", "tied", "diag"), init = rep(1:2, c(5, 20)),
                 n_init = 1, control = gmm_control(reg = 0))
  on_null_device(expect_identical(plot(fit, what = "bic"), fit))
})

test_that("bad plot arguments are errors naming them", {
  set.seed(105)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  on_null_device({
    expect_error(plot(fit, dims = 7), "`dims` must be names of the mixture's variables .* or column numbers from 1 to 4, not 7",
                 class = "gmm_input_error")
    expect_error(plot(fit, dims = "Sepal"), "`dims` names 'Sepal'", class = "gmm_input_error")
    expect_error(plot(fit, dims = c(3, 3)), "`dims` names a variable twice",
                 class = "gmm_input_error")
    expect_error(plot(fit, level = 1), "`level` must be below 1", class = "gmm_input_error")
    expect_error(plot(fit, what = "density"), "needs one or two variables",
                 class = "gmm_input_error")
  })
})

test_that("graphical parameters in ... replace the plot's own", {
  set.seed(1)
  fit <- gmm_fit(iris[, 1:4], k = 3)
  petals <- gmm_fit(iris[, 3:4], k = 3)
  on_null_device({
    expect_identical(plot(petals, xlab = "Petal length (cm)", ylab = "width", pch = 1, cex = 2,
                          las = 1), petals)
    expect_identical(plot(petals, legend = "bottomright"), petals)
    expect_identical(plot(petals, legend = FALSE), petals)
    expect_identical(plot(fit, xlab = "", legend = FALSE), fit)
    one <- gmm_fit(faithful$eruptions, k = 2)
    expect_identical(plot(one, xlab = "minutes", ylab = "density", main = "Eruptions"), one)
    search <- gmm_fit(faithful, k = 1:3)
    expect_identical(plot(search, what = "bic", xlab = "k", ylab = "BIC", legend = "bottomright"),
                     search)
  })
  on_null_device({
    expect_error(plot(petals, legend = 3), "`legend` must be", class = "gmm_input_error")
    expect_error(plot(petals, "x"), "`what` must be one of", class = "gmm_input_error")
    expect_error(plot(petals, what = "density", levels = "a"), "`levels`",
                 class = "gmm_input_error")
  })
})

test_that("uncertainty, the density of any pair, and simulated data coloured by component", {
  set.seed(1)
  fit <- gmm_fit(iris[, 1:4], k = 3)
  on_null_device({
    expect_identical(plot(fit, what = "uncertainty"), fit)
    expect_identical(plot(fit, what = "uncertainty", dims = 3:4), fit)
    expect_identical(plot(fit, what = "density", dims = c("Petal.Length", "Sepal.Width")), fit)
    expect_identical(plot(fit, what = "density", dims = 3:4, nlevels = 20), fit)
    expect_identical(plot(fit, what = "density", dims = 3:4, levels = c(0.1, 0.5)), fit)
    sims <- simulate(fit, nsim = 100, seed = 1)
    expect_identical(plot(fit, data = sims, dims = 3:4), fit)
  })
  # The default contour levels are the densities at the data's quantiles.
  m <- gmm_marginal(fit, 3:4)
  lv <- gmmfit:::density_levels(m, fit$data[, 3:4], matrix(1), list())
  dens <- predict(m, fit$data[, 3:4], type = "density")
  expect_equal(lv, unname(quantile(dens, c(0.1, 0.25, 0.5, 0.75, 0.9))))
  # Simulated rows take the colour of the component that drew them.
  sims <- simulate(fit, nsim = 50, seed = 2)
  expect_identical(gmmfit:::simulated_components(sims, 3L), as.integer(sims$component))
  expect_null(gmmfit:::simulated_components(iris, 3L))
})

test_that("gmm_ellipses() gives closed outlines at the level's Mahalanobis distance", {
  set.seed(1)
  fit <- gmm_fit(iris[, 1:4], k = 3)
  ell <- gmm_ellipses(fit, dims = c("Petal.Width", "Sepal.Length"), level = 0.9, n = 50)
  expect_named(ell, c("component", "Petal.Width", "Sepal.Length", "level"))
  expect_identical(nrow(ell), 150L)
  for (j in 1:3) {
    e <- as.matrix(ell[ell$component == j, 2:3])
    s <- fit$covariances[c(4, 1), c(4, 1), j]
    d2 <- unname(mahalanobis(e, fit$means[j, c(4, 1)], s))
    expect_equal(d2, rep(qchisq(0.9, 2), 50), tolerance = 1e-10)
    expect_equal(unname(e[1, ]), unname(e[50, ]))
  }
  expect_error(gmm_ellipses(fit, dims = 1), "two variables", class = "gmm_input_error")
  expect_error(gmm_ellipses(fit, level = 1), "`level`", class = "gmm_input_error")
})
