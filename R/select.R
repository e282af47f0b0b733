# The k x covariance search: every candidate is fitted from the same starts
# per k; a candidate that fails is recorded with its reason, a degenerate one
# (a component on tied values) with its criteria, and neither is eligible;
# the eligible candidate with the lowest criterion (BIC or ICL) wins.

# One row per candidate, from the engine's results.
search_table <- function(results, n, d) {
  fitted <- vapply(results, function(r) is.null(r$error), logical(1))
  field <- function(name, na) {
    vapply(seq_along(results), function(i) if (fitted[i]) results[[i]][[name]] else na, na)
  }
  ks <- vapply(results, `[[`, integer(1), "k")
  covs <- vapply(results, `[[`, character(1), "covariance")
  df <- vapply(seq_along(results), function(i) n_parameters(ks[i], d, covs[i]), integer(1))
  loglik <- field("loglik", NA_real_)
  bic <- -2 * loglik + df * log(n)
  flat <- vapply(seq_along(results), function(i) {
    if (fitted[i]) any(results[[i]]$flatness <= flat_tolerance) else NA
  }, logical(1))
  # A data frame built directly: data.frame() would cost more than a small
  # search's fits.
  structure(list(
    k = ks, covariance = covs, loglik = loglik, df = df, bic = bic,
    icl = bic + 2 * field("entropy", NA_real_),
    converged = field("converged", NA),
    n_iter = field("n_iter", NA_integer_),
    degenerate = flat, error = field_error(results)
  ), class = "data.frame", row.names = seq_along(results))
}

field_error <- function(results) {
  vapply(results, function(r) r$error %||% NA_character_, character(1))
}

# The candidate a search returns: the best eligible one by `criterion`; when
# every fitted candidate is degenerate, the best of those with a warning
# that says so; when every candidate failed, an error.
chosen_fit <- function(results, table, criterion, x, plan, control) {
  fitted <- is.na(table$error)
  if (!any(fitted)) {
    gmm_abort(sprintf("Every candidate failed; the first: %s", table$error[[1L]]),
              class = "gmm_fit_error", search = table)
  }
  eligible <- fitted & !table$degenerate
  pool <- if (any(eligible)) which(eligible) else which(fitted)
  best <- pool[which.min(table[[criterion]][pool])]
  fit <- build_fit(results[[best]], x, plan, control)
  fit$search <- table
  fit$criterion <- criterion
  if (!any(eligible)) {
    gmm_warn(paste0(
      "Every candidate of the search is degenerate (a component on tied values), so none is ",
      "reliable; returning the one with the lowest ", toupper(criterion), ". Try fewer ",
      "components or a larger `reg` in gmm_control()."
    ), "gmm_degenerate_warning", components = fit$degenerate)
  }
  warn_fit(fit, chosen = TRUE, flat = any(eligible))
  fit
}
