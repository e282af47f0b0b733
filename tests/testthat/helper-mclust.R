# mclust as an independent reference implementation of EM.

# Fits `model` from the hard partition `labels` with gmmfit and with mclust's
# me() (both start with an M-step from that partition) and expects the same
# optimum: log-likelihood and, after matching components, the parameters.
# With `prior`, both with the default conjugate prior (mclust's
# priorControl()), to `tol` relatively.
expect_same_optimum_as_mclust <- function(x, labels, model, prior = FALSE, tol = 1e-6) {
  x <- as.matrix(x)
  fit <- tryCatch(suppressWarnings(
    gmm_fit(x, k = length(unique(labels)), covariance = model,
            init = labels, n_init = 1, control = tight_control(),
            prior = if (prior) gmm_prior())),
    gmm_fit_error = function(e) e)
  me_model <- getExportedValue("mclust", paste0("me", model))
  ref <- me_model(x, z = mclust::unmap(labels),
                  prior = if (prior) mclust::priorControl(),
                  control = mclust::emControl(tol = c(1e-14, 1e-14)))
  if (is.na(ref$loglik) && prior) {
    # With a prior, mclust's EM can stop where ours carries on (VEI on
    # faithful: "mixing proportion fell below threshold", though its weights
    # stay above 0.2 in ours): ours must then converge, climbing.
    expect_true(fit$converged, info = model)
    expect_true(all(diff(fit$trace) > -1e-10 * abs(fit$trace[-1])), info = model)
    return(invisible())
  }
  if (is.na(ref$loglik)) {
    # mclust's EM broke down from this start (a component collapsed): so
    # must ours, with an error or a degenerate fit.
    expect_true(inherits(fit, "error") || length(fit$degenerate) > 0, info = model)
    return(invisible())
  }
  ref_means <- t(ref$parameters$mean)
  expect_true(fit$converged, info = model)
  expect_lt(rel_diff(fit$loglik, ref$loglik), tol, label = model)
  idx <- match_components(fit$means, ref_means)
  expect_equal(unname(fit$means), unname(ref_means[idx, , drop = FALSE]),
               tolerance = 10 * tol, info = model)
  expect_equal(unname(fit$weights), ref$parameters$pro[idx],
               tolerance = 10 * tol, info = model)
  expect_equal(unname(fit$covariances),
               unname(ref$parameters$variance$sigma[, , idx, drop = FALSE]),
               tolerance = 10 * tol, info = model)
}

# Mclust() and me() call other mclust functions by name in their caller's
# frame (hence meVVV() and friends directly above), so they only work with
# mclust attached. Calling them from a child of mclust's namespace avoids
# attaching it for the whole run.
call_mclust <- function(fun, ...) {
  do.call(fun, list(...), envir = new.env(parent = asNamespace("mclust")))
}

# The same for one variable `v`: gmmfit's `model` against mclust's
# `mclust_model` ("E" or "V"), both with the default conjugate prior.
expect_same_optimum_as_mclust_1d <- function(v, labels, model, mclust_model) {
  fit <- gmm_fit(v, k = length(unique(labels)), covariance = model, init = labels,
                 n_init = 1, control = tight_control(), prior = gmm_prior())
  me_model <- getExportedValue("mclust", paste0("me", mclust_model))
  ref <- me_model(v, z = mclust::unmap(labels), prior = mclust::priorControl(),
                  control = mclust::emControl(tol = c(1e-14, 1e-14)))
  expect_lt(rel_diff(fit$loglik, ref$loglik), 1e-6, label = model)
  expect_equal(sort(unname(fit$means[, 1])), sort(unname(ref$parameters$mean)),
               tolerance = 1e-6, info = model)
  expect_equal(sort(unname(fit$covariances[1, 1, ])),
               sort(rep_len(ref$parameters$variance$sigmasq, length(fit$weights))),
               tolerance = 1e-6, info = model)
}
