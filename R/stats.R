# Sufficient statistics as a value (gmmcore/suffstats.h): a block of rows'
# sums under given parameters, merged in a fixed order, and the next
# parameters from merged sums. EM on data held anywhere is these three
# steps in a loop; R/chunked.R runs it over chunks and cluster workers.

#' Sufficient statistics of a Gaussian mixture, for EM on data in pieces
#'
#' One EM iteration needs only sums over the rows: for each component the
#' sum of the rows' posterior probabilities (times their case weights), and
#' their first and second moments. `gmm_stats()` computes them for a block
#' of rows under given parameters (with the block's log-likelihood and the
#' entropy of its posteriors), `gmm_merge_stats()` adds up the statistics of
#' several blocks, and `gmm_mstep()` turns merged statistics into the next
#' parameters, for any covariance model. [gmm_fit()] does this over data in
#' chunks ([gmm_chunks()]) or on the workers of a cluster; these functions
#' let EM run wherever the data are, by hand.
#'
#' The moments are kept about a shift (by default each component's mean
#' under the parameters given), which keeps them accurate. Statistics merge
#' only when computed about the same shift. When the new means are far from
#' the shift, the covariances from those moments would lose precision:
#' `gmm_mstep()` then returns `inexact = TRUE` and the new `means`;
#' compute the statistics again under the same parameters with
#' `shift = <those means>` and call `gmm_mstep()` again. Rows with missing
#' values (NA) are used with the values they have, as with
#' `gmm_fit(na = "em")`.
#'
#' @param x The rows: a numeric matrix or data frame with the parameters'
#'   variables (matched by name when both have names).
#' @param params A fitted mixture ([gmm_fit()], [gmm_mixture()]), or a list
#'   with `weights`, `means` (k x d) and `covariances` (d x d x k).
#' @param covariance The covariance model the statistics are for (it decides
#'   whether full second moments are kept); by default the fit's, or
#'   `"full"` for a list.
#' @param shift `NULL` (each component's mean under `params`), or a k x d
#'   matrix to take the moments about.
#' @param case_weights `NULL`, or a non-negative weight per row of `x`.
#' @param n_threads Threads of the C++ engine.
#' @return `gmm_stats()` and `gmm_merge_stats()`: an object of class
#'   `"gmm_stats"`, a list with `count` (each component's sum of weighted
#'   posteriors), `first` and `second` (the moments about `shift`, laid out
#'   as the engine keeps them), `loglik` (the rows' log-likelihood, weighted),
#'   `entropy` (of their posteriors), `shift` (k x d), `n` (rows),
#'   `covariance`, `vars` and `bad` (some row had zero density under every
#'   component).
#' @seealso [gmm_fit()] with [gmm_chunks()], which runs this loop.
#' @examples
#' # one EM iteration on iris, the rows in two halves
#' fit <- gmm_fit(iris[, 1:4], k = 3, control = gmm_control(max_iter = 5))
#' s1 <- gmm_stats(iris[1:75, 1:4], fit)
#' s2 <- gmm_stats(iris[76:150, 1:4], fit)
#' s <- gmm_merge_stats(s1, s2)
#' s$loglik - logLik(fit)      # the same log-likelihood
#' nxt <- gmm_mstep(s, fit)
#' if (nxt$inexact) {
#'   s <- gmm_merge_stats(gmm_stats(iris[1:75, 1:4], fit, shift = nxt$means),
#'                        gmm_stats(iris[76:150, 1:4], fit, shift = nxt$means))
#'   nxt <- gmm_mstep(s, fit)
#' }
#' nxt$weights
#' @export
gmm_stats <- function(x, params, covariance = NULL, shift = NULL, case_weights = NULL,
                      n_threads = 1L) {
  p <- stats_params(params, covariance)
  x <- check_newdata(x, p$vars)
  case_weights <- check_case_weights(case_weights, nrow(x))
  n_threads <- check_count(n_threads, "n_threads")
  k <- length(p$weights)
  if (!is.null(shift)) {
    if (!is.numeric(shift) || !identical(dim(shift), c(k, ncol(x))) || !all(is.finite(shift))) {
      gmm_abort(sprintf("`shift` must be NULL or a finite %d x %d matrix (components in rows), not %s.",
                        k, ncol(x), describe(shift)))
    }
    shift <- as.vector(t(shift))
  }
  s <- chunk_stats(x, p, p$covariance, shift, case_weights, n_threads)
  new_stats(s, p$covariance, p$vars, nrow(x))
}

new_stats <- function(s, covariance, vars, n) {
  structure(c(s, list(n = n, covariance = covariance, vars = vars)), class = "gmm_stats")
}

# Parameters for the statistics functions: a fit, or a list checked as
# gmm_mixture() checks its arguments.
stats_params <- function(params, covariance = NULL) {
  if (inherits(params, "gmmfit")) {
    out <- params[c("weights", "means", "covariances")]
    out$covariance <- if (is.null(covariance)) params$covariance else single_covariance(covariance)
    out$vars <- colnames(params$means)
    return(out)
  }
  if (!is.list(params) || !all(c("weights", "means", "covariances") %in% names(params))) {
    gmm_abort(sprintf("`params` must be a fitted mixture or a list with `weights`, `means` and `covariances`, not %s.",
                      describe(params)))
  }
  means <- params$means
  d <- if (is.null(dim(means))) 1L else ncol(means)
  out <- as_params(params$weights, means, params$covariances, d = d, prefix = "params$")
  out$covariance <- single_covariance(covariance %||% "full")
  out$vars <- colnames(out$means) %||% colnames(means) %||%
    if (d == 1L) "x" else paste0("x", seq_len(d))
  out
}

single_covariance <- function(covariance) {
  covariance <- check_covariance(covariance)
  if (length(covariance) != 1L) gmm_abort("`covariance` must be a single model.")
  covariance
}

#' @rdname gmm_stats
#' @param ... `"gmm_stats"` objects, or one list of them, all about the same
#'   shift: they are added in the order given (so the result does not
#'   depend on who computed which).
#' @export
gmm_merge_stats <- function(...) {
  parts <- list(...)
  if (length(parts) == 1L && is.list(parts[[1L]]) && !inherits(parts[[1L]], "gmm_stats")) {
    parts <- parts[[1L]]
  }
  if (!length(parts) || !all(vapply(parts, inherits, logical(1), "gmm_stats"))) {
    gmm_abort("`...` must be \"gmm_stats\" objects from gmm_stats(), or a list of them.")
  }
  first <- parts[[1L]]
  for (s in parts[-1L]) {
    if (!identical(s$covariance, first$covariance) || !identical(s$vars, first$vars) ||
        length(s$count) != length(first$count)) {
      gmm_abort("The statistics to merge must be for the same model: the same covariance model, components and variables.")
    }
    if (!identical(s$shift, first$shift)) {
      gmm_abort("The statistics to merge must be about the same `shift` (compute them under the same parameters, with the same `shift`).")
    }
  }
  merged <- merge_stats(parts)
  new_stats(merged[c("count", "first", "second", "loglik", "entropy", "bad", "shift")],
            first$covariance, first$vars, sum(vapply(parts, `[[`, numeric(1), "n")))
}

#' @rdname gmm_stats
#' @param stats Merged statistics (`"gmm_stats"`).
#' @param previous The parameters the statistics were computed under (a fit
#'   or a list, as `params`): the iterative models' M-steps start from them.
#' @param reg What to add to the diagonal of each covariance, in the units of
#'   the data: one value or one per variable (a fit's is `fit$reg`).
#' @param equal_weights If `TRUE`, the mixing weights are held at 1/k.
#' @return `gmm_mstep()`: a list with `weights`, `means`, `covariances` and
#'   `inexact = FALSE`; or `inexact = TRUE` with only the new `means` (see
#'   Details).
#' @export
gmm_mstep <- function(stats, previous, reg = 0, equal_weights = FALSE) {
  if (!inherits(stats, "gmm_stats")) {
    gmm_abort(sprintf("`stats` must be statistics from gmm_stats(), not %s.", describe(stats)))
  }
  p <- stats_params(previous, stats$covariance)
  d <- length(stats$vars)
  if (length(p$weights) != length(stats$count) || ncol(p$means) != d) {
    gmm_abort("`previous` must have the components and variables of `stats`.")
  }
  if (!is.numeric(reg) || !length(reg) %in% c(1L, d) || any(!is.finite(reg)) || any(reg < 0)) {
    gmm_abort(sprintf("`reg` must be one non-negative number or one per variable (%d), not %s.",
                      d, describe_value(reg)))
  }
  nxt <- cpp_params_from_stats(unclass(stats), covariance_code(stats$covariance),
                               rep_len(as.double(reg), d), p,
                               check_flag(equal_weights, "equal_weights"))
  if (!is.null(nxt$error)) gmm_abort(nxt$error, class = "gmm_fit_error", component = nxt$component)
  comps <- as.character(seq_along(stats$count))
  if (isTRUE(nxt$inexact)) {
    return(list(means = matrix(nxt$means, ncol = d, dimnames = list(comps, stats$vars)),
                inexact = TRUE))
  }
  list(weights = stats::setNames(nxt$weights, comps),
       means = matrix(nxt$means, ncol = d, dimnames = list(comps, stats$vars)),
       covariances = array(nxt$covariances, c(d, d, length(comps)),
                           dimnames = list(stats$vars, stats$vars, comps)),
       covariance = stats$covariance, inexact = FALSE)
}

#' @export
print.gmm_stats <- function(x, ...) {
  cat(sprintf("Sufficient statistics of %s rows under a %d-component %s mixture\n",
              format(x$n, big.mark = ","), length(x$count), x$covariance))
  cat(sprintf("  log-likelihood %s; component weights %s\n", format(x$loglik, digits = 8),
              paste(format(x$count, digits = 4), collapse = ", ")))
  invisible(x)
}

# The sum of two blocks' statistics about the same shift.
add_stats <- function(a, b) {
  a$count <- a$count + b$count
  a$first <- a$first + b$first
  a$second <- a$second + b$second
  a$loglik <- a$loglik + b$loglik
  a$entropy <- a$entropy + b$entropy
  a$bad <- a$bad || b$bad
  a
}
