# Larger fits, run when GMMFIT_EXTENDED=true (continuous integration sets it).

skip_unless_extended <- function() {
  skip_if_not(identical(tolower(Sys.getenv("GMMFIT_EXTENDED")), "true"),
              "extended tests run with GMMFIT_EXTENDED=true")
}

test_that("a large fit gives the same log-likelihood on 1 and 2 threads", {
  skip_unless_extended()
  set.seed(201)
  x <- cloud_data(1e5, d = 6)
  for (type in c("full", "tied", "diag", "spherical")) {
    # tol = 0 runs exactly 30 iterations (and asks for no warning).
    set.seed(202)
    expect_silent(one <- gmm_fit(x, k = 4, covariance = type, n_init = 1,
                                 control = gmm_control(n_threads = 1, max_iter = 30, tol = 0)))
    set.seed(202)
    expect_silent(two <- gmm_fit(x, k = 4, covariance = type, n_init = 1,
                                 control = gmm_control(n_threads = 2, max_iter = 30, tol = 0)))
    expect_identical(two$n_iter, 30L)
    expect_lt(rel_diff(two$loglik, one$loglik), 1e-12)
    expect_equal(two$means, one$means, tolerance = 1e-12, info = type)
  }
})

test_that("parameters of a large simulated mixture are recovered closely", {
  skip_unless_extended()
  truth <- separated_mixture()
  sim <- simulate(truth, nsim = 1e5, seed = 203)
  set.seed(204)
  fit <- gmm_fit(sim[, 1:2], k = 3, n_init = 2)
  # Standard errors at n = 1e5 are below 0.01 for every parameter here.
  expect_equal(unname(fit$weights), unname(truth$weights), tolerance = 0.02)
  expect_equal(unname(fit$means), unname(truth$means), tolerance = 0.02)
  expect_equal(unname(fit$covariances), unname(truth$covariances), tolerance = 0.03)
  agree <- mean(fit$classification == sim$component)
  expect_gt(agree, 0.99)
})

test_that("on a larger sample the optimum equals mclust's from the same partition", {
  skip_unless_extended()
  skip_if_not_installed("mclust")
  set.seed(205)
  x <- cloud_data(3000, d = 4)
  labels <- kmeans(x, centers = 3, nstart = 2)$cluster
  for (model in setdiff(gmmfit:::model_table$mclust, "VVE")) {
    expect_same_optimum_as_mclust(x, labels, model)
  }
})

test_that("with full covariances, missing-data EM agrees with MGMM::FitGMM() from the same start", {
  skip_unless_extended()
  skip_if_not_installed("MGMM")
  # MGMM stops as soon as its objective fails to rise by `eps` (its weights
  # are updated from the new means and covariances, so that can happen
  # before convergence); these are cases where it runs to convergence.
  cases <- list(list(faithful, 2, 1), list(USArrests, 2, 1), list(trees, 2, 3), list(swiss, 2, 2))
  for (case in cases) {
    k <- case[[2]]
    set.seed(case[[3]])
    x <- with_holes(case[[1]], 0.1)
    start <- as_start(gmm_fit(x, k = k, na = "em"))
    fit <- gmm_fit(x, k = k, na = "em", init = start,
                   control = gmm_control(max_iter = 1000, tol = 1e-15, reg = 0, keep_order = TRUE))
    args <- list(x, k = k, init_means = lapply(seq_len(k), function(j) start$means[j, ]),
                 init_covs = lapply(seq_len(k), function(j) start$covariances[, , j]),
                 init_props = start$weights, eps = 1e-15, report = FALSE)
    mg <- suppressMessages(do.call(MGMM::FitGMM, c(args, maxit = 20000)))
    means <- do.call(rbind, mg@Means)
    covs <- simplify2array(mg@Covariances)
    ll <- sum(observed_logdens_ref(x, mg@Proportions, means, covs))
    expect_lt(rel_diff(fit$loglik, ll), 1e-6)
    expect_lt(max(abs(fit$means - means)) / max(abs(means)), 1e-6)
    expect_lt(max(abs(fit$covariances - covs)) / max(abs(covs)), 1e-6)
    expect_lt(max(abs(fit$weights - mg@Proportions)), 1e-6)
    # One step from the start: the same means and covariances (MGMM then
    # updates its weights from the new parameters, EM from the old ones).
    one <- gmm_fit(x, k = k, na = "em", init = start,
                   control = gmm_control(max_iter = 1, tol = 0, reg = 0, keep_order = TRUE))
    mg1 <- suppressMessages(do.call(MGMM::FitGMM, c(args, maxit = 1)))
    expect_equal(unname(one$means), unname(do.call(rbind, mg1@Means)), tolerance = 1e-12)
    expect_equal(unname(one$covariances), unname(simplify2array(mg1@Covariances)),
                 tolerance = 1e-12)
  }
})
