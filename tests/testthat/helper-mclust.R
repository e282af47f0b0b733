# mclust as an independent reference implementation of EM.

# Fits `model` from the hard partition `labels` with gmmfit and with mclust's
# me() (both start with an M-step from that partition) and expects the same
# optimum: log-likelihood and, after matching components, the parameters.
expect_same_optimum_as_mclust <- function(x, labels, model) {
  x <- as.matrix(x)
  fit <- tryCatch(suppressWarnings(
    gmm_fit(x, k = length(unique(labels)), covariance = model,
            init = labels, n_init = 1, control = tight_control())),
    gmm_fit_error = function(e) e)
  me_model <- getExportedValue("mclust", paste0("me", model))
  ref <- me_model(x, z = mclust::unmap(labels),
                  control = mclust::emControl(tol = c(1e-14, 1e-14)))
  if (is.na(ref$loglik)) {
    # mclust's EM broke down from this start (a component collapsed): so
    # must ours, with an error or a degenerate fit.
    expect_true(inherits(fit, "error") || length(fit$degenerate) > 0, info = model)
    return(invisible())
  }
  ref_means <- t(ref$parameters$mean)
  expect_true(fit$converged, info = model)
  expect_lt(rel_diff(fit$loglik, ref$loglik), 1e-6)
  idx <- match_components(fit$means, ref_means)
  expect_equal(unname(fit$means), unname(ref_means[idx, , drop = FALSE]),
               tolerance = 1e-5, info = model)
  expect_equal(unname(fit$weights), ref$parameters$pro[idx],
               tolerance = 1e-5, info = model)
  expect_equal(unname(fit$covariances),
               unname(ref$parameters$variance$sigma[, , idx, drop = FALSE]),
               tolerance = 1e-5, info = model)
}

# Mclust() and me() call other mclust functions by name in their caller's
# frame (hence meVVV() and friends directly above), so they only work with
# mclust attached. Calling them from a child of mclust's namespace avoids
# attaching it for the whole run.
call_mclust <- function(fun, ...) {
  do.call(fun, list(...), envir = new.env(parent = asNamespace("mclust")))
}
