# The conjugate prior (R/prior.R, src/gmmcore/prior.h).

# The models mclust gives a prior, and those gmmfit derives one for.
mclust_prior_models <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV")
derived_prior_models <- c("VEE", "EVE", "VVE", "EVV")

test_that("gmm_prior() refuses bad settings, naming them", {
  expect_error(gmm_prior(shrinkage = -1), "`shrinkage`", class = "gmm_input_error")
  expect_error(gmm_prior(mean = "a"), "`mean`", class = "gmm_input_error")
  expect_error(gmm_prior(mean = c(1, NA)), "`mean`", class = "gmm_input_error")
  expect_error(gmm_prior(dof = 0), "`dof`", class = "gmm_input_error")
  expect_error(gmm_prior(scale = -1), "`scale`", class = "gmm_input_error")
  expect_error(gmm_prior(scale = matrix(c(1, 2, 2, 1), 2)), "`scale`", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, prior = "yes"), "`prior`", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, prior = gmm_prior(mean = 1:3)), "`mean` has 3 values",
               class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, prior = gmm_prior(mean = c(a = 1, b = 2))),
               "no value for 'eruptions'", class = "gmm_input_error")
  expect_error(gmm_fit(faithful, k = 2, prior = gmm_prior(scale = diag(3))), "3 x 3",
               class = "gmm_input_error")
  expect_error(gmm_fit(iris[, 1:4], k = 2, prior = gmm_prior(dof = 2)), "more than",
               class = "gmm_input_error")
  edited <- gmm_prior()
  edited$shrinkage <- NULL
  expect_error(gmm_fit(faithful, k = 2, prior = edited), "`shrinkage`", class = "gmm_input_error")
  expect_output(print(gmm_prior()), "column means of the data")
})

test_that("the default hyperparameters are mclust's defaultPrior()", {
  skip_if_not_installed("mclust")
  x <- as.matrix(iris[, 1:4])
  for (k in 1:3) {
    ours <- gmmfit:::prior_values(gmm_prior(), x, k)
    full <- mclust::defaultPrior(x, k, "VVV")
    expect_equal(unname(ours$mean), unname(full$mean))
    expect_equal(ours$dof, full$dof)
    expect_equal(ours$shrinkage, full$shrinkage)
    expect_equal(unname(ours$scale), unname(full$scale))
    # the diagonal models' scalar scale is the mean of the diagonal
    expect_equal(mean(diag(ours$scale)), mclust::defaultPrior(x, k, "VVI")$scale)
  }
  # no more rows than variables: the diagonal of the covariance
  small <- x[1:3, ]
  expect_equal(unname(gmmfit:::prior_values(gmm_prior(), small, 2)$scale),
               unname(mclust::defaultPrior(small, 2, "VVV")$scale))
  # one variable: mclust's E and V
  v <- faithful$waiting
  one <- gmmfit:::prior_values(gmm_prior(), matrix(v, dimnames = list(NULL, "w")), 3)
  expect_equal(c(one$scale), mclust::defaultPrior(v, 3, "V")$scale)
  expect_equal(one$dof, mclust::defaultPrior(v, 3, "V")$dof)
})

# One MAP M-step from responsibilities z by the formulas of ?gmm_prior,
# written out for the models with closed forms.
map_mstep_reference <- function(x, z, model, pr) {
  d <- ncol(x)
  k <- ncol(z)
  nu <- pr$dof
  s <- as.numeric(pr$shrinkage > 0)
  sigma <- sum(diag(pr$scale)) / d
  n <- colSums(z)
  xbar <- t(z) %*% x / n
  means <- (n * xbar + pr$shrinkage * matrix(pr$mean, k, d, byrow = TRUE)) / (n + pr$shrinkage)
  B <- lapply(seq_len(k), function(j) {
    xc <- sweep(x, 2, xbar[j, ])
    dev <- xbar[j, ] - pr$mean
    crossprod(xc * sqrt(z[, j])) + pr$shrinkage * n[j] / (n[j] + pr$shrinkage) * tcrossprod(dev)
  })
  covs <- switch(model,
    VVV = lapply(seq_len(k), function(j) (B[[j]] + pr$scale) / (n[j] + nu + d + 1 + s)),
    EEE = {
      S <- (Reduce(`+`, B) + pr$scale) / (sum(n) + nu + d + 1 + k * s)
      rep(list(S), k)
    },
    VVI = lapply(seq_len(k), function(j) diag(diag(B[[j]]) + sigma) / (n[j] + nu + 2 + s)),
    EEI = {
      S <- diag(diag(Reduce(`+`, B)) + sigma) / (sum(n) + nu + 1 + s)
      rep(list(S), k)
    },
    VII = lapply(seq_len(k), function(j) {
      diag((sum(diag(B[[j]])) + sigma) / (d * n[j] + nu + 2 + d * s), d)
    }),
    EII = rep(list(diag(sum(vapply(B, function(b) sum(diag(b)), 0)) /
                          (d * sum(n) + nu + 2 + d * k * s), d)), k),
    EVV = {
      # (VVV's share, restricted to the model: lambda C_j, |C_j| = 1)
      Bp <- lapply(B, function(b) b + pr$scale)
      roots <- vapply(Bp, function(b) det(b)^(1 / d), 0)
      lambda <- sum(roots) / sum(n + nu + d + 1 + s)
      lapply(seq_len(k), function(j) lambda * Bp[[j]] / roots[j])
    })
  list(means = means, covariances = array(unlist(covs), c(d, d, k)), weights = n / sum(n))
}

test_that("the MAP M-step follows the documented formulas", {
  for (x in list(as.matrix(iris[, 1:4]), as.matrix(faithful))) {
    set.seed(5)
    z <- matrix(stats::rexp(nrow(x) * 3), ncol = 3)
    z <- z / rowSums(z)
    pr <- gmmfit:::prior_values(gmm_prior(), x, 3)
    codes <- stats::setNames(gmmfit:::model_table$code, gmmfit:::model_table$mclust)
    for (model in c("VVV", "EEE", "VVI", "EEI", "VII", "EII", "EVV")) {
      ours <- gmmfit:::cpp_mstep(x, z, codes[[model]], 0, 1L, -1L, pr)
      ref <- map_mstep_reference(x, z, model, pr)
      expect_equal(ours$means, unname(ref$means), tolerance = 1e-12, info = model)
      expect_equal(ours$covariances, ref$covariances, tolerance = 1e-12, info = model)
      expect_equal(ours$weights, ref$weights, tolerance = 1e-14, info = model)
    }
  }
})

test_that("with the prior, EM from the same partition reaches mclust's MAP for every model it has", {
  skip_if_not_installed("mclust")
  set.seed(1)
  faithful_labels <- kmeans(faithful, centers = 3)$cluster
  set.seed(2)
  swiss_labels <- kmeans(scale(swiss), centers = 3, nstart = 5)$cluster
  cases <- list(list(iris[, 1:4], iris$Species), list(faithful, faithful_labels),
                list(swiss, swiss_labels))
  for (case in cases) {
    for (model in setdiff(mclust_prior_models, "EEI")) {
      expect_same_optimum_as_mclust(case[[1]], case[[2]], model, prior = TRUE)
    }
    # mclust's EEI does not shrink its means towards the prior mean; gmmfit
    # does (see ?gmm_prior), which moves the optimum by about shrinkage / n_j.
    expect_same_optimum_as_mclust(case[[1]], case[[2]], "EEI", prior = TRUE, tol = 1e-4)
  }
})

test_that("one variable with the prior gives mclust's E and V", {
  skip_if_not_installed("mclust")
  v <- faithful$waiting
  labels <- ifelse(v > 68, 2L, 1L)
  for (model in c("EII", "EEE", "EVV")) {
    expect_same_optimum_as_mclust_1d(v, labels, model, "E")
  }
  for (model in c("VII", "VVV", "VEV")) {
    expect_same_optimum_as_mclust_1d(v, labels, model, "V")
  }
})

# The log-prior of ?gmm_prior at a fit's estimates, from the hyperparameters
# (VVV's share: the derived models').
log_prior_vvv <- function(fit) {
  pr <- fit$prior
  d <- ncol(fit$means)
  sum(vapply(seq_along(fit$weights), function(j) {
    S <- fit$covariances[, , j]
    dev <- fit$means[j, ] - pr$mean
    -0.5 * ((pr$dof + d + 2) * determinant(S)$modulus + sum(diag(solve(S, pr$scale))) +
              pr$shrinkage * sum(dev * solve(S, dev)))
  }, numeric(1)))
}

test_that("for the models mclust has no prior for, EM climbs the log-posterior", {
  for (x in list(iris[, 1:4], faithful, swiss)) {
    set.seed(3)
    labels <- kmeans(scale(x), centers = 3, nstart = 5)$cluster
    for (model in derived_prior_models) {
      fit <- gmm_fit(x, k = 3, covariance = model, init = labels, prior = TRUE,
                     control = tight_control())
      expect_true(fit$converged, info = model)
      expect_true(all(diff(fit$trace) > -1e-10 * abs(fit$trace[-1])), info = model)
      expect_equal(fit$log_prior, log_prior_vvv(fit), tolerance = 1e-10, info = model)
      expect_equal(fit$trace[length(fit$trace)], fit$loglik + fit$log_prior,
                   tolerance = 1e-12, info = model)
      expect_equal(fit$loglik, sum(log(predict(fit, x, type = "density"))), tolerance = 1e-10)
      expect_equal(fit$bic, -2 * fit$loglik + fit$df * log(nrow(x)))
    }
  }
})

test_that("the derived priors' MAP estimates cannot be improved by a general optimiser", {
  # A small problem: 2 variables, 2 components, the log-posterior as a
  # function of every free parameter of the model.
  set.seed(7)
  x <- rbind(matrix(rnorm(60, sd = 0.7), 30) %*% matrix(c(1, 0.6, 0, 1), 2),
             sweep(matrix(rnorm(50), 25) %*% matrix(c(1, -0.3, 0, 0.5), 2), 2, c(3, 1), "+"))
  colnames(x) <- c("a", "b")
  k <- 2L
  rot <- function(t) matrix(c(cos(t), sin(t), -sin(t), cos(t)), 2)
  # covariances from the model's parameters: log volumes, log shapes
  # (a diag(e^a, e^-a) of determinant 1) and angles, or Cholesky factors
  unit <- function(m) m / sqrt(det(m))
  chol_of <- function(th) unit(tcrossprod(matrix(c(exp(th[1]), th[2], 0, exp(th[3])), 2)))
  covs <- list(
    VEE = function(th) lapply(1:2, function(j) exp(th[j]) * chol_of(th[3:5])),
    EVV = function(th) lapply(1:2, function(j) exp(th[1]) * chol_of(th[1 + 3 * (j - 1) + 1:3])),
    EVE = function(th) lapply(1:2, function(j) {
      exp(th[1]) * rot(th[2]) %*% diag(exp(c(th[2 + j], -th[2 + j]))) %*% t(rot(th[2]))
    }),
    VVE = function(th) lapply(1:2, function(j) {
      rot(th[1]) %*% diag(exp(th[1 + 2 * (j - 1) + 1:2])) %*% t(rot(th[1]))
    }))
  n_cov <- c(VEE = 5, EVV = 7, EVE = 4, VVE = 5)
  for (model in names(covs)) {
    fit <- gmm_fit(x, k = k, covariance = model, prior = TRUE, control = tight_control())
    pr <- fit$prior
    log_post <- function(th) {
      w <- c(stats::plogis(th[1]), 1 - stats::plogis(th[1]))
      mu <- matrix(th[2:5], k)
      S <- covs[[model]](th[-(1:5)])
      dens <- vapply(1:k, function(j) {
        w[j] * exp(-0.5 * mahalanobis(x, mu[j, ], S[[j]]) - 0.5 * determinant(2 * pi * S[[j]])$modulus)
      }, numeric(nrow(x)))
      prior <- sum(vapply(1:k, function(j) {
        dev <- mu[j, ] - pr$mean
        -0.5 * ((pr$dof + 2 + 2) * determinant(S[[j]])$modulus + sum(diag(solve(S[[j]], pr$scale))) +
                  pr$shrinkage * sum(dev * solve(S[[j]], dev)))
      }, numeric(1)))
      sum(log(rowSums(dens))) + prior
    }
    f <- function(th) {
      v <- tryCatch(suppressWarnings(-log_post(th)), error = function(e) Inf)
      if (is.finite(v)) v else 1e10
    }
    ours <- fit$loglik + fit$log_prior
    best <- -min(vapply(1:8, function(r) {
      start <- c(0, as.vector(fit$means) + stats::rnorm(4, sd = 0.3), stats::rnorm(n_cov[[model]], sd = 0.5))
      stats::optim(start, f, method = "BFGS", control = list(reltol = 1e-14, maxit = 10000))$value
    }, numeric(1)))
    # the optimiser reaches our estimates' log-posterior, and no higher
    expect_gte(ours, best - 1e-9 * abs(ours))
    expect_equal(ours, best, tolerance = 1e-8, info = model)
    # and the direct formula of the log-posterior at our estimates is ours
    expect_equal(fit$log_prior, log_prior_vvv(fit), tolerance = 1e-10, info = model)
  }
})

test_that("a search with the prior chooses what Mclust chooses with its prior", {
  skip_if_not_installed("mclust")
  cases <- list(iris = iris[, 1:4], faithful = faithful, swiss = swiss, trees = trees)
  for (name in names(cases)) {
    x <- cases[[name]]
    set.seed(1)
    fit <- suppressWarnings(gmm_fit(x, covariance = "all", prior = TRUE))
    ref <- suppressWarnings(
      call_mclust("Mclust", x, G = 1:9, prior = mclust::priorControl(), verbose = FALSE))
    expect_equal(gmmfit:::model_rows(fit$covariance)$mclust, ref$modelName, info = name)
    expect_equal(length(fit$weights), ref$G, info = name)
    # (both stop EM at a relative change of 1e-5 or so: BICs agree to that)
    expect_lte(fit$bic, -ref$bic + 1e-5 * abs(ref$bic))
    expect_length(fit$degenerate, 0)
  }
})

test_that("the prior keeps components off tied values and is reported", {
  set.seed(1)
  plain <- suppressWarnings(gmm_fit(swiss, k = 7, covariance = "full"))
  expect_gt(length(plain$degenerate), 0)
  set.seed(1)
  map <- gmm_fit(swiss, k = 7, covariance = "full", prior = TRUE)
  expect_length(map$degenerate, 0)
  expect_output(print(map), "MAP estimates under a conjugate prior")
  expect_equal(map$prior$dof, ncol(swiss) + 2)
  expect_null(plain$prior)
  # update() keeps it; equal weights combine with it
  expect_false(is.null(update(map, k = 2)$prior))
  eq <- gmm_fit(faithful, k = 2, prior = TRUE, equal_weights = TRUE)
  expect_equal(unname(eq$weights), c(0.5, 0.5))
})
