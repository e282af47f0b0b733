test_that("the search table has one row per k and covariance, and the fit is its BIC minimum", {
  set.seed(51)
  fit <- gmm_fit(faithful, k = 1:3, covariance = c("full", "diag", "spherical"),
                 n_init = 1, control = serial_control())
  s <- fit$search
  expect_s3_class(s, "data.frame")
  expect_named(s, c("k", "covariance", "loglik", "df", "bic", "aic", "icl", "converged", "n_iter",
                    "degenerate",
                    "error"))
  expect_identical(nrow(s), 9L)
  expect_setequal(paste(s$k, s$covariance),
                  paste(rep(1:3, 3), rep(c("full", "diag", "spherical"), each = 3)))
  expect_identical(s$df, mapply(gmmfit:::n_parameters, s$k, 2L, s$covariance))
  expect_equal(s$bic, -2 * s$loglik + s$df * log(272), tolerance = 1e-12)
  expect_true(all(is.na(s$error)))
  best <- which.min(s$bic)
  expect_identical(length(fit$weights), s$k[best])
  expect_identical(fit$covariance, s$covariance[best])
  expect_identical(fit$loglik, s$loglik[best])
  expect_identical(fit$bic, min(s$bic))
})

test_that("each row of the table is the fit of that candidate alone", {
  ctl <- gmm_control(tol = 1e-8)
  all <- gmm_fit(iris[, 1:4], k = 3, covariance = c("full", "tied", "diag", "spherical"),
                 init = iris$Species, n_init = 1, control = ctl)
  for (cov in c("full", "tied", "diag", "spherical")) {
    alone <- gmm_fit(iris[, 1:4], k = 3, covariance = cov, init = iris$Species,
                     n_init = 1, control = ctl)
    expect_identical(all$search$loglik[all$search$covariance == cov], alone$loglik, info = cov)
  }
})

test_that("a failing candidate is recorded with its reason and the search goes on", {
  # Five copies of one point form a group of their own; only the tied
  # covariance, pooled with the other group, stays regular without `reg`.
  x <- cbind(c(rep(1, 5), seq(2, 10, length.out = 20)), c(rep(1, 5), sin(1:20)))
  labels <- rep(1:2, c(5, 20))
  fit <- gmm_fit(x, k = 2, covariance = c("full", "tied", "diag", "spherical"),
                 init = labels, n_init = 1, control = gmm_control(reg = 0))
  s <- fit$search
  expect_identical(fit$covariance, "tied")
  failed <- s$covariance != "tied"
  expect_true(all(is.na(s$loglik[failed]) & is.na(s$bic[failed]) & is.na(s$converged[failed])))
  expect_match(s$error[failed], "component 1 is not positive definite.*collinear columns.*larger `reg`")
  expect_true(is.na(s$error[!failed]))
})

test_that("large k on data with duplicated points fails for some candidates but not the search", {
  set.seed(52)
  x <- rbind(matrix(1, 10, 2), matrix(rnorm(40), 20, 2))
  fit <- gmm_fit(x, k = 1:6, n_init = 2, control = serial_control(reg = 0))
  s <- fit$search
  expect_identical(nrow(s), 6L)
  expect_true(is.na(s$error[s$k == 1]))
  expect_true(any(!is.na(s$error)))
  expect_match(s$error[!is.na(s$error)], "not positive definite|no observations left")
  expect_identical(fit$bic, min(s$bic, na.rm = TRUE))
})

test_that("a search in which every candidate fails is a fit error carrying the table", {
  x <- cbind(c(rep(1, 5), seq(2, 10, length.out = 20)), c(rep(1, 5), sin(1:20)))
  labels <- rep(1:2, c(5, 20))
  err <- tryCatch(gmm_fit(x, k = 2, covariance = c("full", "diag"), init = labels, n_init = 1,
                          control = gmm_control(reg = 0)),
                  gmm_fit_error = function(e) e)
  expect_s3_class(err, "gmm_fit_error")
  expect_match(conditionMessage(err), "Every candidate failed")
  expect_identical(nrow(err$search), 2L)
})

test_that("only the selected model's non-convergence is reported, once", {
  warnings <- character()
  set.seed(53)
  fit <- withCallingHandlers(
    gmm_fit(faithful, k = 1:3, n_init = 1, control = gmm_control(tol = 1e-14, max_iter = 3)),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  expect_length(warnings, 1L)
  expect_match(warnings, "did not converge .*selected model")
  expect_true(all(!fit$search$converged[fit$search$k > 1]))
})

test_that("verbose reports each candidate of the search", {
  messages <- character()
  set.seed(54)
  withCallingHandlers(
    gmm_fit(faithful, k = 1:2, n_init = 1, verbose = TRUE),
    message = function(m) {
      messages <<- c(messages, conditionMessage(m))
      invokeRestart("muffleMessage")
    }
  )
  progress <- grep("^\\[", messages, value = TRUE)
  expect_length(progress, 2L)
  expect_match(progress[1], "\\[1/2\\] k = 1, full: BIC [0-9.]+")
  expect_match(progress[2], "\\[2/2\\] k = 2, full: BIC [0-9.]+")
  expect_match(messages[1], "k = 1, full: 1 start")
})

test_that("repeated candidates and mclust synonyms are fitted once", {
  set.seed(55)
  fit <- gmm_fit(faithful, k = c(2, 2), covariance = c("VVV", "full"), n_init = 1)
  expect_null(fit$search)
  expect_identical(fit$covariance, "full")
})

test_that("by default k goes up to the number of rows on tiny data", {
  set.seed(56)
  x <- c(1.1, 1.3, 0.9, 5.2, 5.0, 4.8, 5.1)
  fit <- suppressWarnings(gmm_fit(x, covariance = "spherical", n_init = 1))
  expect_identical(fit$search$k, 1:7)
})

test_that("BIC selects the number of components of well separated simulated data", {
  sim <- simulate(separated_mixture(), nsim = 400, seed = 57)
  set.seed(58)
  fit <- gmm_fit(sim[, c("x1", "x2")], k = 1:5, n_init = 2, control = serial_control())
  expect_identical(length(fit$weights), 3L)
  expect_identical(fit$covariance, "full")
})

test_that("ICL is BIC plus twice the entropy of the posterior, and can choose", {
  set.seed(9)
  fit <- gmm_fit(faithful, k = 2:4, covariance = c("full", "tied"))
  post <- posterior_ref(as.matrix(faithful), fit$weights, fit$means, fit$covariances)
  entropy <- -sum(ifelse(post > 0, post * log(post), 0))
  expect_equal(fit$icl, fit$bic + 2 * entropy, tolerance = 1e-8)
  row <- fit$search$k == length(fit$weights) & fit$search$covariance == fit$covariance
  expect_equal(fit$search$icl[row], fit$icl, tolerance = 1e-10)
  expect_true(all(fit$search$icl >= fit$search$bic))
  set.seed(9)
  by_icl <- gmm_fit(faithful, k = 2:4, covariance = c("full", "tied"), criterion = "icl")
  s <- by_icl$search
  best <- which.min(ifelse(s$degenerate, NA, s$icl))
  expect_identical(length(by_icl$weights), s$k[best])
  expect_identical(by_icl$covariance, s$covariance[best])
  expect_identical(by_icl$criterion, "icl")
})

test_that("an unknown criterion is an error naming it", {
  expect_error(gmm_fit(faithful, k = 1:2, criterion = "hqc"),
               "`criterion` must be one of \"bic\", \"icl\" or \"aic\", not \"hqc\"",
               class = "gmm_input_error")
})

test_that("on R's data sets the search chooses Mclust's model or a better one", {
  skip_if_not_installed("mclust")
  sets <- list(iris = iris[, 1:4], petals = iris[, 3:4], faithful = faithful,
               swiss = swiss, USArrests = USArrests, trees = trees)
  structures <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")
  for (name in names(sets)) {
    x <- sets[[name]]
    set.seed(1)
    expect_no_warning(fit <- gmm_fit(x, k = 1:9, covariance = names(structures)))
    ref <- call_mclust("Mclust", x, G = 1:9, modelNames = unname(structures), verbose = FALSE)
    same <- length(fit$weights) == ref$G &&
      (structures[[fit$covariance]] == ref$modelName || ref$G == 1L)
    # mclust's BIC is 2 log L - p log n: ours with the sign changed.
    expect_true(same || fit$bic <= -ref$bic, info = name)
    expect_lte(fit$bic, -ref$bic + 1e-6 * abs(ref$bic))
    expect_length(fit$degenerate, 0L)
  }
})

test_that("a search gives the same result on one and two threads", {
  # On small data the structures of each k are fitted side by side on the
  # threads; each is computed exactly as alone.
  covs <- c("full", "tied", "diag", "spherical")
  for (x in list(trees, faithful)) {
    set.seed(12)
    one <- gmm_fit(x, k = 1:5, covariance = covs, n_threads = 1)
    set.seed(12)
    two <- gmm_fit(x, k = 1:5, covariance = covs, n_threads = 2)
    expect_identical(two$search, one$search)
    expect_identical(two$means, one$means)
    expect_identical(two$posterior, one$posterior)
  }
})

test_that("a search is the same on any number of threads and in a forked process", {
  # The candidates are shared out by the engine's item pool (more threads
  # than cores, and in a fork only the calling thread, which takes them all).
  covs <- c("full", "tied", "diag", "spherical")
  fit <- function(threads) {
    set.seed(3)
    gmm_fit(swiss, k = 1:6, covariance = covs, n_threads = threads)$search
  }
  one <- fit(1)
  for (threads in 2:4) expect_identical(fit(threads), one)
  skip_on_os("windows")
  forked <- parallel::mclapply(1:2, function(i) fit(2), mc.cores = 2)
  for (s in forked) expect_identical(s, one)
  expect_identical(fit(2), one)
})

# Evaluates `code` with the engine's candidates writing their posteriors at
# every pass (as a single candidate's do), through the engine's control list.
with_kept_posteriors <- function(code) {
  ns <- asNamespace("gmmfit")
  grid <- get("cpp_fit_grid", envir = ns)
  keeping <- function(x, x_init, init_is_x, ks, starts, random, cov_types, control, ...) {
    control$keep_posteriors <- TRUE
    grid(x, x_init, init_is_x, ks, starts, random, cov_types, control, ...)
  }
  unlockBinding("cpp_fit_grid", ns)
  assign("cpp_fit_grid", keeping, envir = ns)
  on.exit({
    assign("cpp_fit_grid", grid, envir = ns)
    lockBinding("cpp_fit_grid", ns)
  })
  code
}

test_that("a search's candidates fit the same whether or not their passes keep posteriors", {
  # A search's candidates keep no posteriors at their passes; when the means
  # moved too far from a pass's shift, the M-step's second pass takes them
  # from an E-step of the same parameters instead. On trees the candidates
  # with 4 to 6 components take dozens of such passes.
  search <- function() {
    set.seed(7)
    suppressWarnings(gmm_fit(trees, k = 1:6, covariance = c("full", "diag", "spherical")))
  }
  lazy <- search()
  kept <- with_kept_posteriors(search())
  expect_identical(kept$search, lazy$search)
  expect_identical(kept$posterior, lazy$posterior)
  expect_identical(lazy$search, search()$search)
})

# Two round clusters and three copies of one far point: a component on the
# copies is flat (only `reg` keeps its likelihood finite).
copies_data <- function() {
  set.seed(5)
  rbind(matrix(rnorm(100), 50), matrix(rnorm(100, 4), 50),
        matrix(c(10, 10), 3, 2, byrow = TRUE))
}

test_that("a search stops a run whose component stays flat; a single fit runs it to the end", {
  x <- copies_data()
  labels <- c(rep(1, 50), rep(2, 50), 3, 3, 3)
  fit <- suppressWarnings(gmm_fit(x, init = labels, covariance = c("full", "diag")))
  full <- fit$search[fit$search$covariance == "full", ]
  expect_true(full$degenerate)
  expect_false(full$converged)
  expect_identical(full$n_iter, gmmfit:::flat_patience)
  expect_warning(single <- gmm_fit(x, init = labels, covariance = "full"),
                 class = "gmm_degenerate_warning")
  expect_true(single$converged)
  expect_gt(single$n_iter, gmmfit:::flat_patience)
})

test_that("among a candidate's starts, a search prefers one without a flat component", {
  x <- copies_data()
  set.seed(1)
  fit <- gmm_fit(x, k = 2:3, covariance = "full", n_init = 10)
  # Starts on the copies reach a higher (inflated) log-likelihood, about
  # -330.5; the best start without a flat component is taken instead.
  expect_false(fit$search$degenerate[2])
  expect_lt(fit$search$loglik[2], -340)
  expect_true(fit$search$converged[2])
})

test_that("criterion = \"aic\" chooses the candidate with the lowest AIC, which stats::AIC() gives", {
  set.seed(57)
  fit <- gmm_fit(faithful, k = 1:5, covariance = c("full", "diag"), criterion = "aic")
  s <- fit$search
  expect_equal(s$aic, -2 * s$loglik + 2 * s$df, tolerance = 1e-12)
  ok <- which(!s$degenerate)
  best <- ok[which.min(s$aic[ok])]
  expect_identical(length(fit$weights), s$k[best])
  expect_identical(fit$covariance, s$covariance[best])
  expect_identical(fit$criterion, "aic")
  expect_equal(fit$aic, stats::AIC(fit), tolerance = 1e-12)
  expect_equal(fit$aic, s$aic[best])
})
