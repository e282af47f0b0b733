#' Marginal and conditional mixtures
#'
#' A Gaussian mixture stays a Gaussian mixture when some of its variables
#' are left out or fixed. `gmm_marginal()` returns the mixture of a subset of
#' the variables: the same weights, the components' means and covariances
#' restricted to those variables. `gmm_conditional()` returns the mixture of the
#' other variables given values of some: for each component, with `a` the
#' remaining variables and `b` the given ones,
#' \deqn{\mu_{a|b} = \mu_a + \Sigma_{ab}\Sigma_{bb}^{-1}(x_b - \mu_b),\quad
#'   \Sigma_{a|b} = \Sigma_{aa} - \Sigma_{ab}\Sigma_{bb}^{-1}\Sigma_{ba},}
#' and weights proportional to \eqn{\pi_j \phi(x_b; \mu_b, \Sigma_{bb})}, the
#' posterior probabilities of the components given `x_b`. The structure is
#' kept: a tied mixture stays tied, a diagonal one diagonal (its components
#' are then unchanged but for their weights), a spherical one spherical.
#'
#' Both return a mixture like [gmm_mixture()]'s: [predict.gmmfit()] gives its
#' classes, probabilities and densities (of the remaining variables), and
#' [simulate.gmmfit()] and [plot.gmmfit()] work on it. A conditional mixture
#' answers questions such as "what sepal sizes go with a petal 4.5 cm
#' long?": its density is the joint density divided by the marginal density
#' of the given values, and its means are the best predictions of the other
#' variables from them (with their spread).
#'
#' @param object A mixture from [gmm_fit()] or [gmm_mixture()].
#' @param vars The variables to keep: names (as in `object$vars`) or
#'   column numbers.
#' @param given The values of the variables to condition on: a named
#'   numeric vector, or a data frame or matrix with one row and named
#'   columns. At least one variable must be left.
#' @return A `"gmmfit"` mixture over the kept (`gmm_marginal()`) or remaining
#'   (`gmm_conditional()`) variables, without data. In `gmm_conditional()`,
#'   components whose weight given `given` is zero to double precision are
#'   left out; the others keep their order.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 1:4], k = 2)
#' petals <- gmm_marginal(fit, c("Petal.Length", "Petal.Width"))
#' petals
#' # Sepal sizes of flowers whose petals are 4.5 cm long and 1.5 cm wide:
#' sepals <- gmm_conditional(fit, given = c(Petal.Length = 4.5, Petal.Width = 1.5))
#' sepals$weights
#' sepals$means
#' head(simulate(sepals, nsim = 5, seed = 2))
#' @name gmm_marginal
NULL

#' @rdname gmm_marginal
#' @export
gmm_marginal <- function(object, vars) {
  check_object(object)
  keep <- check_vars(vars, object$vars, "vars")
  sub_mixture(object$weights, object$means[, keep, drop = FALSE],
              object$covariances[keep, keep, , drop = FALSE], object$covariance,
              object$vars[keep])
}

#' @rdname gmm_marginal
#' @export
gmm_conditional <- function(object, given) {
  check_object(object)
  given <- check_given(given, object$vars)
  b <- match(names(given), object$vars)
  a <- setdiff(seq_along(object$vars), b)
  if (!length(a)) {
    gmm_abort("`given` fixes every variable of the mixture; leave at least one out.")
  }
  k <- length(object$weights)
  means <- matrix(0, k, length(a))
  covs <- array(0, c(length(a), length(a), k))
  logw <- numeric(k)
  for (j in seq_len(k)) {
    s <- matrix(object$covariances[, , j], length(object$vars))
    chol_bb <- chol(s[b, b, drop = FALSE])
    # Sigma_bb^-1 (x_b - mu_b) and Sigma_bb^-1 Sigma_ba, through the factor.
    dev <- given - object$means[j, b]
    z <- backsolve(chol_bb, dev, transpose = TRUE)
    gain <- backsolve(chol_bb, backsolve(chol_bb, s[b, a, drop = FALSE], transpose = TRUE))
    means[j, ] <- object$means[j, a] + drop(crossprod(gain, dev))
    cj <- s[a, a, drop = FALSE] - s[a, b, drop = FALSE] %*% gain
    covs[, , j] <- (cj + t(cj)) / 2
    logw[j] <- log(object$weights[[j]]) - sum(log(diag(chol_bb))) -
      0.5 * sum(z^2) - 0.5 * length(b) * log(2 * pi)
  }
  w <- exp(logw - max(logw))
  w <- w / sum(w)
  live <- w > 0
  if (model_rows(object$covariance)$spherical) {
    # (Exactly spherical: the remaining variances, equal to begin with.)
    for (j in seq_len(k)) covs[, , j] <- diag(covs[1L, 1L, j], length(a))
  }
  sub_mixture(w[live], means[live, , drop = FALSE], covs[, , live, drop = FALSE],
              object$covariance, object$vars[a])
}

sub_mixture <- function(weights, means, covariances, covariance, vars) {
  obj <- new_gmmfit(as.double(unname(weights)), unname(means), unname(covariances), covariance,
                    df = n_parameters(length(weights), length(vars), covariance))
  validate_gmmfit(label_params(obj, vars))
}

# Variables of a mixture by name or number, as column numbers.
check_vars <- function(vars, names, arg) {
  if (is.character(vars) && length(vars) && !anyNA(vars)) {
    unknown <- setdiff(vars, names)
    if (length(unknown)) {
      gmm_abort(sprintf("`%s` names %s, which the mixture does not have; its variables are %s.",
                        arg, quote_names(unknown), quote_names(names)))
    }
    idx <- match(vars, names)
  } else if (is.numeric(vars) && length(vars) && is_whole(vars) &&
             all(vars >= 1 & vars <= length(names))) {
    idx <- as.integer(vars)
  } else {
    gmm_abort(sprintf("`%s` must be names of the mixture's variables (%s) or column numbers from 1 to %d, not %s.",
                      arg, quote_names(names), length(names), describe_value(vars)))
  }
  if (anyDuplicated(idx)) gmm_abort(sprintf("`%s` names a variable twice.", arg))
  idx
}

# The values to condition on, as a named numeric vector.
check_given <- function(given, names) {
  if (is.data.frame(given) || is.matrix(given)) {
    if (nrow(given) != 1L) {
      gmm_abort(sprintf("`given` must hold one row of values, not %d.", nrow(given)))
    }
    given <- unlist(as.data.frame(given))
  }
  if (!is.numeric(given) || !length(given) || is.null(names(given)) ||
      anyNA(names(given)) || any(names(given) == "")) {
    gmm_abort(sprintf("`given` must be a named numeric vector (or a one-row data frame) of values of the mixture's variables (%s), not %s.",
                      quote_names(names), describe_value(given)))
  }
  if (!all(is.finite(given))) gmm_abort("`given` must hold finite values.")
  check_vars(names(given), names, "given")
  given
}
