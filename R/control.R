#' Settings of the EM algorithm
#'
#' `gmm_control()` validates the settings used by [gmm_fit()]; the object is
#' kept in the fit (`fit$control`).
#'
#' EM stops when the relative change of the log-likelihood between two
#' iterations, \eqn{|L_t - L_{t-1}| / (1 + |L_{t-1}|)}, falls below `tol`, or
#' after `max_iter` iterations. With `tol = 0` exactly `max_iter` iterations are
#' run (and the fit is reported as not converged).
#'
#' @param max_iter Maximum number of EM iterations per start.
#' @param tol Convergence tolerance on the relative change of the
#'   log-likelihood; `0` disables the test.
#' @param reg Non-negative number added to the diagonal of every covariance
#'   matrix at each M-step. It keeps components from collapsing onto a few
#'   points; increase it if a fit fails with a "not positive definite" error.
#'   Like scikit-learn's `reg_covar`; `reg = 0` gives the plain maximum
#'   likelihood updates used by mclust.
#' @param n_threads Number of threads of the C++ engine. Results do not depend
#'   on it: sums are accumulated in a fixed order.
#' @return An object of class `"gmm_control"`.
#' @seealso [gmm_fit()]
#' @examples
#' gmm_control(tol = 1e-8, max_iter = 500)
#' @export
gmm_control <- function(max_iter = 1000L, tol = 1e-6, reg = 1e-6,
                        n_threads = default_threads()) {
  structure(
    list(
      max_iter = check_count(max_iter, "max_iter"),
      tol = check_number(tol, "tol"),
      reg = check_number(reg, "reg"),
      n_threads = check_count(n_threads, "n_threads")
    ),
    class = "gmm_control"
  )
}

default_threads <- function() {
  cores <- parallel::detectCores(logical = FALSE)
  if (is.na(cores)) 1L else as.integer(min(2L, cores))
}

#' @export
print.gmm_control <- function(x, ...) {
  cat("<gmm_control>\n")
  cat(sprintf("  max_iter  %d\n  tol       %g\n  reg       %g\n  n_threads %d\n",
              x$max_iter, x$tol, x$reg, x$n_threads))
  invisible(x)
}

resolve_control <- function(control, n_threads) {
  if (!inherits(control, "gmm_control")) {
    gmm_abort(sprintf("`control` must be made by gmm_control(), not %s.", describe(control)))
  }
  if (!is.null(n_threads)) control$n_threads <- check_count(n_threads, "n_threads")
  control
}
