# Missing values fitted by EM (na = "em") and case weights.

all_models <- function() gmmfit:::model_table$name

test_that("without missing values, na = \"em\" gives the same fit bit for bit", {
  for (data in list(iris[, 1:4], faithful, swiss)) {
    set.seed(11)
    a <- gmm_fit(data, k = 1:4, covariance = c("full", "diag", "VEV"), control = serial_control())
    set.seed(11)
    b <- gmm_fit(data, k = 1:4, covariance = c("full", "diag", "VEV"), control = serial_control(),
                 na = "em")
    a$call <- b$call <- NULL
    expect_identical(a, b)
  }
})

test_that("the log-likelihood is the observed-data log-likelihood, for every model", {
  set.seed(12)
  x <- with_holes(iris[, 1:4], 0.15)
  for (cov in all_models()) {
    fit <- gmm_fit(x, k = 3, covariance = cov, na = "em", n_init = 2,
                   control = serial_control())
    expect_lt(rel_diff(fit$loglik, observed_loglik_ref(fit)), 1e-10)
    expect_equal(unname(fit$posterior),
                 observed_posterior_ref(x, fit$weights, fit$means, fit$covariances),
                 tolerance = 1e-8, info = cov)
  }
})

test_that("EM on incomplete data never decreases the log-likelihood, for every model", {
  set.seed(13)
  x <- with_holes(swiss, 0.2)
  for (cov in all_models()) {
    # (A component may end on a single row: a degenerate fit, still an EM run.)
    fit <- suppressWarnings(
      gmm_fit(x, k = 3, covariance = cov, na = "em", n_init = 1, init = "kmeans++",
              control = serial_control(max_iter = 100, tol = 0)),
      classes = "gmm_degenerate_warning")
    expect_true(all(diff(fit$trace) >= -1e-9 * abs(fit$loglik)), info = cov)
    expect_lt(rel_diff(fit$loglik, observed_loglik_ref(fit)), 1e-10)
  }
})

test_that("df and BIC count the rows; the fit says how many values were missing", {
  set.seed(14)
  x <- with_holes(faithful, 0.1)
  fit <- gmm_fit(x, k = 2, na = "em")
  expect_identical(fit$n, nrow(x))
  expect_identical(fit$n_missing, sum(is.na(x)))
  expect_equal(fit$bic, -2 * fit$loglik + fit$df * log(nrow(x)))
  expect_equal(stats::BIC(fit), fit$bic)
  expect_identical(nobs(fit), nrow(x))
  expect_identical(dim(fit$posterior), c(nrow(x), 2L))
  expect_identical(fit$data, x)
  expect_output(print(fit), sprintf("%d missing values", sum(is.na(x))))
})

test_that("one step from given parameters is the EM step written out in R", {
  # E-step: posteriors from the observed parts; M-step: the completed rows'
  # moments plus the conditional covariances (Ghahramani and Jordan 1994).
  set.seed(15)
  x <- with_holes(iris[, 1:4], 0.2)
  start <- as_start(gmm_fit(iris[, 1:4], k = 2, control = serial_control()))
  fit <- gmm_fit(x, k = 2, init = start, na = "em",
                 control = serial_control(max_iter = 1, tol = 0, reg = 0, keep_order = TRUE))
  z <- observed_posterior_ref(x, start$weights, start$means, start$covariances)
  for (j in 1:2) {
    s <- start$covariances[, , j]
    mu <- start$means[j, ]
    xhat <- x
    extra <- matrix(0, 4, 4)
    for (i in seq_len(nrow(x))) {
      m <- is.na(x[i, ])
      if (!any(m)) next
      o <- !m
      b <- s[m, o, drop = FALSE] %*% solve(s[o, o, drop = FALSE])
      xhat[i, m] <- mu[m] + b %*% (x[i, o] - mu[o])
      extra[m, m] <- extra[m, m] + z[i, j] * (s[m, m, drop = FALSE] - b %*% s[o, m, drop = FALSE])
    }
    nj <- sum(z[, j])
    mean_j <- colSums(z[, j] * xhat) / nj
    dev <- sweep(xhat, 2L, mean_j)
    cov_j <- (crossprod(dev * z[, j], dev) + extra) / nj
    expect_equal(unname(fit$means[j, ]), unname(mean_j), tolerance = 1e-12)
    expect_equal(unname(fit$covariances[, , j]), unname(cov_j), tolerance = 1e-12)
    expect_equal(unname(fit$weights[j]), nj / nrow(x), tolerance = 1e-12)
  }
})

test_that("with 20% missing, the estimates are closer to the truth than a complete-case fit", {
  truth <- gmm_mixture(weights = c(0.6, 0.4),
                       means = rbind(c(0, 0, 0), c(3, 2, -1)),
                       covariances = list(matrix(c(1, 0.6, 0.3, 0.6, 1, 0.5, 0.3, 0.5, 1), 3),
                                          diag(c(1, 0.5, 2))))
  err <- function(fit) {
    idx <- match_components(fit$means, truth$means)
    sum((fit$means - truth$means[idx, ])^2) + sum((fit$covariances - truth$covariances[, , idx])^2) +
      sum((fit$weights - truth$weights[idx])^2)
  }
  set.seed(16)
  errors <- replicate(20, {
    x <- as.matrix(simulate(truth, nsim = 200)[, 1:3])
    h <- with_holes(x, 0.2)
    full <- gmm_fit(h, k = 2, na = "em", control = serial_control())
    cc <- gmm_fit(h, k = 2, na = "omit", control = serial_control())
    c(em = err(full), complete_cases = err(cc))
  })
  means <- rowMeans(errors)
  expect_lt(means[["em"]], means[["complete_cases"]])
  # and not by chance: in most of the repetitions
  expect_gt(mean(errors["em", ] < errors["complete_cases", ]), 0.5)
})

test_that("every starting method works with missing values, and 1 and 2 threads agree", {
  set.seed(17)
  x <- with_holes(quakes[, 1:4], 0.1)
  for (init in c("hc", "kmeans++", "random", "random_from_data")) {
    set.seed(18)
    one <- gmm_fit(x, k = 3, init = init, n_init = 2, na = "em", control = gmm_control(n_threads = 1))
    set.seed(18)
    two <- gmm_fit(x, k = 3, init = init, n_init = 2, na = "em", control = gmm_control(n_threads = 2))
    expect_identical(one$loglik, two$loglik, info = init)
    expect_identical(one$classification, two$classification)
    expect_lt(rel_diff(one$loglik, observed_loglik_ref(one)), 1e-10)
  }
})

test_that("a search with missing values chooses by BIC over rows", {
  set.seed(19)
  x <- with_holes(faithful, 0.1)
  fit <- gmm_fit(x, k = 1:4, covariance = c("full", "tied", "diag"), na = "em")
  s <- fit$search
  expect_equal(s$bic, -2 * s$loglik + s$df * log(nrow(x)))
  expect_identical(fit$bic, min(s$bic[!s$degenerate]))
  expect_identical(length(fit$weights), 3L)
})

test_that("predict() uses the observed values of rows with NA", {
  set.seed(20)
  fit <- gmm_fit(iris[, 1:4], k = 3, control = serial_control())
  x <- with_holes(iris[, 1:4], 0.3)
  dens <- predict(fit, x, type = "density", log = TRUE)
  expect_equal(unname(dens), observed_logdens_ref(x, fit$weights, fit$means, fit$covariances),
               tolerance = 1e-10)
  post <- predict(fit, x, type = "prob")
  expect_equal(unname(post), observed_posterior_ref(x, fit$weights, fit$means, fit$covariances),
               tolerance = 1e-10)
  expect_identical(unname(predict(fit, x)), max.col(post, ties.method = "first"))
  # complete rows are predicted as before
  ok <- stats::complete.cases(x)
  expect_identical(unname(predict(fit, x)[ok]), unname(predict(fit, iris[ok, 1:4])))
  expect_equal(as.numeric(logLik(fit, newdata = x)), sum(dens))
})

test_that("type = \"impute\" fills each NA with its conditional mean, mixed by the posterior", {
  set.seed(21)
  fit <- gmm_fit(iris[, 1:4], k = 2, control = serial_control())
  x <- with_holes(iris[1:40, 1:4], 0.3)
  filled <- predict(fit, x, type = "impute")
  z <- observed_posterior_ref(x, fit$weights, fit$means, fit$covariances)
  expect_identical(filled[!is.na(x)], x[!is.na(x)])
  expect_false(anyNA(filled))
  for (i in which(!stats::complete.cases(x))) {
    m <- is.na(x[i, ])
    o <- !m
    cond <- vapply(1:2, function(j) {
      s <- fit$covariances[, , j]
      fit$means[j, m] + s[m, o, drop = FALSE] %*% solve(s[o, o], x[i, o] - fit$means[j, o])
    }, numeric(sum(m)))
    expect_equal(unname(filled[i, m]), drop(matrix(cond, sum(m)) %*% z[i, ]), tolerance = 1e-10)
  }
  # the training data: fitted() fills the fit's own holes
  h <- with_holes(iris[, 1:4], 0.1)
  fh <- gmm_fit(h, k = 3, na = "em")
  expect_false(anyNA(fitted(fh, type = "impute")))
  expect_identical(fitted(fh, type = "impute")[!is.na(h)], h[!is.na(h)])
})

test_that("missing values are a clear error unless asked for", {
  x <- as.matrix(faithful)
  x[5, 2] <- NA
  expect_error(gmm_fit(x, k = 2), "row 5, column 'waiting'.*na = \"em\"", class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 2, na = "em", na.action = na.omit), "either `na` or `na.action`",
               class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 2, na = "sometimes"), "`na` must be one of", class = "gmm_input_error")
  x[7, ] <- NA
  expect_error(gmm_fit(x, k = 2, na = "em"), "every value missing \\(row 7\\)",
               class = "gmm_input_error")
  y <- as.matrix(iris[, 1:4])
  y[-1, 3] <- NA
  expect_error(gmm_fit(y, k = 2, na = "em"), "'Petal.Length' with fewer than two distinct observed",
               class = "gmm_input_error")
  y <- as.matrix(iris[, 1:4])
  y[3, 1] <- Inf
  expect_error(gmm_fit(y, k = 2, na = "em"), "1 infinite value.*row 3", class = "gmm_input_error")
  fit <- gmm_fit(faithful, k = 2)
  expect_error(predict(fit, matrix(NA_real_, 1, 2, dimnames = list(NULL, names(faithful)))),
               "every value missing", class = "gmm_input_error")
})

test_that("na = \"omit\" is na.omit()", {
  x <- as.matrix(faithful)
  x[c(3, 9), 1] <- NA
  set.seed(22)
  a <- gmm_fit(x, k = 2, na = "omit")
  set.seed(22)
  b <- gmm_fit(x, k = 2, na.action = na.omit)
  expect_identical(a$loglik, b$loglik)
  expect_identical(a$na.action, b$na.action)
  expect_identical(a$n, nrow(x) - 2L)
})

# ---- case weights ------------------------------------------------------------

test_that("whole case weights give the fit of the rows repeated, for every model", {
  x <- as.matrix(iris[, 1:4])
  w <- rep(c(1, 3, 2), length.out = 150)
  lab <- as.integer(iris$Species)
  for (cov in all_models()) {
    a <- gmm_fit(x, k = 3, init = lab, covariance = cov, case_weights = w,
                 control = serial_control())
    b <- gmm_fit(x[rep(1:150, w), ], k = 3, init = rep(lab, w), covariance = cov,
                 control = serial_control())
    expect_lt(rel_diff(a$loglik, b$loglik), 1e-10)
    expect_equal(a$means, b$means, tolerance = 1e-10, info = cov)
    expect_equal(a$covariances, b$covariances, tolerance = 1e-10, info = cov)
    expect_equal(a$bic, b$bic, tolerance = 1e-10)
    expect_identical(a$n, sum(w))
    expect_identical(a$n_iter, b$n_iter)
  }
})

test_that("whole case weights and repeated rows give the same k-means++ start", {
  x <- as.matrix(faithful)
  w <- rep(c(2, 1, 1, 3), length.out = nrow(x))
  set.seed(23)
  a <- gmm_fit(x, k = 3, init = "kmeans++", n_init = 1, case_weights = w,
               control = serial_control())
  set.seed(23)
  b <- gmm_fit(x[rep(seq_len(nrow(x)), w), ], k = 3, init = "kmeans++", n_init = 1,
               control = serial_control())
  expect_lt(rel_diff(a$loglik, b$loglik), 1e-10)
  expect_equal(a$means, b$means, tolerance = 1e-10)
})

test_that("weights of zero leave rows out, which are still classified", {
  x <- as.matrix(faithful)
  keep <- rep(c(TRUE, TRUE, FALSE), length.out = nrow(x))
  lab <- as.integer(x[, 1] > 3) + 1L
  a <- gmm_fit(x, k = 2, init = lab, case_weights = as.numeric(keep), control = serial_control())
  b <- gmm_fit(x[keep, ], k = 2, init = lab[keep], control = serial_control())
  expect_lt(rel_diff(a$loglik, b$loglik), 1e-10)
  expect_equal(a$means, b$means, tolerance = 1e-10)
  expect_identical(a$n, sum(keep) * 1)
  expect_identical(nrow(a$posterior), nrow(x))
  expect_identical(a$classification[!keep], predict(b, x[!keep, ]))
})

test_that("case weights and missing values work together", {
  set.seed(24)
  x <- with_holes(iris[, 1:4], 0.1)
  w <- rep(c(1, 2), length.out = 150)
  lab <- as.integer(iris$Species)
  a <- gmm_fit(x, k = 3, init = lab, na = "em", case_weights = w, control = serial_control())
  b <- gmm_fit(x[rep(1:150, w), ], k = 3, init = rep(lab, w), na = "em", control = serial_control())
  expect_lt(rel_diff(a$loglik, b$loglik), 1e-10)
  expect_equal(a$means, b$means, tolerance = 1e-8)
  ref <- sum(w * observed_logdens_ref(x, a$weights, a$means, a$covariances))
  expect_lt(rel_diff(a$loglik, ref), 1e-10)
})

test_that("every starting method and a search work with case weights", {
  set.seed(25)
  w <- stats::runif(nrow(faithful), 0.5, 2)
  for (init in c("hc", "kmeans++", "random", "random_from_data")) {
    fit <- gmm_fit(faithful, k = 2, init = init, n_init = 2, case_weights = w)
    ref <- sum(w * mixture_logdens_ref(as.matrix(faithful), fit$weights, fit$means,
                                       fit$covariances))
    expect_lt(rel_diff(fit$loglik, ref), 1e-10)
    expect_equal(fit$n, sum(w))
    expect_equal(fit$bic, -2 * fit$loglik + fit$df * log(sum(w)))
  }
  s <- gmm_fit(faithful, k = 1:3, covariance = c("full", "tied"), case_weights = w)
  expect_equal(s$search$bic, -2 * s$search$loglik + s$search$df * log(sum(w)))
  expect_output(print(s), "272 rows with case weights summing to")
})

test_that("case weights are checked", {
  x <- faithful
  expect_error(gmm_fit(x, k = 2, case_weights = 1:3), "one value per row of the data \\(272\\), not 3",
               class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 2, case_weights = c(-1, rep(1, 271))), "must not be negative; row 1",
               class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 2, case_weights = c(1, NA, rep(1, 270))), "finite.*row 2",
               class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 2, case_weights = rep(0, 272)), "all zero",
               class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 2, case_weights = "a"), "numeric vector",
               class = "gmm_input_error")
  expect_error(gmm_fit(x, k = 4, case_weights = c(1, 1, 1, rep(0, 269))),
               "at most the number of rows with a positive case weight \\(3\\)",
               class = "gmm_input_error")
  # with rows left out by na.action, the weights of those rows go too
  y <- airquality[, 1:4]
  w <- seq_len(nrow(y))
  fit <- gmm_fit(y, k = 2, na = "omit", case_weights = w)
  expect_equal(fit$n, sum(w[stats::complete.cases(y)]))
})

test_that("a prior, and starts on a subsample, work with missing values and weights", {
  set.seed(26)
  x <- with_holes(iris[, 1:4], 0.1)
  fit <- gmm_fit(x, k = 3, na = "em", prior = TRUE, control = serial_control())
  expect_true(all(diff(fit$trace) >= -1e-9 * abs(fit$loglik)))
  expect_lt(rel_diff(fit$loglik, observed_loglik_ref(fit)), 1e-10)
  # more rows than init_sample: starts and short runs on a subsample with
  # its missing values filled in, then EM on every row
  y <- with_holes(cloud_data(600, d = 3), 0.15)
  w <- stats::runif(600, 0.5, 2)
  big <- gmm_fit(y, k = 3, na = "em", case_weights = w,
                 control = serial_control(init_sample = 100L))
  expect_lt(rel_diff(big$loglik, sum(w * observed_logdens_ref(y, big$weights, big$means,
                                                             big$covariances))), 1e-10)
  expect_true(big$converged)
})
