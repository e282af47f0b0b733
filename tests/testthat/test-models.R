# The table of covariance models (R/models.R) against the engine's
# (src/gmmcore/structures.h), mclust's parameter counts and the direct
# formulas of each model's projection.

models <- gmmfit:::model_table

test_that("R's model table and the engine's agree, code by code", {
  engine <- gmmfit:::cpp_models()
  expect_identical(engine$code, 0:(nrow(engine) - 1L))
  expect_identical(sort(models$code), engine$code)
  rows <- match(engine$code, models$code)
  expect_identical(models$mclust[rows], engine$name)
  expect_identical(models$diagonal[rows], engine$diagonal)
  expect_identical(models$spherical[rows], engine$spherical)
  expect_identical(models$shared[rows], engine$shared)
  # Every name, mclust name or scikit-learn name means one model.
  syn <- gmmfit:::model_synonyms()
  expect_identical(anyDuplicated(models$name), 0L)
  expect_identical(anyDuplicated(models$mclust), 0L)
  expect_identical(unname(syn[models$mclust]), models$name)
  expect_identical(unname(syn[models$name]), models$name)
})

test_that("every name of the table is accepted for `covariance`, and nothing else", {
  for (i in seq_len(nrow(models))) {
    for (nm in stats::na.omit(c(models$name[i], models$mclust[i], models$sklearn[i]))) {
      expect_identical(gmmfit:::check_covariance(nm), models$name[i])
    }
  }
  expect_identical(gmmfit:::check_covariance(c("VVV", "full", "EEE")), c("full", "tied"))
  err <- expect_error(gmm_fit(faithful, k = 2, covariance = "XYZ"), class = "gmm_input_error")
  for (nm in c(models$name, models$mclust)) expect_match(conditionMessage(err), nm, fixed = TRUE)
})

test_that("covariance = \"all\" searches every model and chooses what Mclust chooses on iris", {
  expect_setequal(gmmfit:::check_covariance("all"), models$name)
  expect_identical(gmmfit:::check_covariance(c("full", "all")), gmmfit:::check_covariance("all"))
  skip_if_not_installed("mclust")
  set.seed(1)
  fit <- gmm_fit(iris[, 1:4], k = 1:9, covariance = "all")
  expect_identical(nrow(fit$search), 9L * nrow(models))
  ref <- call_mclust("Mclust", iris[, 1:4], G = 1:9, modelNames = models$mclust, verbose = FALSE)
  expect_identical(models$mclust[models$name == fit$covariance], ref$modelName)
  expect_identical(length(fit$weights), as.integer(ref$G))
  expect_equal(BIC(fit), -ref$bic, tolerance = 1e-8)
})

test_that("with one variable, covariance = \"all\" searches E and V once each, as Mclust does", {
  set.seed(1)
  fit <- gmm_fit(faithful$waiting, k = 1:4, covariance = "all")
  expect_identical(unique(fit$search$covariance), c("tied", "full"))
  expect_identical(nrow(fit$search), 8L)
  # every model with equal volumes is "tied" there, every other "full"
  set.seed(1)
  each <- gmm_fit(faithful$waiting, k = 2, covariance = c("EVV", "tied"), init = "hc")
  one <- each$search
  expect_equal(one$loglik[1], one$loglik[2], tolerance = 1e-8)
  skip_if_not_installed("mclust")
  ref <- call_mclust("Mclust", matrix(faithful$waiting, dimnames = list(NULL, "waiting")),
                     G = 1:4, verbose = FALSE)
  expect_identical(c(tied = "E", full = "V")[[fit$covariance]], ref$modelName)
  expect_identical(length(fit$weights), as.integer(ref$G))
  expect_equal(BIC(fit), -ref$bic, tolerance = 1e-6)
})

test_that("degrees of freedom equal mclust's nMclustParams() for every model", {
  skip_if_not_installed("mclust")
  for (d in 1:6) for (k in 1:5) for (i in seq_len(nrow(models))) {
    # (mclust names one-variable models by the volume alone.)
    mc <- if (d == 1L) substr(models$mclust[i], 1L, 1L) else models$mclust[i]
    expect_identical(gmmfit:::n_parameters(k, d, models$name[i]),
                     as.integer(mclust::nMclustParams(mc, d = d, G = k)),
                     info = sprintf("%s, d = %d, k = %d", models$name[i], d, k))
  }
  # Vectorised over k and the model, as the search table uses it.
  expect_identical(gmmfit:::n_parameters(c(2L, 3L), 4L, c("full", "diag")),
                   c(gmmfit:::n_parameters(2L, 4L, "full"), gmmfit:::n_parameters(3L, 4L, "diag")))
})

test_that("projecting parameters onto a model gives the direct formulas, and projects nothing twice", {
  set.seed(11)
  k <- 3L
  d <- 4L
  covs <- array(0, c(d, d, k))
  for (j in seq_len(k)) {
    a <- matrix(rnorm(d * d), d)
    covs[, , j] <- crossprod(a) + diag(d)
  }
  p <- list(weights = c(0.2, 0.5, 0.3), means = matrix(rnorm(k * d), k), covariances = covs)
  direct <- list(
    full = covs,
    tied = array(Reduce(`+`, lapply(1:k, function(j) p$weights[j] * covs[, , j])), c(d, d, k)),
    diag = array(vapply(1:k, function(j) diag(diag(covs[, , j])), matrix(0, d, d)), c(d, d, k)),
    spherical = array(vapply(1:k, function(j) diag(mean(diag(covs[, , j])), d), matrix(0, d, d)),
                      c(d, d, k)),
    EII = array(diag(sum(p$weights * apply(covs, 3, function(s) mean(diag(s)))), d), c(d, d, k)),
    EEI = array(diag(diag(Reduce(`+`, lapply(1:k, function(j) p$weights[j] * covs[, , j])))),
                c(d, d, k)),
    # equal volume: lambda = sum_j w_j |diag S_j|^(1/d), shape diag(S_j) / |diag S_j|^(1/d)
    EVI = {
      g <- apply(covs, 3, function(s) prod(diag(s))^(1 / d))
      array(vapply(1:k, function(j) sum(p$weights * g) * diag(diag(covs[, , j]) / g[j]),
                   matrix(0, d, d)), c(d, d, k))
    },
    # orientations of the S_j, one volume and shape: the weighted sum of
    # their eigenvalues (each sorted)
    EEV = {
      e <- lapply(1:k, function(j) eigen(covs[, , j], symmetric = TRUE))
      omega <- Reduce(`+`, lapply(1:k, function(j) p$weights[j] * e[[j]]$values))
      array(vapply(1:k, function(j) e[[j]]$vectors %*% diag(omega) %*% t(e[[j]]$vectors),
                   matrix(0, d, d)), c(d, d, k))
    },
    EVV = {
      g <- apply(covs, 3, function(s) det(s)^(1 / d))
      array(vapply(1:k, function(j) sum(p$weights * g) * covs[, , j] / g[j], matrix(0, d, d)),
            c(d, d, k))
    }
  )
  for (m in intersect(models$name, names(direct))) {
    q <- gmmfit:::project_params(p, m)
    expect_equal(q$covariances, direct[[m]], tolerance = 1e-14, info = m)
    expect_identical(q$weights, p$weights)
    expect_identical(q$means, p$means)
    # The projection follows the model, and projecting it again changes nothing.
    expect_silent(gmmfit:::check_structure(q, m))
    expect_equal(gmmfit:::project_params(q, m)$covariances, q$covariances, tolerance = 1e-14)
  }
})

# The rotation exp(A) of the skew-symmetric 3 x 3 matrix A with entries th.
rotation <- function(th) {
  a <- matrix(0, 3, 3)
  a[upper.tri(a)] <- th
  a <- a - t(a)
  e <- eigen(a)
  Re(e$vectors %*% diag(exp(e$values)) %*% solve(e$vectors))
}

# Minus the expected complete-data log-likelihood of covariances `sig`
# (up to constants) for scatter matrices `covs` with weights `w`: what the
# M-step of every model minimises under the model's constraints.
m_objective <- function(sig, covs, w) {
  sum(vapply(seq_along(w), function(j) {
    w[j] * (determinant(sig[, , j])$modulus + sum(diag(solve(sig[, , j], covs[, , j]))))
  }, numeric(1)))
}

test_that("the iterative models' projections (VEI, VEE, VEV, EVE, VVE) cannot be improved by a general optimiser", {
  set.seed(12)
  k <- 3L
  d <- 3L
  covs <- array(0, c(d, d, k))
  for (j in seq_len(k)) covs[, , j] <- crossprod(matrix(rnorm(2 * d * d), 2 * d)) / (2 * d)
  p <- list(weights = c(0.3, 0.3, 0.4), means = matrix(0, k, d), covariances = covs)
  unit_det <- function(m) m / det(m)^(1 / d)
  ev <- lapply(1:k, function(j) eigen(covs[, , j], symmetric = TRUE)$vectors)
  # Each model as a function of free parameters: log volumes (k), then the
  # shape (log diagonal, d) or the Cholesky factor of C (d (d + 1) / 2).
  build <- list(
    VEI = function(th) {
      a <- unit_det(diag(exp(th[k + 1:d])))
      array(vapply(1:k, function(j) exp(th[j]) * a, matrix(0, d, d)), c(d, d, k))
    },
    VEE = function(th) {
      l <- matrix(0, d, d)
      l[lower.tri(l, diag = TRUE)] <- th[-(1:k)]
      cc <- unit_det(tcrossprod(l) + 1e-12 * diag(d))
      array(vapply(1:k, function(j) exp(th[j]) * cc, matrix(0, d, d)), c(d, d, k))
    },
    VEV = function(th) {
      a <- unit_det(diag(exp(th[k + 1:d])))
      array(vapply(1:k, function(j) exp(th[j]) * ev[[j]] %*% a %*% t(ev[[j]]), matrix(0, d, d)),
            c(d, d, k))
    },
    # one orientation (the exponential of a skew-symmetric matrix), then
    # one volume and k shapes (EVE) or k diagonals (VVE)
    EVE = function(th) {
      o <- rotation(th[1:3])
      array(vapply(1:k, function(j) {
        exp(th[4]) * o %*% unit_det(diag(exp(th[4 + (j - 1) * d + 1:d]))) %*% t(o)
      }, matrix(0, d, d)), c(d, d, k))
    },
    VVE = function(th) {
      o <- rotation(th[1:3])
      array(vapply(1:k, function(j) o %*% diag(exp(th[3 + (j - 1) * d + 1:d])) %*% t(o),
                   matrix(0, d, d)), c(d, d, k))
    }
  )
  n_par <- c(VEI = k + d, VEE = k + d * (d + 1) / 2, VEV = k + d, EVE = 4 + k * d, VVE = 3 + k * d)
  for (m in names(build)) {
    q <- gmmfit:::project_params(p, m)$covariances
    at_projection <- m_objective(q, covs, p$weights)
    f <- function(th) {
      v <- tryCatch(m_objective(build[[m]](th), covs, p$weights), error = function(e) Inf)
      if (is.finite(v)) v else 1e10
    }
    # The orientation problems are not convex: the best of several starts.
    starts <- if (m %in% c("EVE", "VVE")) 10L else 1L
    best <- min(vapply(seq_len(starts), function(r) {
      start <- if (m == "VEE") c(rep(0, k), diag(d)[lower.tri(diag(d), diag = TRUE)])
               else if (r == 1L) rep(0, n_par[[m]]) else stats::rnorm(n_par[[m]], sd = 0.7)
      stats::optim(start, f, method = "BFGS", control = list(reltol = 1e-14, maxit = 5000))$value
    }, numeric(1)))
    expect_lte(at_projection, best + 1e-9, label = m)
    expect_equal(at_projection, best, tolerance = 1e-7, label = m)
    # and the projection follows the model: equal shapes (and orientations)
    vols <- apply(q, 3, function(s) det(s)^(1 / d))
    shape <- lapply(1:k, function(j) q[, , j] / vols[j])
    if (m %in% c("VEI", "VEE")) expect_equal(shape[[1]], shape[[3]], tolerance = 1e-10, label = m)
    if (m == "VEV") {
      expect_equal(eigen(shape[[1]])$values, eigen(shape[[2]])$values, tolerance = 1e-10)
    }
    if (m %in% c("EVE", "VVE")) {
      # one orientation: every covariance is diagonal in the eigenvectors of the first
      o <- eigen(q[, , 1], symmetric = TRUE)$vectors
      for (j in 2:k) {
        r <- t(o) %*% q[, , j] %*% o
        expect_lt(max(abs(r[row(r) != col(r)])), 1e-8 * max(abs(r)), label = m)
      }
      if (m == "EVE") expect_equal(vols[1], vols[3], tolerance = 1e-10)
    }
  }
})

test_that("covariances that do not follow a model are refused with what the model needs", {
  unequal <- list(diag(2), 2 * diag(2))
  expect_error(gmm_mixture(c(0.5, 0.5), rbind(0:1, 2:3), unequal, covariance = "tied"),
               "must all be equal for covariance = \"tied\"; component 2", class = "gmm_input_error")
  rotated <- list(matrix(c(2, 1, 1, 2), 2), diag(2))
  expect_error(gmm_mixture(c(0.5, 0.5), rbind(0:1, 2:3), rotated, covariance = "VVI"),
               "must be diagonal for covariance = \"diag\"; component 1", class = "gmm_input_error")
  oblong <- list(diag(c(1, 2)), diag(2))
  expect_error(gmm_mixture(c(0.5, 0.5), rbind(0:1, 2:3), oblong, covariance = "spherical"),
               "multiples of the identity for covariance = \"spherical\"", class = "gmm_input_error")
  for (m in models$name) {
    ok <- gmmfit:::project_params(list(weights = c(0.5, 0.5), means = rbind(0:1, 2:3),
                                       covariances = array(c(2, 1, 1, 3, 1, 0, 0, 4), c(2, 2, 2))), m)
    expect_s3_class(gmm_mixture(ok$weights, ok$means, ok$covariances, covariance = m), "gmmfit")
  }
})

test_that("equal_weights holds the weights at 1/k, reaches mclust's equalPro optimum and counts no weights in df", {
  set.seed(21)
  fit <- gmm_fit(faithful, k = 3, equal_weights = TRUE)
  expect_identical(unname(fit$weights), rep(1 / 3, 3))
  expect_identical(fit$df, gmmfit:::n_parameters(3L, 2L, "full") - 2L)
  expect_match(capture.output(print(fit))[1], "3 components of equal weight")
  search <- gmm_fit(faithful, k = 1:3, covariance = c("full", "VEV"), equal_weights = TRUE)
  expect_identical(search$search$df,
                   gmmfit:::n_parameters(search$search$k, 2L, search$search$covariance, TRUE))
  expect_error(gmm_fit(faithful, k = 2, equal_weights = NA), "equal_weights",
               class = "gmm_input_error")
  skip_if_not_installed("mclust")
  for (d in 2:4) for (k in 1:4) for (i in seq_len(nrow(models))) {
    expect_identical(gmmfit:::n_parameters(k, d, models$name[i], equal_weights = TRUE),
                     as.integer(mclust::nMclustParams(models$mclust[i], d = d, G = k, equalPro = TRUE)))
  }
  x <- as.matrix(iris[, 1:4])
  labels <- as.integer(iris$Species)
  for (m in c("VVV", "EEE", "VEV", "VII", "EEV")) {
    ours <- gmm_fit(x, k = 3, covariance = m, init = labels, n_init = 1, equal_weights = TRUE,
                    control = tight_control())
    ref <- getExportedValue("mclust", paste0("me", m))(
      x, z = mclust::unmap(labels),
      control = mclust::emControl(tol = c(1e-14, 1e-14), equalPro = TRUE))
    expect_lt(rel_diff(ours$loglik, ref$loglik), 1e-6)
    expect_equal(sort(as.vector(ours$means)), sort(as.vector(ref$parameters$mean)),
                 tolerance = 1e-5, info = m)
  }
})

test_that("the iterative models report their inner rounds per EM iteration, the others none", {
  set.seed(1)
  for (m in c("VEI", "VEE", "VEV", "EVE", "VVE")) {
    fit <- gmm_fit(faithful, k = 3, covariance = m, init = "hc")
    expect_length(fit$inner_iter, fit$n_iter)
    expect_true(all(fit$inner_iter >= 1L & fit$inner_iter <= 100L), info = m)
  }
  expect_null(gmm_fit(faithful, k = 3, covariance = "EEV", init = "hc")$inner_iter)
  # a search's chosen fit: the short run and the run carried on
  s <- gmm_fit(faithful, k = 2:3, covariance = "VEE")
  expect_length(s$inner_iter, s$n_iter)
})
