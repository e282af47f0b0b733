# Missing values and case weights: the data as the engine reads them.
#
# With `na = "em"`, rows with missing values are fitted from their observed
# values (gmmcore/incomplete.h). The engine wants the complete rows first and
# the incomplete ones grouped by missingness pattern, so the rows are put in
# that order here, and everything that comes back by row (posteriors,
# classes, densities) is put back in the user's order. Data without missing
# values and without weights are passed as they are.

# The data of a fit: `x` as the user gave it (kept in the fit), `xe` the
# rows in the engine's order (`ord`, or NULL when that is the given order),
# `n_complete` the complete rows (-1: all), `w` the case weights in the
# engine's order (NULL: none), `n_obs` the number of observations BIC counts,
# and `xs` the rows the starts are drawn on (missing values replaced by
# their column's mean).
fit_data <- function(x, case_weights = NULL, layout = missing_layout(x)) {
  ord <- layout$order
  xe <- if (is.null(ord)) x else cpp_reorder_rows(x, ord)
  if (!is.null(ord)) dimnames(xe) <- list(rownames(x)[ord], colnames(x))
  w <- if (is.null(case_weights) || is.null(ord)) case_weights else case_weights[ord]
  moments <- observed_moments(xe, w)
  list(x = x, xe = xe, ord = ord, n_complete = layout$n_complete, w = w,
       n_obs = if (is.null(w)) nrow(x) else sum(w), moments = moments,
       xs = if (is.null(ord)) xe else mean_imputed(xe, moments$centre))
}

# The rows of `x`, and their weights `w`, in the engine's order (`layout`
# from missing_layout()), with `ord` (NULL: as given) and the number of
# complete rows: what the engine's passes read.
engine_rows <- function(x, w = NULL, layout = missing_layout(x)) {
  ord <- layout$order
  if (!is.null(ord)) {
    vars <- colnames(x)
    x <- cpp_reorder_rows(x, ord)
    colnames(x) <- vars
    if (!is.null(w)) w <- w[ord]
  }
  list(x = x, w = w, n_complete = layout$n_complete, ord = ord)
}

# Complete rows first, then the incomplete ones by pattern (each pattern's
# rows in their given order); NULL order when nothing is missing.
missing_layout <- function(x) {
  if (!anyNA(x)) return(list(order = NULL, n_complete = -1L, empty = integer(0)))
  layout <- cpp_missing_layout(x)
  list(order = layout$order, n_complete = as.integer(layout$n_complete),
       empty = as.integer(layout$empty))
}

# Each missing value replaced by its column's `centre` (the observed mean).
mean_imputed <- function(x, centre) {
  filled <- cpp_fill_missing(x, centre)
  dimnames(filled) <- dimnames(x)
  filled
}

# Column centres and variances of the observed values, weighted: the
# variance's divisor is the sum of the weights less one (so that whole
# weights give the variance of the rows repeated), or the sum of the
# weights when that is at most one.
observed_moments <- function(x, w = NULL) {
  if (is.null(w) && !anyNA(x)) return(cpp_column_moments(x))
  cpp_observed_moments(x, w %||% numeric(0))
}

# The mean vector and covariance matrix the default prior is made of: with
# missing values or weights, the observed (weighted) means and variances,
# and the correlations of the mean-imputed data (a valid covariance,
# whatever the pattern of missing values).
data_moments <- function(fd) {
  if (is.null(fd$w) && is.null(fd$ord)) return(NULL)
  s <- fd$moments
  xs <- fd$xs
  w <- fd$w %||% rep(1, nrow(xs))
  cw <- stats::cov.wt(xs, wt = w / sum(w))$cov
  r <- stats::cov2cor(cw)
  sd <- sqrt(s$var)
  list(mean = s$centre, cov = r * outer(sd, sd))
}

# Rows in the user's order from rows in the engine's.
user_order <- function(m, fd) {
  if (is.null(fd$ord)) return(m)
  if (is.null(dim(m))) {
    out <- m
    out[fd$ord] <- m
    return(out)
  }
  out <- cpp_reorder_rows(m, fd$ord, inverse = TRUE)
  if (!is.null(dimnames(m))) dimnames(out) <- list(rownames(m)[order(fd$ord)], colnames(m))
  out
}

# The E-step of parameters on rows that may have missing values:
# posteriors and log densities in the rows' order.
estep_rows <- function(x, params, code, n_threads, isa) {
  layout <- missing_layout(x)
  if (is.null(layout$order)) return(cpp_estep(x, params, code, n_threads, isa))
  e <- cpp_estep(x[layout$order, , drop = FALSE], params, code, n_threads, isa,
                 layout$n_complete)
  if (!is.null(e$error)) return(e)
  e$posterior <- cpp_reorder_rows(e$posterior, layout$order, inverse = TRUE)
  e$logdens[layout$order] <- e$logdens
  e
}

# ---- checks ------------------------------------------------------------------

# `na` as an na.action: "omit" is na.omit(); "em" and "fail" leave the rows
# as they are (missing values are then fitted, or an error of check_data()).
# A user's own na.action goes with the default `na` only.
resolve_na <- function(na, na.action) {
  if (!is.null(na.action) && na != "fail") {
    gmm_abort(sprintf(
      "Give either `na` or `na.action`, not both: `na = \"%s\"` %s.", na,
      if (na == "omit") "already leaves out the rows with missing values" else
        "fits the missing values, which `na.action` would remove or refuse"))
  }
  if (na == "omit") stats::na.omit else na.action
}

# Case weights: NULL, or one finite non-negative number per row, not all zero.
check_case_weights <- function(w, n) {
  if (is.null(w)) return(NULL)
  if (!is.numeric(w) || !is.null(dim(w)) && length(dim(w)) > 1L && min(dim(w)) > 1L) {
    gmm_abort(sprintf("`case_weights` must be a numeric vector, not %s.", describe(w)))
  }
  if (length(w) != n) {
    gmm_abort(sprintf("`case_weights` must have one value per row of the data (%d), not %d.",
                      n, length(w)))
  }
  bad <- which(!is.finite(w))
  if (length(bad)) {
    gmm_abort(sprintf("`case_weights` must be finite; %s %s NA or infinite (the first is row %d).",
                      plural("value", length(bad)), if (length(bad) == 1L) "is" else "are",
                      bad[[1L]]))
  }
  if (any(w < 0)) {
    gmm_abort(sprintf("`case_weights` must not be negative; row %d has %s.",
                      which(w < 0)[[1L]], format(w[w < 0][[1L]])))
  }
  if (!any(w > 0)) gmm_abort("`case_weights` are all zero: no row is left to fit.")
  as.double(as.vector(w))
}

# With missing values fitted by EM: every row needs an observed value, and
# every column two distinct observed values.
check_observed <- function(x, layout) {
  empty <- layout$empty
  if (length(empty)) {
    gmm_abort(sprintf(
      "`x` has %s with every value missing (%s %s); a row needs at least one observed value. Remove %s.",
      plural("row", length(empty)), plural("row", length(empty)),
      paste(utils::head(empty, 5L), collapse = ", "), if (length(empty) == 1L) "it" else "them"))
  }
  constant <- cpp_constant_columns(x)
  if (any(constant)) {
    them <- if (sum(constant) == 1L) "it" else "them"
    gmm_abort(sprintf(
      "`x` has %s %s with fewer than two distinct observed values, so no variance can be estimated for %s; drop %s.",
      plural("column", sum(constant)), quote_names(colnames(x)[constant]), them, them))
  }
  invisible(x)
}
