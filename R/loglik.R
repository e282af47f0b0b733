#' Log-likelihood, BIC and AIC of a fitted mixture
#'
#' `logLik()` returns the maximised log-likelihood with its degrees of freedom
#' (free parameters) and number of observations, so [stats::BIC()] and
#' [stats::AIC()] work as for any model: lower is better. Note that mclust's
#' `bic` has the opposite sign (larger is better).
#'
#' @param object A `"gmmfit"` object from [gmm_fit()].
#' @param ... Unused.
#' @return `logLik()`: an object of class `"logLik"`; `nobs()`: the number of
#'   observations.
#' @examples
#' fit <- gmm_fit(faithful, k = 2)
#' logLik(fit)
#' BIC(fit)
#' AIC(fit)
#' nobs(fit)
#' @export
logLik.gmmfit <- function(object, ...) {
  check_object(object)
  if (is.null(object$loglik)) {
    gmm_abort("`object` was not fitted to data, so it has no log-likelihood.")
  }
  if (!is.numeric(object$loglik) || length(object$loglik) != 1L ||
      !is_whole(object$df) || length(object$df) != 1L || !is_whole(object$n) ||
      length(object$n) != 1L) {
    gmm_abort("`object$loglik`, `object$df` and `object$n` must be single numbers (the log-likelihood, the number of parameters and of observations).")
  }
  structure(object$loglik, df = object$df, nobs = object$n, class = "logLik")
}

#' @rdname logLik.gmmfit
#' @export
nobs.gmmfit <- function(object, ...) {
  check_object(object)
  if (is.null(object$n)) {
    gmm_abort("`object` was not fitted to data, so it has no observations.")
  }
  object$n
}
