# ggplot2 plots: what the layers hold is checked against the fit itself
# (classes, ellipses, means, the density formula, the search table).

skip_if_not_installed("ggplot2")

built <- function(p, i) ggplot2::layer_data(p, i)

test_that("the classification plot draws the data by class, the ellipses and the means", {
  set.seed(301)
  fit <- gmm_fit(iris[, 3:4], k = 3, n_init = 2)
  p <- ggplot2::autoplot(fit)
  expect_s3_class(p, "ggplot")
  pts <- built(p, 1L)
  expect_equal(nrow(pts), 150L)
  expect_equal(pts$x, iris$Petal.Length)
  expect_equal(pts$y, iris$Petal.Width)
  pal <- grDevices::hcl.colors(3, "Dark 3")
  expect_identical(pts$colour, pal[predict(fit)])

  ell <- built(p, 2L)
  ref <- gmm_ellipses(fit)
  expect_equal(ell$x, ref$Petal.Length)
  expect_equal(ell$y, ref$Petal.Width)
  expect_identical(ell$colour, pal[ref$component])
  # the 95% ellipse of component 1 computed directly: points x with
  # (x - mu)' S^-1 (x - mu) = qchisq(0.95, 2)
  one <- as.matrix(ref[ref$component == 1, 2:3])
  d <- sweep(one, 2, fit$means[1, ])
  expect_equal(unname(rowSums((d %*% solve(fit$covariances[, , 1])) * d)),
               rep(stats::qchisq(0.95, 2), nrow(one)), tolerance = 1e-8)

  centres <- built(p, 3L)
  expect_equal(centres$x, unname(fit$means[, 1]))
  expect_equal(centres$y, unname(fit$means[, 2]))
})

test_that("the uncertainty plot sizes points by one minus the largest posterior", {
  set.seed(302)
  fit <- gmm_fit(faithful, k = 2, n_init = 1)
  p <- ggplot2::autoplot(fit, what = "unc")
  u <- 1 - apply(predict(fit, type = "prob"), 1, max)
  expect_equal(p$data$uncertainty, unname(u))
  size <- built(p, 1L)$size
  expect_true(all(diff(size[order(u)]) >= -1e-12))
  expect_gt(stats::cor(size, u), 0.9)
})

test_that("the one-variable density is the weighted sum of the components' normal densities", {
  set.seed(303)
  fit <- gmm_fit(faithful$eruptions, k = 2, n_init = 1)
  p <- ggplot2::autoplot(fit)
  lines <- built(p, 2L)
  direct <- function(x) {
    fit$weights[1] * stats::dnorm(x, fit$means[1, 1], sqrt(fit$covariances[1, 1, 1])) +
      fit$weights[2] * stats::dnorm(x, fit$means[2, 1], sqrt(fit$covariances[1, 1, 2]))
  }
  mix <- lines[lines$group == 1L, ]
  expect_equal(mix$y, direct(mix$x))
  expect_equal(mix$y, predict(fit, data.frame(eruptions = mix$x), type = "density"))
  comp2 <- lines[lines$group == 3L, ]
  expect_equal(comp2$y, fit$weights[2] * stats::dnorm(comp2$x, fit$means[2, 1],
                                                        sqrt(fit$covariances[1, 1, 2])))
  # the histogram is of the data, on the density scale
  h <- built(p, 1L)
  expect_equal(sum(h$count), nrow(faithful))
  expect_equal(sum(h$density * (h$xmax - h$xmin)), 1)
})

test_that("the two-variable density draws contours at quantiles of the data's densities", {
  set.seed(304)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  p <- ggplot2::autoplot(fit, what = "density", dims = c("Petal.Length", "Petal.Width"))
  at_data <- predict(gmm_marginal(fit, c("Petal.Length", "Petal.Width")),
                     iris[, 3:4], type = "density")
  lv <- stats::quantile(at_data, c(0.1, 0.25, 0.5, 0.75, 0.9), names = FALSE)
  contours <- built(p, 2L)
  expect_equal(sort(unique(contours$level)), sort(unique(lv)))
  # the contour points lie where the marginal density equals their level (up
  # to the linear interpolation between the points of a 100 x 100 grid)
  pts <- data.frame(Petal.Length = contours$x, Petal.Width = contours$y)
  dens <- predict(gmm_marginal(fit, 3:4), pts, type = "density")
  rel <- abs(dens - contours$level) / contours$level
  expect_lt(stats::median(rel), 0.005)
  expect_lt(max(rel), 0.15)
})

test_that("the BIC plot shows every candidate and circles the chosen one", {
  set.seed(305)
  fit <- gmm_fit(faithful, k = 1:4, covariance = c("full", "spherical"))
  for (p in list(ggplot2::autoplot(fit, what = "bic"), ggplot2::autoplot(fit$search))) {
    pts <- built(p, 2L)
    s <- fit$search
    expect_equal(sort(pts$y), sort(s$bic))
    chosen <- built(p, 3L)
    expect_equal(chosen$x, length(fit$weights))
    expect_equal(chosen$y, BIC(fit))
  }
})

test_that("simulated data are coloured by the component that drew them", {
  set.seed(306)
  fit <- gmm_fit(iris[, 3:4], k = 3, n_init = 1)
  sim <- simulate(fit, nsim = 200, seed = 1)
  pts <- built(ggplot2::autoplot(fit, data = sim), 1L)
  expect_identical(pts$colour, grDevices::hcl.colors(3, "Dark 3")[sim$component])
})

test_that("chosen variables, extra layers and point options work", {
  set.seed(307)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  p <- ggplot2::autoplot(fit, dims = c(1, 3), alpha = 0.4) + ggplot2::theme_minimal()
  pts <- built(p, 1L)
  expect_equal(pts$x, iris$Sepal.Length)
  expect_equal(pts$y, iris$Petal.Length)
  expect_true(all(pts$alpha == 0.4))
  expect_identical(all.vars(p$mapping$x), "Sepal.Length")
  expect_identical(all.vars(p$mapping$y), "Petal.Length")
})

test_that("autoplot() rejects what it cannot draw with a clear error", {
  set.seed(308)
  fit <- gmm_fit(iris[, 1:4], k = 2, n_init = 1)
  expect_error(ggplot2::autoplot(fit, dims = 1:3), "`dims` must name one or two", class = "gmm_error")
  expect_error(ggplot2::autoplot(fit, dims = "Petal"), "dims", class = "gmm_error")
  expect_error(ggplot2::autoplot(fit, what = "bic"), "needs a model search", class = "gmm_error")
  expect_error(ggplot2::autoplot(fit, what = "pairs"), "what", class = "gmm_error")
  expect_error(ggplot2::autoplot(fit, level = 1), "`level` must be between 0 and 1", class = "gmm_error")
  expect_error(ggplot2::autoplot(fit, bins = 0), "bins", class = "gmm_error")
  mix <- gmm_mixture(c(0.5, 0.5), rbind(c(0, 0), c(3, 3)), list(diag(2), diag(2)))
  expect_error(ggplot2::autoplot(mix), "`data` is required", class = "gmm_error")
  expect_s3_class(ggplot2::autoplot(mix, data = simulate(mix, 50, seed = 1)), "ggplot")
  bad <- structure(data.frame(k = 1), class = c("gmm_search", "data.frame"))
  expect_error(ggplot2::autoplot(bad), "search table", class = "gmm_error")
})
