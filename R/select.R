# The k x covariance search: every candidate is fitted from the same starts
# per k; a candidate that fails is recorded with its reason, a degenerate one
# (a component on tied values) with its criteria, and neither is eligible;
# the eligible candidate with the lowest criterion (BIC, ICL or AIC) wins.

# One row per candidate, from the engine's results.
search_table <- function(grid, n, d, equal_weights = FALSE) {
  summ <- grid$summary  # loglik, entropy, converged, n_iter, smallest flatness
  ks <- grid$k
  covs <- grid$covariance
  df <- n_parameters(ks, d, covs, equal_weights)
  bic <- -2 * summ[, 1L] + df * log(n)
  # A data frame built directly: data.frame(), or even structure(), would
  # cost more than a small search's fits.
  table <- list(
    k = ks, covariance = covs, loglik = summ[, 1L], df = df, bic = bic,
    aic = -2 * summ[, 1L] + 2 * df, icl = bic + 2 * summ[, 2L],
    converged = as.logical(summ[, 3L]),
    n_iter = as.integer(summ[, 4L]), degenerate = summ[, 5L] <= flat_tolerance,
    error = grid$error
  )
  class(table) <- c("gmm_search", "data.frame")
  attr(table, "row.names") <- seq_along(ks)
  table
}

# The row of a search table that a search returns, and the rows it chose
# among: the eligible candidates (fitted, not degenerate), or when there are
# none the fitted ones; `best` is NA when every candidate failed.
search_choice <- function(table, criterion) {
  fitted <- is.na(table$error)
  eligible <- fitted & !(table$degenerate %in% TRUE)
  pool <- if (any(eligible)) eligible else fitted
  best <- if (any(pool)) which(pool)[which.min(.subset2(table, criterion)[pool])] else NA_integer_
  attr(best, "pool") <- pool
  best
}

# The candidate a search returns: the best eligible one by `criterion`; when
# every fitted candidate is degenerate, the best of those with a warning
# that says so; when every candidate failed, an error.
chosen_fit <- function(grid, table, criterion, fd, plan, control) {
  fitted <- is.na(table$error)
  if (!any(fitted)) {
    gmm_abort(sprintf("Every candidate failed; the first: %s", table$error[[1L]]),
              class = "gmm_fit_error", search = table)
  }
  eligible <- fitted & !table$degenerate
  best <- as.integer(search_choice(table, criterion))
  res <- candidate(grid, best)
  fit <- build_fit(res, fd, plan, control)
  attr(table, "criterion") <- criterion
  fit$search <- table
  fit$criterion <- criterion
  if (!any(eligible)) {
    gmm_warn(paste0(
      "Every candidate of the search is degenerate (a component on tied values), so none is ",
      "reliable; returning the one with the lowest ", toupper(criterion), ". Try fewer ",
      "components or a larger `reg` in gmm_control()."
    ), "gmm_degenerate_warning", components = fit$degenerate)
  }
  # A degenerate run stopped early has not converged, but that is not news.
  warn_fit(fit, chosen = TRUE, flat = any(eligible),
           converge = !isTRUE(res$stopped_flat))
  fit
}
