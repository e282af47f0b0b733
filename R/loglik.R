#' Log-likelihood, BIC and AIC of a fitted mixture
#'
#' `logLik()` returns the maximised log-likelihood with its degrees of freedom
#' (free parameters) and number of observations, so [stats::BIC()] and
#' [stats::AIC()] work as for any model: lower is better. Note that mclust's
#' `bic` has the opposite sign (larger is better).
#'
#' With `newdata`, `logLik()` is the log-likelihood of those rows under the
#' fitted (or given) mixture, with the same degrees of freedom and `nobs`
#' the number of rows: held-out likelihood, as scikit-learn's `score()`
#' (which is the mean, `logLik(fit, newdata) / nrow(newdata)`). Columns are
#' matched to the model's variables by name, as in [predict.gmmfit()].
#'
#' @param object A `"gmmfit"` object from [gmm_fit()] (or, with `newdata`,
#'   from [gmm_mixture()]).
#' @param newdata Optional new observations (a matrix or data frame with the
#'   model's variables as columns), or data in chunks ([gmm_chunks()]), read
#'   one chunk at a time.
#' @param ... Unused.
#' @return `logLik()`: an object of class `"logLik"`; `nobs()`: the number of
#'   observations.
#' @examples
#' fit <- gmm_fit(faithful, k = 2)
#' logLik(fit)
#' BIC(fit)
#' AIC(fit)
#' nobs(fit)
#' # Held-out log-likelihood: fit on half the rows, score the other half.
#' set.seed(1)
#' train <- sample(nrow(faithful), 136)
#' half <- gmm_fit(faithful[train, ], k = 2)
#' logLik(half, newdata = faithful[-train, ])
#' @export
logLik.gmmfit <- function(object, newdata = NULL, ...) {
  check_object(object)
  if (!is.null(chunks <- as_chunks(newdata))) {
    per_chunk <- predict_chunks(object, chunks, "density", TRUE, NULL)
    total <- sum(vapply(per_chunk, sum, numeric(1)))
    return(structure(total, df = object$df, nobs = sum(lengths(per_chunk)), class = "logLik"))
  }
  if (!is.null(newdata)) {
    logdens <- predict.gmmfit(object, newdata, type = "density", log = TRUE)
    return(structure(sum(logdens), df = object$df, nobs = length(logdens), class = "logLik"))
  }
  if (is.null(object$loglik)) {
    gmm_abort("`object` was not fitted to data, so it has no log-likelihood.")
  }
  if (!is.numeric(object$loglik) || length(object$loglik) != 1L ||
      !is_whole(object$df) || length(object$df) != 1L || !is.numeric(object$n) ||
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
