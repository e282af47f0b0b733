#' The parameters of a mixture as a named vector
#'
#' `coef()` returns the parameters of a mixture, as its covariance structure
#' has them: the mixing weights (`weight1`, `weight2`, ...), the means
#' (`mean1.<variable>`), and the covariances: for `"full"` the lower
#' triangle of each component's matrix (`cov1.<var>.<var>`, the diagonals
#' being the variances), for `"tied"` that of the one matrix all components
#' share (`cov.<var>.<var>`), for `"diag"` each component's variances
#' (`var1.<variable>`), for `"spherical"` each component's one variance
#' (`var1`). The vector has one element more than the degrees of freedom
#' (the weights sum to 1). Components are numbered as in the fit.
#'
#' @param object A `"gmmfit"` object from [gmm_fit()] or [gmm_mixture()].
#' @param ... Unused.
#' @return A named numeric vector.
#' @examples
#' fit <- gmm_fit(faithful, k = 2)
#' coef(fit)
#' coef(gmm_fit(faithful, k = 2, covariance = "diag"))
#' @export
coef.gmmfit <- function(object, ...) {
  check_object(object)
  k <- length(object$weights)
  vars <- object$vars
  d <- length(vars)
  weights <- stats::setNames(unname(object$weights), paste0("weight", seq_len(k)))
  means <- stats::setNames(as.vector(t(object$means)),
                           paste0("mean", rep(seq_len(k), each = d), ".", vars))
  lower <- which(lower.tri(diag(d), diag = TRUE), arr.ind = TRUE)
  pairs <- paste0(vars[lower[, 1L]], ".", vars[lower[, 2L]])
  covs <- object$covariances
  cov <- switch(object$covariance,
    full = stats::setNames(
      unlist(lapply(seq_len(k), function(j) covs[, , j][lower])),
      paste0("cov", rep(seq_len(k), each = nrow(lower)), ".", pairs)),
    tied = stats::setNames(covs[, , 1L][lower], paste0("cov.", pairs)),
    diag = stats::setNames(
      unlist(lapply(seq_len(k), function(j) diag(matrix(covs[, , j], d, d)))),
      paste0("var", rep(seq_len(k), each = d), ".", vars)),
    spherical = stats::setNames(vapply(seq_len(k), function(j) covs[1L, 1L, j], numeric(1)),
                                paste0("var", seq_len(k)))
  )
  c(weights, means, cov)
}
