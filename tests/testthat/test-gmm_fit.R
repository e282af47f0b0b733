# Every model but VVE, whose M-step in mclust stops short of its maximum
# (see the VVE test below), so that the two EMs part ways.
mclust_parity_models <- setdiff(gmmfit:::model_table$mclust, "VVE")

test_that("from the Species partition of iris the optimum equals mclust's for every model", {
  skip_if_not_installed("mclust")
  for (model in mclust_parity_models) {
    expect_same_optimum_as_mclust(iris[, 1:4], iris$Species, model)
  }
})

test_that("from a k-means partition of faithful the optimum equals mclust's for every model", {
  skip_if_not_installed("mclust")
  set.seed(1)
  labels <- kmeans(faithful, centers = 3)$cluster
  for (model in mclust_parity_models) {
    expect_same_optimum_as_mclust(faithful, labels, model)
  }
})

test_that("VVE's M-step reaches at least mclust's, and its EM climbs to convergence", {
  skip_if_not_installed("mclust")
  for (x in list(iris[, 1:4], faithful, swiss)) {
    x <- as.matrix(x)
    set.seed(3)
    labels <- kmeans(scale(x), centers = 3, nstart = 5)$cluster
    z <- mclust::unmap(labels)
    # minus the expected complete-data log-likelihood, the M-step's objective
    objective <- function(sig) {
      sum(vapply(1:3, function(j) {
        w <- z[, j]
        xc <- sweep(x, 2, colSums(w * x) / sum(w))
        sum(w) * determinant(sig[, , j])$modulus +
          sum(diag(solve(sig[, , j], crossprod(xc * sqrt(w)))))
      }, numeric(1)))
    }
    ours <- gmmfit:::cpp_mstep(x, z, gmmfit:::covariance_code("VVE"), 0, 1L)
    ref <- call_mclust("mstepVVE", x, z = z)
    expect_lte(objective(ours$covariances),
               objective(ref$parameters$variance$sigma) + 1e-8 * abs(objective(ours$covariances)))
    fit <- gmm_fit(x, k = 3, covariance = "VVE", init = labels, n_init = 1,
                   control = tight_control())
    expect_true(fit$converged)
    expect_true(all(diff(fit$trace) > -1e-8 * abs(fit$loglik)))
  }
})

test_that("with six variables (swiss) the optimum equals mclust's for every model", {
  skip_if_not_installed("mclust")
  set.seed(2)
  labels <- kmeans(scale(swiss), centers = 3, nstart = 5)$cluster
  for (model in mclust_parity_models) {
    expect_same_optimum_as_mclust(swiss, labels, model)
  }
})

test_that("the best of 10 starts reaches mclust's optimum on iris with 3 full components", {
  skip_if_not_installed("mclust")
  ref <- call_mclust("Mclust", iris[, 1:4], G = 3, modelNames = "VVV", verbose = FALSE)$loglik
  set.seed(42)
  fit <- gmm_fit(iris[, 1:4], k = 3, covariance = "full", n_init = 10)
  # Not to 1e-6: Mclust stops at its default tolerance (1e-5), short of the
  # optimum that gmm_fit() iterates closer to.
  expect_lt(rel_diff(fit$loglik, ref), 1e-4)
})

test_that("with reg = 0 the log-likelihood trace never decreases", {
  cases <- list(
    list(x = iris[, 1:4], k = 4), list(x = faithful, k = 3),
    list(x = faithful$eruptions, k = 3),
    # Without `cyl` (three values): a diagonal component on cyl == 8 has an
    # exactly zero variance with reg = 0, which is an error, not a trace.
    list(x = scale(mtcars[, c("mpg", "disp", "hp", "drat", "wt")]), k = 2)
  )
  for (case in cases) for (cov in c("full", "tied", "diag", "spherical")) {
    set.seed(3)
    # Rounded data let a component shrink onto tied values here; that warning
    # is tested elsewhere, the trace is what matters.
    fit <- withCallingHandlers(
      gmm_fit(case$x, k = case$k, covariance = cov, init = "kmeans++", n_init = 1,
              control = serial_control(reg = 0, tol = 1e-8, max_iter = 2000)),
      gmm_degenerate_warning = function(w) invokeRestart("muffleWarning")
    )
    tr <- fit$trace
    expect_true(all(diff(tr) >= -1e-9 * abs(tr[-1])),
                info = paste(cov, ncol(as.matrix(case$x))))
  }
})

test_that("parameters are recovered from data simulated with known parameters", {
  truth <- separated_mixture()
  n <- 500
  sim <- simulate(truth, nsim = n, seed = 2024)
  set.seed(1)
  fit <- gmm_fit(sim[, c("x1", "x2")], k = 3, control = gmm_control(reg = 0, tol = 1e-8))
  # At this separation the labels are almost known, so the estimates behave
  # like complete-data estimates from n_j = n w_j points, with standard errors
  # sqrt(w (1 - w) / n) for a weight, sqrt(S_ii / n_j) for a mean and
  # sqrt((S_ii S_ll + S_il^2) / n_j) for a covariance entry. Every estimate
  # must lie within 4 of them (a chance failure among the 18 distinct
  # estimates has probability about 1e-3; the ML bias is O(1/n), negligible).
  w <- truth$weights
  expect_lt(max(abs(fit$weights - w) / sqrt(w * (1 - w) / n)), 4)
  for (j in 1:3) {
    s <- truth$covariances[, , j]
    nj <- n * w[j]
    expect_lt(max(abs(fit$means[j, ] - truth$means[j, ]) / sqrt(diag(s) / nj)), 4)
    se_cov <- sqrt((outer(diag(s), diag(s)) + s^2) / nj)
    expect_lt(max(abs(fit$covariances[, , j] - s) / se_cov), 4)
  }
  expect_gt(mean(fit$classification == sim$component), 0.99)
})

test_that("1 and 2 threads give identical fits on data spanning many row blocks", {
  set.seed(7)
  x <- cloud_data(3000, d = 3)
  for (cov in c("full", "tied", "diag", "spherical")) {
    set.seed(8)
    one <- gmm_fit(x, k = 3, covariance = cov, n_init = 1, n_threads = 1)
    set.seed(8)
    two <- gmm_fit(x, k = 3, covariance = cov, n_init = 1, n_threads = 2)
    expect_identical(one$loglik, two$loglik, info = cov)
    expect_identical(one$trace, two$trace, info = cov)
    expect_identical(one[c("weights", "means", "covariances", "posterior")],
                     two[c("weights", "means", "covariances", "posterior")], info = cov)
  }
})

test_that("components are labelled by decreasing weight", {
  set.seed(9)
  fits <- list(
    gmm_fit(iris[, 1:4], k = 3, covariance = "diag"),
    gmm_fit(faithful, k = 4, covariance = "spherical", n_init = 1),
    gmm_fit(faithful$waiting, k = 3)
  )
  for (fit in fits) {
    expect_true(all(diff(fit$weights) <= 0))
    expect_identical(names(fit$weights), as.character(seq_along(fit$weights)))
  }
})

test_that("relabelling the starting partition does not change the fit", {
  ctl <- gmm_control(reg = 0, tol = 1e-10)
  a <- gmm_fit(iris[, 1:4], k = 3, init = iris$Species, n_init = 1, control = ctl)
  relabelled <- c("c", "a", "b")[as.integer(iris$Species)]
  b <- gmm_fit(iris[, 1:4], k = 3, init = relabelled, n_init = 1, control = ctl)
  expect_equal(b[c("weights", "means", "covariances", "posterior", "loglik")],
               a[c("weights", "means", "covariances", "posterior", "loglik")],
               tolerance = 1e-10)
  expect_identical(b$classification, a$classification)
})

test_that("the fit has the documented parts, consistent with each other", {
  set.seed(10)
  fit <- gmm_fit(iris[, 1:4], k = 3)
  expect_s3_class(fit, "gmmfit")
  documented <- c("weights", "means", "covariances", "covariance", "loglik", "df",
                  "bic", "n", "n_iter", "converged", "trace", "posterior",
                  "classification", "data", "control", "call", "search")
  expect_true(all(documented %in% names(fit)))
  vars <- names(iris)[1:4]
  expect_identical(dimnames(fit$means), list(c("1", "2", "3"), vars))
  expect_identical(dim(fit$covariances), c(4L, 4L, 3L))
  expect_identical(dimnames(fit$covariances)[1:2], list(vars, vars))
  expect_equal(sum(fit$weights), 1, tolerance = 1e-12)
  expect_identical(fit$covariance, "full")
  expect_identical(fit$n, 150L)
  expect_identical(dim(fit$posterior), c(150L, 3L))
  expect_identical(dimnames(fit$posterior), list(NULL, c("1", "2", "3")))
  expect_equal(unname(rowSums(fit$posterior)), rep(1, 150), tolerance = 1e-12)
  expect_equal(unname(fit$posterior),
               posterior_ref(as.matrix(iris[, 1:4]), fit$weights, fit$means, fit$covariances),
               tolerance = 1e-10)
  expect_identical(unname(fit$classification), max.col(unname(fit$posterior), "first"))
  expect_identical(fit$n_iter, length(fit$trace))
  expect_identical(fit$loglik, fit$trace[length(fit$trace)])
  expect_identical(unname(fit$data), unname(as.matrix(iris[, 1:4])))
  expect_null(fit$search)
  expect_s3_class(fit$control, "gmm_control")
  expect_identical(fit$call[[1]], quote(gmm_fit))
})

test_that("the stored log-likelihood and posterior belong to the returned parameters", {
  set.seed(11)
  x <- as.matrix(faithful)
  for (cov in c("full", "tied", "diag", "spherical")) {
    fit <- gmm_fit(x, k = 3, covariance = cov, n_init = 1, control = gmm_control(tol = 1e-4))
    expect_equal(fit$loglik,
                 sum(mixture_logdens_ref(x, fit$weights, fit$means, fit$covariances)),
                 tolerance = 1e-10, info = cov)
    expect_equal(unname(fit$posterior),
                 posterior_ref(x, fit$weights, fit$means, fit$covariances),
                 tolerance = 1e-10, info = cov)
  }
})

test_that("the covariances follow the requested structure", {
  set.seed(12)
  x <- iris[, 1:4]
  off <- row(diag(4)) != col(diag(4))
  tied <- gmm_fit(x, k = 3, covariance = "tied")
  expect_equal(tied$covariances[, , 2], tied$covariances[, , 1])
  expect_equal(tied$covariances[, , 3], tied$covariances[, , 1])
  diagonal <- gmm_fit(x, k = 3, covariance = "diag")
  for (j in 1:3) expect_true(all(diagonal$covariances[, , j][off] == 0))
  spherical <- gmm_fit(x, k = 3, covariance = "VII")
  expect_identical(spherical$covariance, "spherical")
  for (j in 1:3) {
    s <- spherical$covariances[, , j]
    expect_true(all(s[off] == 0))
    expect_equal(unname(diag(s)), rep(s[1, 1], 4))
  }
})

test_that("a data frame, a matrix and a vector are all accepted", {
  set.seed(13)
  from_df <- gmm_fit(faithful, k = 2)
  set.seed(13)
  from_matrix <- gmm_fit(as.matrix(faithful), k = 2)
  from_df$call <- from_matrix$call <- NULL
  expect_identical(from_df, from_matrix)

  set.seed(14)
  one_d <- gmm_fit(faithful$eruptions, k = 2)
  expect_identical(dim(one_d$means), c(2L, 1L))
  expect_identical(colnames(one_d$means), "eruptions")
  set.seed(14)
  expect_identical(gmm_fit(faithful[["eruptions"]], k = 2)$vars, "eruptions")
  expect_identical(gmm_fit(faithful[[1]], k = 1)$vars, "x")
  expect_identical(dim(one_d$covariances), c(1L, 1L, 2L))
  sds <- sqrt(one_d$covariances[1, 1, ])
  ld <- log(one_d$weights[1] * dnorm(faithful$eruptions, one_d$means[1], sds[1]) +
              one_d$weights[2] * dnorm(faithful$eruptions, one_d$means[2], sds[2]))
  expect_equal(one_d$loglik, sum(ld), tolerance = 1e-10)
  # The mclust optimum from the same start, as for the multivariate case.
  skip_if_not_installed("mclust")
  labels <- ifelse(faithful$eruptions > 3, 1, 2)
  ref <- mclust::meV(faithful$eruptions, z = mclust::unmap(labels),
                     control = mclust::emControl(tol = c(1e-10, 1e-10)))
  fit <- gmm_fit(faithful$eruptions, k = 2, init = labels, n_init = 1, control = tight_control())
  expect_lt(rel_diff(fit$loglik, ref$loglik), 1e-6)
})

test_that("a fit whose component collapses names it and suggests a larger `reg`", {
  # Five identical points form their own group: zero variance without `reg`.
  x <- c(rep(0, 5), seq(3, 8, length.out = 50))
  labels <- rep(1:2, c(5, 50))
  expect_error(gmm_fit(x, k = 2, init = labels, n_init = 1, control = gmm_control(reg = 0)),
               "component 1 .*larger `reg`", class = "gmm_fit_error")
  # With `reg` the fit runs, and warns that the five points are tied.
  expect_warning(
    fit <- gmm_fit(x, k = 2, init = labels, n_init = 1, control = gmm_control(reg = 1e-2)),
    "Component 2 of the fitted mixture is flat", class = "gmm_degenerate_warning"
  )
  expect_true(fit$converged)
  expect_identical(fit$degenerate, 2L)
  # `reg` is relative: the variance of the five tied points is reg * var(x).
  expect_equal(fit$covariances[1, 1, 2], 1e-2 * var(x))
})

test_that("a search keeps degenerate candidates in its table and out of the choice", {
  # Petal widths of setosa are rounded to 0.1 and mostly 0.2: a component
  # can settle on them, and its inflated likelihood would win on BIC.
  set.seed(1)
  expect_no_warning(fit <- gmm_fit(iris[, 3:4], k = 1:9, covariance = c("full", "diag")))
  s <- fit$search
  expect_true(any(s$degenerate))
  expect_true(all(is.finite(s$bic[s$degenerate])))
  expect_true(any(s$bic[s$degenerate] < fit$bic))
  ok <- !s$degenerate & is.na(s$error)
  expect_identical(fit$bic, min(s$bic[ok]))
  expect_length(fit$degenerate, 0L)
  expect_identical(length(fit$weights), 3L)
  # Refitted alone from the same starts, a degenerate candidate warns and
  # has a component whose standardised variance is only what `reg` adds.
  worst <- which(s$degenerate)[1]
  set.seed(1)
  expect_warning(alone <- gmm_fit(iris[, 3:4], k = s$k[worst], covariance = s$covariance[worst]),
                 "(is|are) flat: in some direction", class = "gmm_degenerate_warning")
  flat <- alone$degenerate[1]
  sd_x <- apply(iris[, 3:4], 2, sd)
  cov_std <- alone$covariances[, , flat] / outer(sd_x, sd_x) - diag(1e-6, 2)
  expect_lt(min(eigen(cov_std)$values), 1e-8)
})

test_that("a search whose every candidate is degenerate says so", {
  # Three distinct values and at least four components: some component must
  # lie on a single value.
  x <- rep(c(1, 2, 3), each = 20)
  set.seed(3)
  expect_warning(fit <- gmm_fit(x, k = 4:5), "Every candidate of the search is degenerate",
                 class = "gmm_degenerate_warning")
  expect_true(all(fit$search$degenerate | !is.na(fit$search$error)))
  expect_true(length(fit$degenerate) >= 1L)
})

test_that("ordinary fits are not flagged as degenerate", {
  set.seed(2)
  fits <- list(gmm_fit(faithful, k = 2), gmm_fit(iris[, 1:4], k = 3, covariance = "diag"),
               gmm_fit(scale(mtcars[, 1:4]), k = 2, covariance = "spherical"))
  for (fit in fits) expect_length(fit$degenerate, 0L)
})

test_that("a fit where every start fails says so and is a gmm_fit_error", {
  # Only two distinct values: three groups cannot all be non-empty.
  x <- rep(c(1, 2), 50)
  set.seed(15)
  expect_error(gmm_fit(x, k = 3, init = "kmeans++", n_init = 2), "all 2 starts",
               class = "gmm_fit_error")
})

test_that("verbose reports every start and the iterations of a single fit", {
  messages <- character()
  set.seed(16)
  expect_output(
    withCallingHandlers(
      gmm_fit(faithful, k = 2, n_init = 2, verbose = TRUE),
      message = function(m) {
        messages <<- c(messages, conditionMessage(m))
        invokeRestart("muffleMessage")
      }
    ),
    "iteration +1 +log-likelihood"
  )
  expect_match(messages, "k = 2, full: 2 starts")
  expect_length(messages, 1L)
  expect_silent(gmm_fit(faithful, k = 2, n_init = 1))
})

test_that("update() refits with changed arguments, from the data the call names", {
  set.seed(1)
  fit <- gmm_fit(iris[, 3:4], k = 3)
  set.seed(2)
  two <- update(fit, k = 2, covariance = "diag")
  set.seed(2)
  direct <- gmm_fit(iris[, 3:4], k = 2, covariance = "diag")
  expect_equal(two$loglik, direct$loglik)
  expect_identical(two$covariance, "diag")
  g <- gmm_fit(~ Petal.Length + Petal.Width, data = iris, k = 2)
  expect_length(update(g, k = 3)$weights, 3L)
})
