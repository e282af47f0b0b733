# The k x covariance search: every candidate is fitted; a candidate that fails
# is recorded with its reason and the search goes on; the lowest BIC wins.

fit_search <- function(x, ks, covariances, init, n_init, control, verbose) {
  grid <- expand.grid(k = ks, covariance = covariances, stringsAsFactors = FALSE)
  best <- NULL
  rows <- vector("list", nrow(grid))
  for (i in seq_len(nrow(grid))) {
    k <- grid$k[i]
    cov <- grid$covariance[i]
    fit <- tryCatch(
      quietly(fit_single(x, k, cov, init, n_init, control, FALSE)),
      gmm_fit_error = function(e) e
    )
    rows[[i]] <- search_row(k, cov, fit, ncol(x))
    if (verbose) message(format_search_progress(rows[[i]], i, nrow(grid)))
    if (!inherits(fit, "error") && (is.null(best) || fit$bic < best$bic)) best <- fit
  }
  table <- do.call(rbind, rows)
  if (is.null(best)) {
    gmm_abort(sprintf("Every candidate failed; the first: %s", table$error[[1L]]),
              class = "gmm_fit_error", search = table)
  }
  best$search <- table
  warn_fit(best, chosen = TRUE)
  best
}

# The per-candidate warnings (not converged, degenerate) are given once, for
# the selected model, instead of for every candidate.
quietly <- function(expr) {
  withCallingHandlers(
    expr,
    gmm_convergence_warning = function(w) invokeRestart("muffleWarning"),
    gmm_degenerate_warning = function(w) invokeRestart("muffleWarning")
  )
}

search_row <- function(k, covariance, fit, d) {
  failed <- inherits(fit, "error")
  data.frame(
    k = k, covariance = covariance,
    loglik = if (failed) NA_real_ else fit$loglik,
    df = n_parameters(k, d, covariance),
    bic = if (failed) NA_real_ else fit$bic,
    converged = if (failed) NA else fit$converged,
    error = if (failed) fit$reason %||% conditionMessage(fit) else NA_character_,
    stringsAsFactors = FALSE
  )
}

format_search_progress <- function(row, i, total) {
  status <- if (is.na(row$error)) sprintf("BIC %.2f", row$bic) else paste("failed:", row$error)
  sprintf("[%d/%d] k = %d, %s: %s", i, total, row$k, row$covariance, status)
}
