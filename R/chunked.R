# EM as sums over pieces of the data (gmmcore/suffstats.h): each piece's
# sufficient statistics under the current parameters, merged in a fixed
# order, then the model's M-step. The groundwork of fits on data held in
# chunks or on the workers of a cluster; for now internal.

# The statistics of the rows of `x` (a numeric matrix, possibly with NA)
# under `params` (weights, means, covariances), about `shift` (k x d,
# component-major; NULL: the means): a list of `count`, `first`, `second`
# (as the engine lays them out), `loglik`, `entropy`, `shift`.
chunk_stats <- function(x, params, covariance, shift = NULL, case_weights = NULL,
                        n_threads = 1L) {
  layout <- missing_layout(x)
  if (!is.null(layout$order)) {
    x <- cpp_reorder_rows(x, layout$order)
    if (!is.null(case_weights)) case_weights <- case_weights[layout$order]
  }
  s <- cpp_block_stats(x, params, covariance_code(covariance), case_weights %||% numeric(0),
                       layout$n_complete, shift, n_threads)
  if (!is.null(s$error)) gmm_abort(s$error, class = "gmm_fit_error")
  s
}

# Statistics about the same shift added up, in the order given (so the
# result does not depend on who computed which).
merge_stats <- function(stats) {
  shift <- stats[[1L]]$shift
  for (s in stats) {
    if (!identical(s$shift, shift)) stop("internal: statistics about different shifts")
  }
  add <- function(field) Reduce(`+`, lapply(stats, `[[`, field))
  list(count = add("count"), first = add("first"), second = add("second"),
       loglik = add("loglik"), entropy = add("entropy"),
       bad = any(vapply(stats, `[[`, logical(1), "bad")), shift = shift)
}

# The relative `reg` of a model as the engine applies it: reg times each
# variable's variance, their mean for the spherical models.
model_reg <- function(covariance, reg, var) {
  if (model_rows(covariance)$spherical) rep(reg * mean(var), length(var)) else reg * var
}

# `iterations` EM iterations over `chunks` (a list of matrices with the same
# columns) from `start`, as gmm_fit(tol = 0) makes them in memory: the
# log-likelihood of each iteration's parameters and the last parameters.
chunked_em <- function(chunks, start, covariance, iterations, reg = 1e-6, var,
                       case_weights = NULL) {
  params <- start
  trace <- numeric(0)
  weights_of <- function(i) if (is.null(case_weights)) NULL else case_weights[[i]]
  pass <- function(p, shift = NULL) {
    merge_stats(lapply(seq_along(chunks), function(i) {
      chunk_stats(chunks[[i]], p, covariance, shift, weights_of(i))
    }))
  }
  code <- covariance_code(covariance)
  r <- model_reg(covariance, reg, var)
  stats <- pass(params)
  for (it in seq_len(iterations)) {
    nxt <- cpp_params_from_stats(stats, code, r, params)
    if (isTRUE(nxt$inexact)) {
      # The moments again, about the new means (same parameters).
      again <- pass(params, shift = as.vector(t(nxt$means)))
      nxt <- cpp_params_from_stats(again, code, r, params, about_means = TRUE)
    }
    if (!is.null(nxt$error)) gmm_abort(nxt$error, class = "gmm_fit_error")
    params <- nxt[c("weights", "means", "covariances")]
    stats <- pass(params)
    trace <- c(trace, stats$loglik)
  }
  list(params = params, trace = trace, loglik = stats$loglik)
}
