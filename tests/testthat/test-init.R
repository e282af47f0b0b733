test_that("the same seed gives the same fit for every starting strategy", {
  for (method in c("hc", "kmeans++", "random", "random_from_data")) {
    set.seed(21)
    a <- gmm_fit(faithful, k = 3, init = method, n_init = 2, control = serial_control())
    set.seed(21)
    b <- gmm_fit(faithful, k = 3, init = method, n_init = 2, control = serial_control())
    expect_identical(a, b, info = method)
  }
})

test_that("random starts depend on the seed", {
  ctl <- gmm_control(max_iter = 5, tol = 0)
  set.seed(22)
  a <- suppressWarnings(gmm_fit(iris[, 1:4], k = 3, init = "random", n_init = 1, control = ctl))
  set.seed(23)
  b <- suppressWarnings(gmm_fit(iris[, 1:4], k = 3, init = "random", n_init = 1, control = ctl))
  expect_false(isTRUE(all.equal(a$trace, b$trace)))
})

test_that("n_init runs every start a few iterations and carries the best on", {
  # The k-means++ starts are the partitions R's generator gives one after
  # the other (the third on the decorrelated coordinates of the hierarchical
  # start); each one alone, run for `init_iter` iterations, ranks them, and
  # with init_margin = 0 the best one run to convergence is the fit.
  x <- as.matrix(faithful)
  ctl <- serial_control(init_margin = 0)
  set.seed(24)
  best <- gmm_fit(x, k = 3, init = "kmeans++", n_init = 4, control = ctl)
  set.seed(24)
  sc <- gmmfit:::column_scaling(x)
  z <- gmmfit:::hc_transform(x)
  starts <- lapply(1:4, function(i) {
    if (i == 3L) {
      gmmfit:::cpp_kmeanspp(z, numeric(ncol(z)), rep(1, ncol(z)), runif(3), 10L)
    } else {
      gmmfit:::cpp_kmeanspp(x, sc$centre, sqrt(sc$var), runif(3), 10L)
    }
  })
  short <- vapply(starts, function(s) {
    short_ctl <- serial_control(max_iter = ctl$init_iter)
    suppressWarnings(gmm_fit(x, k = 3, init = s, control = short_ctl))$loglik
  }, numeric(1))
  alone <- gmm_fit(x, k = 3, init = starts[[which.max(short)]], control = ctl)
  expect_identical(best$loglik, alone$loglik)
  expect_identical(best$means, alone$means)
})

test_that("starts whose short runs end near the best one's are carried on too", {
  # USArrests, k = 3: after 20 iterations a k-means++ start leads the
  # hierarchical one by less than 1, but the hierarchical start ends higher
  # (at mclust's optimum).
  set.seed(5)
  only_best <- gmm_fit(USArrests, k = 3, control = serial_control(init_margin = 0))
  set.seed(5)
  fit <- gmm_fit(USArrests, k = 3, control = serial_control())
  hc_alone <- gmm_fit(USArrests, k = 3, init = "hc", control = serial_control())
  expect_gt(fit$loglik, only_best$loglik + 0.1)
  expect_identical(fit$loglik, hc_alone$loglik)
  expect_identical(fit$means, hc_alone$means)
  expect_identical(fit$n_iter, hc_alone$n_iter)
  expect_identical(fit$posterior, hc_alone$posterior)
})

test_that("carrying on more starts never gives a lower log-likelihood", {
  data <- list(iris = iris[, 1:4], trees = trees, swiss = swiss, USArrests = USArrests)
  for (name in names(data)) {
    for (cov in c("full", "tied", "diag", "spherical")) {
      set.seed(6)
      a <- suppressWarnings(gmm_fit(data[[name]], k = 4, covariance = cov, n_init = 6,
                                    control = serial_control(init_margin = 0)))
      set.seed(6)
      b <- suppressWarnings(gmm_fit(data[[name]], k = 4, covariance = cov, n_init = 6,
                                    control = serial_control(init_margin = 5)))
      expect_gte(b$loglik, a$loglik, label = paste(name, cov))
    }
  }
})

test_that("one component needs no start to be drawn, whatever the methods", {
  x <- as.matrix(faithful)
  ref <- gmm_fit(x, k = 1, init = rep(1L, nrow(x)), control = serial_control())
  for (init in list(c("hc", "kmeans++"), "hc", "kmeans++", "random")) {
    set.seed(8)
    fit <- gmm_fit(x, k = 1, init = init, n_init = 5, control = serial_control())
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-12, info = paste(init, collapse = " "))
  }
})

test_that("init = \"random\" does not stop at its first iterations", {
  # Random partitions give nearly equal components, whose log-likelihood
  # changes little at first though the optimum is far.
  set.seed(7)
  fit <- gmm_fit(faithful, k = 2, init = "random", n_init = 1)
  expect_gt(fit$n_iter, 10L)
  set.seed(7)
  ref <- gmm_fit(faithful, k = 2)
  expect_lt(rel_diff(fit$loglik, ref$loglik), 1e-6)
})

test_that("a partition start is an M-step from that partition", {
  x <- as.matrix(iris[, 1:4])
  g <- as.integer(iris$Species)
  expect_silent(
    fit <- gmm_fit(x, k = 3, init = iris$Species, n_init = 1,
                   control = gmm_control(max_iter = 1, tol = 0, reg = 0))
  )
  # Start: proportions, group means and ML group covariances; then one EM
  # iteration, all computed here without the package.
  w0 <- tabulate(g) / length(g)
  mu0 <- rowsum(x, g) / tabulate(g)
  s0 <- array(unlist(lapply(1:3, function(j) {
    cov.wt(x[g == j, ], method = "ML")$cov
  })), c(4, 4, 3))
  post <- posterior_ref(x, w0, mu0, s0)
  cw <- lapply(1:3, function(j) cov.wt(x, wt = post[, j] / sum(post[, j]), method = "ML"))
  mu1 <- t(vapply(cw, `[[`, numeric(4), "center"))
  idx <- match_components(fit$means, mu1)
  expect_identical(fit$n_iter, 1L)
  expect_equal(unname(fit$weights), colMeans(post)[idx], tolerance = 1e-10)
  expect_equal(unname(fit$means), unname(mu1[idx, ]), tolerance = 1e-10)
  expect_equal(unname(fit$covariances),
               array(unlist(lapply(cw[idx], function(w) unname(w$cov))), c(4, 4, 3)),
               tolerance = 1e-10)
})

test_that("a parameter start is used as given", {
  x <- as.matrix(faithful)
  start <- list(weights = c(0.3, 0.7), means = rbind(c(2, 55), c(4.5, 80)),
                covariances = array(c(0.1, 0, 0, 30, 0.2, 0, 0, 40), c(2, 2, 2)))
  expect_silent(
    fit <- gmm_fit(x, k = 2, init = start, n_init = 1,
                   control = gmm_control(max_iter = 1, tol = 0, reg = 0))
  )
  post <- posterior_ref(x, start$weights, start$means, start$covariances)
  cw <- lapply(1:2, function(j) cov.wt(x, wt = post[, j] / sum(post[, j]), method = "ML"))
  mu1 <- t(vapply(cw, `[[`, numeric(2), "center"))
  idx <- match_components(fit$means, mu1)
  expect_equal(unname(fit$weights), colMeans(post)[idx], tolerance = 1e-10)
  expect_equal(unname(fit$means), unname(mu1[idx, ]), tolerance = 1e-10)
  expect_equal(unname(fit$covariances[, , 1]), unname(cw[[idx[1]]]$cov), tolerance = 1e-10)

  as_list <- start
  as_list$covariances <- list(start$covariances[, , 1], start$covariances[, , 2])
  fit_list <- suppressWarnings(
    gmm_fit(x, k = 2, init = as_list, n_init = 1,
            control = gmm_control(max_iter = 1, tol = 0, reg = 0))
  )
  expect_equal(fit_list$means, fit$means, tolerance = 1e-14)
})

test_that("partition labels may be a factor, characters or integers", {
  ctl <- gmm_control(tol = 1e-8)
  a <- gmm_fit(iris[, 1:4], k = 3, init = iris$Species, n_init = 1, control = ctl)
  b <- gmm_fit(iris[, 1:4], k = 3, init = as.character(iris$Species), n_init = 1, control = ctl)
  d <- gmm_fit(iris[, 1:4], k = 3, init = as.integer(iris$Species) * 10L, n_init = 1,
               control = ctl)
  expect_identical(b$means, a$means)
  expect_identical(d$means, a$means)
  expect_identical(d$loglik, a$loglik)
})

test_that("a user-supplied start warns about n_init only when n_init was given", {
  expect_warning(gmm_fit(iris[, 1:4], k = 3, init = iris$Species, n_init = 5),
                 "`n_init` is ignored")
  # The default n_init is not the user's doing, so it must not warn.
  expect_no_warning(gmm_fit(iris[, 1:4], k = 3, init = iris$Species))
  expect_no_warning(gmm_fit(iris[, 1:4], k = 3, init = iris$Species, n_init = 1))
})

test_that("an unknown starting method is an error naming `init`", {
  expect_error(gmm_fit(faithful, k = 2, init = "kmeans"),
               "`init` must be one or more of .*not \"kmeans\"", class = "gmm_input_error")
})

test_that("an `init` of an unusable type is an error naming `init`", {
  expect_error(gmm_fit(faithful, k = 2, init = function(x) 1),
               "`init` must be a method name.*'function'", class = "gmm_input_error")
})

test_that("a partition of the wrong length is an error naming `init`", {
  expect_error(gmm_fit(iris[, 1:4], k = 3, init = iris$Species[1:100]),
               "`init` as a partition must give a label for each of the 150 rows.*length 100",
               class = "gmm_input_error")
})

test_that("a partition with NA labels is an error naming `init`", {
  labels <- iris$Species
  labels[7] <- NA
  expect_error(gmm_fit(iris[, 1:4], k = 3, init = labels),
               "`init` as a partition.*contains NA", class = "gmm_input_error")
})

test_that("a partition with a number of groups other than `k` is an error", {
  expect_error(gmm_fit(iris[, 1:4], k = 2, init = iris$Species),
               "`init` as a partition has 3 groups, so `k` must be 3",
               class = "gmm_input_error")
})

test_that("a parameter start without every element is an error naming the missing ones", {
  expect_error(gmm_fit(faithful, k = 2, init = list(weights = c(0.5, 0.5))),
               "`init` as parameters.*'means', 'covariances' missing",
               class = "gmm_input_error")
})

test_that("a parameter start with a number of components other than `k` is an error", {
  expect_error(gmm_fit(faithful, k = 3, init = two_component_start()),
               "`init\\$weights` has 2 components, so `k` must be 2",
               class = "gmm_input_error")
})

test_that("parameter start weights that are not a distribution are an error", {
  expect_error(gmm_fit(faithful, k = 2, init = two_component_start(weights = c(0.5, 0.6))),
               "`init\\$weights` must be positive numbers summing to 1",
               class = "gmm_input_error")
})

test_that("parameter start means of the wrong shape are an error naming `init$means`", {
  expect_error(gmm_fit(faithful, k = 2, init = two_component_start(means = matrix(0, 2, 3))),
               "`init\\$means` must be a finite 2 x 2 matrix.*not 2 x 3",
               class = "gmm_input_error")
})

test_that("parameter start covariances of the wrong shape are an error naming them", {
  start <- two_component_start(covariances = array(diag(3), c(3, 3, 2)))
  expect_error(gmm_fit(faithful, k = 2, init = start),
               "`init\\$covariances` must be a finite 2 x 2 x 2 array",
               class = "gmm_input_error")
})

test_that("one-dimensional start covariances of the wrong shape are an input error too", {
  # 2 x 2 matrices cannot be the variances of a single variable.
  start <- list(weights = c(0.5, 0.5), means = c(2, 4),
                covariances = list(diag(2), diag(2)))
  expect_error(gmm_fit(faithful$eruptions, k = 2, init = start),
               "`init\\$covariances`", class = "gmm_input_error")
})

test_that("a start covariance that is not positive definite is an error naming it", {
  s <- matrix(c(1, 2, 2, 1), 2)
  start <- two_component_start(covariances = array(c(diag(2), s), c(2, 2, 2)))
  expect_error(gmm_fit(faithful, k = 2, init = start),
               "`init\\$covariances.*\\[, , 2\\]`? is not a symmetric positive definite",
               class = "gmm_input_error")
})

test_that("k-means++ on data with fewer distinct points than k fails as a fit error", {
  x <- rep(c(1, 2), 50)
  set.seed(25)
  expect_error(gmm_fit(x, k = 3, init = "kmeans++", n_init = 2),
               "no observations left|not positive definite",
               class = "gmm_fit_error")
})

test_that("a parameter start is reduced to the structure being fitted", {
  x <- as.matrix(faithful)
  s1 <- matrix(c(0.1, 0.5, 0.5, 30), 2)
  s2 <- matrix(c(0.2, 0.9, 0.9, 40), 2)
  start <- list(weights = c(0.35, 0.65), means = rbind(c(2, 55), c(4.3, 80)),
                covariances = array(c(s1, s2), c(2, 2, 2)))
  reduced <- list(
    diag = list(diag(diag(s1)), diag(diag(s2))),
    spherical = list(diag(mean(diag(s1)), 2), diag(mean(diag(s2)), 2)),
    tied = rep(list(0.35 * s1 + 0.65 * s2), 2)
  )
  ctl <- gmm_control(n_threads = 1)
  for (type in names(reduced)) {
    fit <- gmm_fit(x, k = 2, covariance = type, init = start, control = ctl)
    by_hand <- start
    by_hand$covariances <- array(unlist(reduced[[type]]), c(2, 2, 2))
    ref <- gmm_fit(x, k = 2, covariance = type, init = by_hand, control = ctl)
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10, info = type)
    expect_equal(fit$means, ref$means, tolerance = 1e-10, info = type)
  }
})

test_that("fits do not depend on the units or origin of the variables, for every start", {
  # eruptions in thousandths, waiting shifted by 1e10 (exact: whole
  # minutes); for spherical components only a common unit is free, so there
  # every column is rescaled. The log-likelihood moves by the log Jacobian.
  x <- as.matrix(faithful)
  moved <- cbind(eruptions = x[, 1] * 1000, waiting = x[, 2] + 1e10)
  common <- cbind(x[, 1] * 1000, x[, 2] * 1000 + 1e10)
  # (a tied k-means++ fit converges slowly: 1,586 iterations at this tol)
  ctl <- serial_control(tol = 1e-10, max_iter = 5000L)
  for (method in c("hc", "kmeans++", "random", "random_from_data")) {
    for (cov in c("full", "tied", "diag", "spherical")) {
      y <- if (cov == "spherical") common else moved
      jacobian <- nrow(x) * log(1000) * if (cov == "spherical") 2 else 1
      set.seed(5)
      a <- gmm_fit(x, k = 3, covariance = cov, init = method, control = ctl)
      set.seed(5)
      b <- gmm_fit(y, k = 3, covariance = cov, init = method, control = ctl)
      info <- paste(method, cov)
      expect_identical(unname(b$classification), unname(a$classification), info = info)
      expect_lt(rel_diff(b$loglik + jacobian, a$loglik), 1e-8)
    }
  }
})

test_that("data far from the origin are fitted as at the origin", {
  # Shifted by 1e10 the values keep about 6 significant digits; the fit of
  # those values must equal the fit of the same values moved back.
  far <- as.matrix(faithful) + 1e10
  near <- far - 1e10
  for (method in c("hc", "kmeans++")) {
    set.seed(6)
    a <- gmm_fit(near, k = 3, init = method, control = serial_control(tol = 1e-10))
    set.seed(6)
    b <- gmm_fit(far, k = 3, init = method, control = serial_control(tol = 1e-10))
    expect_identical(unname(b$classification), unname(a$classification), info = method)
    expect_lt(rel_diff(b$loglik, a$loglik), 1e-8)
    expect_equal(unname(b$means - 1e10), unname(a$means), tolerance = 1e-6)
  }
})

test_that("every structure starts from the same partitions", {
  # A search draws the starts of each k once; each structure's fit equals
  # the fit of that structure alone from the same seed, which draws the same
  # starts first.
  covs <- c("full", "tied", "diag", "spherical")
  for (method in c("kmeans++", "random")) {
    set.seed(8)
    search <- gmm_fit(iris[, 1:4], k = 3, covariance = covs, init = method, n_init = 3)
    for (cov in covs) {
      set.seed(8)
      alone <- suppressWarnings(gmm_fit(iris[, 1:4], k = 3, covariance = cov, init = method,
                                        n_init = 3))
      row <- search$search$covariance == cov
      expect_identical(search$search$loglik[row], alone$loglik, info = paste(method, cov))
    }
  }
})

test_that("the default starts drawn all at once are the starts drawn one k at a time", {
  # draw_all_starts() draws the hierarchical and two k-means++ starts of
  # each k without draw_starts(); both must give the same starts from the
  # same seed, with weights and on a subsample too.
  ctl <- gmm_control(init_sample = 40)
  cases <- list(list(x = as.matrix(trees), w = NULL),
                list(x = as.matrix(iris[, 1:4]), w = NULL),
                list(x = as.matrix(faithful), w = rep(c(1, 2.5), 136)))
  for (case in cases) {
    fd <- gmmfit:::fit_data(case$x, case$w)
    for (n_init in c(3L, 5L)) {
      init <- gmmfit:::check_init(c("hc", "kmeans++"), case$x)
      set.seed(3)
      plan <- gmmfit:::data_start_plan(fd, 1:6, init, n_init, ctl,
                                       gmmfit:::column_scaling(fd$xe, fd$w, fd$moments))
      set.seed(4)
      fast <- gmmfit:::draw_all_starts(plan, 1:6)
      after_fast <- runif(1)
      set.seed(4)
      slow <- gmmfit:::draw_all_starts(plan, 1:6, fast = FALSE)
      after_slow <- runif(1)
      expect_identical(fast, slow)
      expect_identical(after_fast, after_slow)
      expect_length(fast[[3]], n_init)
    }
  }
})

test_that("k-means++ partitions are computed on standardised data", {
  # Here `depth` (0 to 700 km) would dominate raw distances; standardised,
  # the same partition results whatever the unit of depth.
  x <- as.matrix(quakes[, 1:4])
  sc <- gmmfit:::column_scaling(x)
  u <- c(0.1, 0.5, 0.9)
  a <- gmmfit:::cpp_kmeanspp(x, sc$centre, sqrt(sc$var), u, 100L)
  y <- x
  y[, "depth"] <- y[, "depth"] / 1000
  sy <- gmmfit:::column_scaling(y)
  b <- gmmfit:::cpp_kmeanspp(y, sy$centre, sqrt(sy$var), u, 100L)
  expect_identical(a, b)
  # Lloyd's fixed point: every row is nearest (standardised) to its own
  # cluster mean.
  z <- scale(x)
  centres <- rowsum(z, a) / tabulate(a)
  d2 <- vapply(1:3, function(j) colSums((t(z) - centres[j, ])^2), numeric(nrow(z)))
  expect_identical(max.col(-d2, ties.method = "first"), a)
})

test_that("with more rows than init_sample, starts come from a subsample and reach the optimum", {
  set.seed(30)
  x <- cloud_data(2000, d = 3)
  sub <- gmm_control(init_sample = 300)
  set.seed(31)
  a <- gmm_fit(x, k = 1:4, control = sub)
  set.seed(31)
  b <- gmm_fit(x, k = 1:4, control = sub)
  expect_identical(a, b)
  expect_identical(length(a$weights), 3L)
  # The chosen start ran on all rows: the same optimum as starts on all rows.
  set.seed(31)
  full <- gmm_fit(x, k = 3, control = gmm_control(init_sample = 5000))
  expect_lt(rel_diff(a$loglik, full$loglik), 1e-6)
  expect_identical(a$n, 2000L)
})

test_that("on a subsample only the best start is carried on", {
  set.seed(34)
  x <- cloud_data(1200, d = 3)
  set.seed(35)
  a <- gmm_fit(x, k = 4, n_init = 6, control = serial_control(init_sample = 300, init_margin = 0))
  set.seed(35)
  b <- gmm_fit(x, k = 4, n_init = 6, control = serial_control(init_sample = 300, init_margin = 100))
  expect_identical(a$loglik, b$loglik)
  expect_identical(a$trace, b$trace)
})

test_that("init_sample that is not a whole number of at least 2 is an error naming it", {
  expect_error(gmm_control(init_sample = 1), "`init_sample` must be a single whole number of at least 2",
               class = "gmm_input_error")
  expect_error(gmm_control(init_iter = 0), "`init_iter` must be a single whole number of at least 1",
               class = "gmm_input_error")
  expect_error(gmm_control(init_margin = -1), "`init_margin` must be a single finite number of at least 0",
               class = "gmm_input_error")
})

test_that("a subsample smaller than ten rows per component is enlarged", {
  set.seed(32)
  x <- cloud_data(400, d = 2)
  set.seed(33)
  fit <- expect_silent(gmm_fit(x, k = 3, control = gmm_control(init_sample = 5)))
  expect_identical(length(fit$weights), 3L)
  expect_true(fit$converged)
})

test_that("a user start fixes k when `k` is not given", {
  set.seed(42)
  X <- rbind(matrix(rnorm(200), 100), matrix(rnorm(200, 5), 100))
  colnames(X) <- c("a", "b")
  start <- list(weights = c(0.5, 0.5), means = rbind(0:1, 5:6),
                covariances = array(diag(2), c(2, 2, 2)))
  fit <- gmm_fit(X, init = start)
  expect_length(fit$weights, 2L)
  expect_null(fit$search)
  # The same start given with its k gives the same fit.
  expect_equal(fit$loglik, gmm_fit(X, k = 2, init = start)$loglik)
  labels <- rep(1:3, length.out = nrow(X))
  by_labels <- gmm_fit(X, init = labels)
  expect_length(by_labels$weights, 3L)
})
