# The C++ steps, called directly, against independent R computations.

test_that("the M-step matches stats::cov.wt (ML) for every covariance structure", {
  set.seed(101)
  x <- as.matrix(iris[, 1:4])
  dimnames(x) <- NULL
  n <- nrow(x)
  resp <- matrix(runif(n * 3), n, 3)
  resp <- resp / rowSums(resp)
  nk <- colSums(resp)
  cw <- lapply(1:3, function(j) cov.wt(x, wt = resp[, j] / nk[j], method = "ML"))
  full <- array(unlist(lapply(cw, `[[`, "cov")), c(4, 4, 3))
  pooled <- Reduce(`+`, Map(function(w, n_j) w$cov * n_j, cw, nk)) / n
  diagonal <- array(unlist(lapply(cw, function(w) diag(diag(w$cov)))), c(4, 4, 3))
  spherical <- array(unlist(lapply(cw, function(w) diag(mean(diag(w$cov)), 4))), c(4, 4, 3))
  expected <- list(full = full, tied = array(pooled, c(4, 4, 3)),
                   diag = diagonal, spherical = spherical)
  means <- t(vapply(cw, `[[`, numeric(4), "center"))

  # (The other models are the projections of `full` checked in
  # test-models.R.)
  for (type in names(expected)) {
    m <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 0, 1L)
    expect_equal(as.vector(m$weights), nk / n, tolerance = 1e-12, info = type)
    expect_equal(unname(m$means), unname(means), tolerance = 1e-12, info = type)
    expect_equal(unname(m$covariances), expected[[type]], tolerance = 1e-10, info = type)
  }
})

test_that("the M-step adds `reg` to the diagonal of every structure", {
  set.seed(102)
  x <- unname(as.matrix(faithful))
  resp <- matrix(runif(nrow(x) * 2), nrow(x), 2)
  resp <- resp / rowSums(resp)
  reg <- 0.25
  for (type in c("full", "tied", "diag", "spherical")) {
    plain <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 0, 1L)
    with_reg <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], reg, 1L)
    expect_equal(with_reg$covariances,
                 plain$covariances + array(diag(reg, 2), c(2, 2, 2)),
                 tolerance = 1e-12, info = type)
    expect_identical(with_reg$means, plain$means)
  }
  # Every model: `reg` enters the scatter of each component (W_j + n_j reg),
  # before the model's constraints, so the result still follows them.
  full <- gmmfit:::cpp_mstep(x, resp, cov_codes[["full"]], 0, 1L)
  full$covariances <- full$covariances + array(diag(reg, 2), c(2, 2, 2))
  for (type in names(cov_codes)) {
    with_reg <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], reg, 1L)
    expect_equal(with_reg$covariances, gmmfit:::project_params(full, type)$covariances,
                 tolerance = 1e-10, info = type)
    expect_silent(gmmfit:::check_structure(with_reg, type))
  }
})

test_that("the one-dimensional M-step gives weighted means and ML variances", {
  set.seed(103)
  x <- matrix(faithful$eruptions)
  resp <- matrix(runif(nrow(x) * 2), nrow(x), 2)
  resp <- resp / rowSums(resp)
  m <- gmmfit:::cpp_mstep(x, resp, 0L, 0, 1L)
  mu <- colSums(resp * x[, 1]) / colSums(resp)
  v <- colSums(resp * outer(x[, 1], mu, "-")^2) / colSums(resp)
  expect_equal(as.vector(m$means), mu, tolerance = 1e-12)
  expect_equal(as.vector(m$covariances), v, tolerance = 1e-12)
})

test_that("the one-dimensional E-step matches dnorm", {
  x <- faithful$eruptions
  params <- list(weights = c(0.4, 0.6), means = matrix(c(2, 4.3)),
                 covariances = array(c(0.07, 0.17), c(1, 1, 2)))
  e <- gmmfit:::cpp_estep(matrix(x), params, 0L, 1L)
  joint <- cbind(0.4 * dnorm(x, 2, sqrt(0.07)), 0.6 * dnorm(x, 4.3, sqrt(0.17)))
  expect_equal(as.vector(e$logdens), log(rowSums(joint)), tolerance = 1e-12)
  expect_equal(unname(e$posterior), joint / rowSums(joint), tolerance = 1e-12)
  expect_equal(e$loglik, sum(log(rowSums(joint))), tolerance = 1e-12)
})

test_that("the E-step matches the multivariate normal formula for every structure", {
  x <- unname(as.matrix(iris[, 1:4]))
  g <- as.integer(iris$Species)
  covs <- lapply(1:3, function(j) cov(x[g == j, ]))
  pooled <- Reduce(`+`, covs) / 3
  # Built without the package, so a fault in its M-step cannot leak into
  # the reference parameters.
  params_for <- list(
    full = covs,
    tied = rep(list(pooled), 3),
    diag = lapply(covs, function(s) diag(diag(s))),
    spherical = lapply(covs, function(s) diag(mean(diag(s)), 4)),
    EII = rep(list(diag(mean(diag(pooled)), 4)), 3),
    EEI = rep(list(diag(diag(pooled))), 3),
    VEI = lapply(1:3, function(j) j * diag(diag(pooled))),
    EVI = lapply(covs, function(s) diag(diag(s)) / prod(diag(s))^(1 / 4)),
    VEE = lapply(1:3, function(j) j * pooled),
    EEV = lapply(covs, function(s) {
      v <- eigen(s, symmetric = TRUE)$vectors
      v %*% diag(eigen(pooled, symmetric = TRUE)$values) %*% t(v)
    }),
    VEV = lapply(1:3, function(j) {
      v <- eigen(covs[[j]], symmetric = TRUE)$vectors
      j * v %*% diag(eigen(pooled, symmetric = TRUE)$values) %*% t(v)
    }),
    EVV = lapply(covs, function(s) s / det(s)^(1 / 4)),
    EVE = lapply(covs, function(s) {
      o <- eigen(pooled, symmetric = TRUE)$vectors
      a <- diag(t(o) %*% s %*% o)
      o %*% diag(a / prod(a)^(1 / 4)) %*% t(o)
    }),
    VVE = lapply(covs, function(s) {
      o <- eigen(pooled, symmetric = TRUE)$vectors
      o %*% diag(diag(t(o) %*% s %*% o)) %*% t(o)
    })
  )
  expect_setequal(names(params_for), names(cov_codes))
  weights <- c(0.2, 0.3, 0.5)
  means <- rowsum(x, g) / tabulate(g)
  for (type in names(cov_codes)) {
    covariances <- array(unlist(params_for[[type]]), c(4, 4, 3))
    params <- list(weights = weights, means = unname(means), covariances = covariances)
    e <- gmmfit:::cpp_estep(x, params, cov_codes[[type]], 1L)
    ref_logdens <- mixture_logdens_ref(x, weights, means, covariances)
    expect_equal(as.vector(e$logdens), ref_logdens, tolerance = 1e-10, info = type)
    expect_equal(e$loglik, sum(ref_logdens), tolerance = 1e-10, info = type)
    expect_equal(unname(e$posterior), posterior_ref(x, weights, means, covariances),
                 tolerance = 1e-10, info = type)
    expect_equal(rowSums(e$posterior), rep(1, nrow(x)), tolerance = 1e-12, info = type)
  }
})

test_that("the E-step and M-step give bit-identical results on 1 and 2 threads", {
  set.seed(104)
  # Several 256-row blocks and a ragged last block, so work is really split.
  n <- 3000
  x <- unname(cloud_data(n, d = 3))
  resp <- matrix(runif(n * 4), n, 4)
  resp <- resp / rowSums(resp)
  for (type in names(cov_codes)) {
    m1 <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 1e-6, 1L)
    m2 <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 1e-6, 2L)
    expect_identical(m1, m2, info = type)
    e1 <- gmmfit:::cpp_estep(x, m1, cov_codes[[type]], 1L)
    e2 <- gmmfit:::cpp_estep(x, m1, cov_codes[[type]], 2L)
    expect_identical(e1, e2, info = type)
  }
})

test_that("an emptied component is reported by the M-step with its index", {
  x <- unname(as.matrix(faithful))
  resp <- cbind(1, 0)
  resp <- resp[rep(1, nrow(x)), ]
  m <- gmmfit:::cpp_mstep(x, resp, 0L, 1e-6, 1L)
  expect_match(m$error, "component 2 has no observations left")
  expect_identical(m$component, 2L)
})

test_that("a singular covariance is reported with its index and the advice to raise `reg`", {
  # The first group is five copies of one point: zero scatter.
  x <- cbind(c(rep(1, 5), seq(2, 10, length.out = 20)),
             c(rep(1, 5), sin(1:20)))
  resp <- one_hot_ref(rep(1:2, c(5, 20)))
  # Models whose volume or shape is the component's own fail; those that
  # pool them with the spread-out group (EII, EEI, EEE, EEV) stay regular.
  models <- gmmfit:::model_table
  own <- substr(models$mclust, 1, 1) == "V" | substr(models$mclust, 2, 2) == "V"
  for (type in models$name[own]) {
    m <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 0, 1L)
    expect_match(m$error, "component 1 is not positive definite.*collinear columns.*larger `reg`", info = type)
    expect_identical(m$component, 1L, info = type)
  }
  for (type in models$name[!own]) {
    expect_null(gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 0, 1L)$error, info = type)
  }
  expect_null(gmmfit:::cpp_mstep(x, resp, cov_codes[["full"]], 1e-3, 1L)$error)
})

test_that("a row with zero density everywhere fails a fit but not an evaluation", {
  params <- list(weights = c(0.5, 0.5), means = matrix(c(0, 1)),
                 covariances = array(1, c(1, 1, 2)))
  x <- matrix(c(0, 1e200, 2))
  e <- gmmfit:::cpp_estep(x, params, 0L, 1L)
  expect_identical(e$logdens[2], -Inf)
  expect_true(all(is.nan(e$posterior[2, ])))
  expect_equal(e$logdens[c(1, 3)], mixture_logdens_ref(x[c(1, 3)], c(0.5, 0.5), matrix(c(0, 1)),
                                                       array(1, c(1, 1, 2))), tolerance = 1e-12)
  res <- gmmfit:::cpp_em(x, params, 0L, gmm_control(), FALSE)
  expect_match(res$error, "not finite")
})

test_that("one EM iteration is an E-step, an M-step and a fresh E-step", {
  x <- unname(as.matrix(iris[, 1:4]))
  start <- gmmfit:::cpp_mstep(x, one_hot_ref(iris$Species), 0L, 0, 1L)
  res <- gmmfit:::cpp_em(x, start, 0L, gmm_control(max_iter = 1, tol = 0, reg = 0), FALSE)
  e0 <- gmmfit:::cpp_estep(x, start, 0L, 1L)
  m1 <- gmmfit:::cpp_mstep(x, e0$posterior, 0L, 0, 1L)
  e1 <- gmmfit:::cpp_estep(x, m1, 0L, 1L)
  expect_identical(res$n_iter, 1L)
  expect_equal(res[c("weights", "means", "covariances")], m1, tolerance = 1e-14)
  # The stored posterior and log-likelihood belong to the returned parameters.
  expect_equal(res$loglik, e1$loglik, tolerance = 1e-14)
  expect_equal(res$posterior, e1$posterior, tolerance = 1e-14)
  expect_equal(res$trace, e1$loglik, tolerance = 1e-14)
})

test_that("EM stops at the first relative change below `tol`, and tol = 0 never stops early", {
  x <- unname(as.matrix(faithful))
  start <- gmmfit:::cpp_mstep(x, one_hot_ref(faithful$eruptions > 3), 0L, 0, 1L)
  tol <- 1e-8
  res <- gmmfit:::cpp_em(x, start, 0L, gmm_control(tol = tol, reg = 0), FALSE)
  tr <- res$trace
  change <- abs(diff(tr)) / (1 + abs(tr[-length(tr)]))
  expect_true(res$converged)
  expect_identical(length(tr), res$n_iter)
  expect_lt(change[length(change)], tol)
  expect_true(all(change[-length(change)] >= tol))
  expect_identical(res$loglik, tr[length(tr)])

  fixed <- gmmfit:::cpp_em(x, start, 0L, gmm_control(max_iter = 25, tol = 0, reg = 0), FALSE)
  expect_identical(fixed$n_iter, 25L)
  expect_length(fixed$trace, 25L)
  expect_false(fixed$converged)
})

test_that("EM never decreases the log-likelihood when reg = 0", {
  set.seed(105)
  x <- unname(as.matrix(iris[, 1:4]))
  resp <- matrix(runif(150 * 4), 150, 4)
  resp <- resp / rowSums(resp)
  for (type in names(cov_codes)) {
    start <- gmmfit:::cpp_mstep(x, resp, cov_codes[[type]], 0, 1L)
    res <- gmmfit:::cpp_em(x, start, cov_codes[[type]],
                           gmm_control(max_iter = 300, tol = 0, reg = 0), FALSE)
    tr <- c(gmmfit:::cpp_estep(x, start, cov_codes[[type]], 1L)$loglik, res$trace)
    expect_true(all(diff(tr) >= -1e-9 * abs(tr[-1])), info = type)
  }
})

test_that("every instruction set gives the same fit, to rounding", {
  # Ragged blocks (n not a multiple of 8) and d across the kernels' tile
  # edges; sets the processor lacks fall back, so this never skips.
  set.seed(105)
  for (d in c(1L, 3L, 9L, 17L)) {
    x <- unname(cloud_data(1003, d = d))
    resp <- matrix(runif(1003 * 3), 1003, 3)
    start <- gmmfit:::cpp_mstep(x, resp / rowSums(resp), 0L, 1e-6, 1L, 0L)
    for (type in names(cov_codes)) {
      fits <- lapply(0:2, function(isa) {
        gmmfit:::cpp_em(x, start, cov_codes[[type]], serial_control(max_iter = 5, tol = 0),
                        FALSE, isa)
      })
      # (An M-step that iterates stops where its objective settles, which
      # rounding moves a little.)
      tol <- if (gmmfit:::model_rows(type)$iterative) 1e-7 else 1e-11
      for (f in fits[2:3]) {
        info <- paste(type, d)
        expect_lt(rel_diff(f$loglik, fits[[1]]$loglik), tol * 0.1)
        expect_equal(f$means, fits[[1]]$means, tolerance = tol, info = info)
        expect_equal(f$covariances, fits[[1]]$covariances, tolerance = tol, info = info)
        expect_equal(f$posterior, fits[[1]]$posterior, tolerance = tol, info = info)
      }
    }
  }
})

test_that("1 and 2 threads give bit-identical fits with every instruction set", {
  set.seed(106)
  x <- unname(cloud_data(5000, d = 4))
  start <- gmmfit:::cpp_mstep(x, one_hot_ref(kmeans(x, 3)$cluster), 0L, 1e-6, 1L)
  for (isa in 0:2) for (type in names(cov_codes)) {
    ctl <- function(th) gmm_control(max_iter = 4, tol = 0, n_threads = th)
    f1 <- gmmfit:::cpp_em(x, start, cov_codes[[type]], ctl(1L), FALSE, isa)
    f2 <- gmmfit:::cpp_em(x, start, cov_codes[[type]], ctl(2L), FALSE, isa)
    expect_identical(f1, f2, info = paste(type, isa))
  }
})

test_that("posteriors are exact when the components' log densities differ by up to 700", {
  # One variable, two unit-variance components; the log ratio of the
  # densities at x is 20 x, so x in [-35, 35] spans the whole exponent range
  # of the log-sum-exp, where the posterior of the far component falls to
  # exp(-700).
  x <- matrix(seq(-35, 35, length.out = 1001))
  params <- list(weights = c(0.5, 0.5), means = matrix(c(-10, 10)),
                 covariances = array(1, c(1, 1, 2)))
  ref <- posterior_ref(x, params$weights, params$means, params$covariances)
  for (isa in 0:2) {
    e <- gmmfit:::cpp_estep(x, params, 0L, 1L, isa)
    keep <- ref > 1e-300
    expect_lt(max(abs(e$posterior[keep] - ref[keep]) / ref[keep]), 1e-12)
    expect_true(all(e$posterior[!keep] < 1e-300))
    expect_equal(e$logdens, mixture_logdens_ref(x, params$weights, params$means,
                                                params$covariances), tolerance = 1e-14)
  }
})

test_that("an M-step far from the current means keeps full precision", {
  # The EM pass sums moments about the current means; here the first M-step
  # moves them by 1e5 standard deviations, where the shifted formula would
  # keep only about 6 digits of the covariances. They must match
  # stats::cov.wt on the posteriors of the start.
  set.seed(107)
  n <- 600
  g <- rep(1:2, each = n / 2)
  x <- cbind(rnorm(n, c(1e5, 1e5 + 8)[g]), rnorm(n, c(-3e4, -3e4 + 5)[g], 2))
  start <- list(weights = c(0.5, 0.5), means = rbind(c(0, 0), c(1, 1)),
                covariances = array(c(2e10, 0, 0, 2e10), c(2, 2, 2)))
  post <- posterior_ref(x, start$weights, start$means, start$covariances)
  for (type in c("full", "diag")) {
    res <- gmmfit:::cpp_em(x, start, cov_codes[[type]],
                           serial_control(max_iter = 1, tol = 0, reg = 0), FALSE)
    for (j in 1:2) {
      cw <- cov.wt(x, wt = post[, j] / sum(post[, j]), method = "ML")
      expected <- if (type == "full") cw$cov else diag(diag(cw$cov))
      expect_equal(res$means[j, ], cw$center, tolerance = 1e-14)
      expect_equal(res$covariances[, , j], expected, tolerance = 1e-12, info = type)
    }
  }
})
