#' A conjugate prior for the mixture's means and covariances
#'
#' `gmm_prior()` describes the conjugate prior of Fraley and Raftery (2007):
#' given to [gmm_fit()] (`prior = gmm_prior()`), the fit gives maximum a
#' posteriori (MAP) estimates instead of maximum likelihood ones. The prior
#' keeps covariances away from zero, so components sitting on a few tied
#' values, or fits with more components than the data support, no longer
#' run off to an unbounded likelihood; it changes well-determined fits very
#' little. Its defaults are mclust's (`mclust::priorControl()` with
#' `mclust::defaultPrior()`).
#'
#' @section The prior:
#' Each component's mean is normal about `mean`, with covariance
#' \eqn{\Sigma_j /} `shrinkage`; the covariances are inverse-Wishart with
#' `dof` degrees of freedom and scale matrix `scale` (for the diagonal and
#' spherical models, inverse-gamma with the mean of the diagonal of `scale`).
#' The mixing weights get no prior. The MAP mean of component j is
#' \eqn{(n_j \bar x_j + \kappa \mu_P) / (n_j + \kappa)}{(n_j xbar_j + kappa mu_P) / (n_j + kappa)},
#' and its covariance that of the model's maximum-likelihood M-step applied
#' to the scatter
#' \eqn{W_j + \frac{\kappa n_j}{n_j + \kappa} (\bar x_j - \mu_P)(\bar x_j - \mu_P)^T + P}{W_j + kappa n_j / (n_j + kappa) (xbar_j - mu_P)(xbar_j - mu_P)' + P}
#' with \eqn{n_j + \delta} observations, where \eqn{\kappa}
#' is `shrinkage`, \eqn{\mu_P} `mean`, and the model's share of the prior,
#' \eqn{\delta} and \eqn{P}, follows mclust's EM with a prior (its `me()`
#' functions, which `Mclust()` uses)
#' (\eqn{\nu} = `dof`, \eqn{s} = 1 when `shrinkage` > 0, \eqn{G}
#' components, \eqn{d} variables, \eqn{\Lambda} = `scale`, \eqn{\sigma} =
#' tr(\eqn{\Lambda}) / d):
#' \tabular{lll}{
#'   model \tab \eqn{\delta} \tab \eqn{P} \cr
#'   VVV \tab \eqn{\nu + d + 1 + s} \tab \eqn{\Lambda} \cr
#'   EEE \tab \eqn{(\nu + d + 1) / G + s} \tab \eqn{\Lambda / G} (one inverse-Wishart for the shared covariance) \cr
#'   VVI \tab \eqn{\nu + 2 + s} \tab \eqn{\sigma I} \cr
#'   VII \tab \eqn{(\nu + 2) / d + s} \tab \eqn{\sigma I / d} \cr
#'   EII \tab \eqn{(\nu + 2) / (d G) + s} \tab 0 \cr
#'   EEI \tab \eqn{(\nu + 1 + s) / G} \tab \eqn{\sigma I / G} \cr
#'   VEI \tab \eqn{(\nu + 2 + s) / d} \tab \eqn{\sigma I} \cr
#'   EVI \tab \eqn{(\nu + 1 + s) / G} \tab \eqn{\sigma I} \cr
#'   EEV \tab \eqn{(\nu + d + 1 + s) / G} \tab \eqn{\Lambda} \cr
#'   VEV \tab 0 \tab \eqn{\Lambda} \cr
#'   VEE, EVE, VVE, EVV \tab \eqn{\nu + d + 1 + s} \tab \eqn{\Lambda}
#' }
#' mclust has no prior for VEE, EVE, VVE and EVV; gmmfit gives them VVV's,
#' each component's covariance its own inverse-Wishart term, restricted to
#' the model. With one variable every model is mclust's E (equal variances)
#' or V, which follow the rows of EEE and VVV. Written this way, every
#' M-step maximises the expected complete-data log-likelihood plus the
#' log-prior
#' \deqn{-\frac12 \sum_j \left[\delta \log|\Sigma_j| + \mathrm{tr}(\Sigma_j^{-1} P)
#'   + \kappa (\mu_j - \mu_P)^T \Sigma_j^{-1} (\mu_j - \mu_P)\right]}{-1/2 sum_j [delta log|Sigma_j| + tr(Sigma_j^-1 P) + kappa (mu_j - mu_P)' Sigma_j^-1 (mu_j - mu_P)]}
#' (up to a constant), so EM never lowers
#' their sum; `fit$trace` holds that sum, `fit$log_prior` the log-prior at
#' the estimates.
#'
#' Where gmmfit and mclust 6.1 differ: mclust's EEI does not shrink the
#' means (though it counts the shrinkage in the covariance); gmmfit shrinks
#' them as for every other model, which changes the estimates by a relative
#' amount of the order of `shrinkage` over the component sizes. The table
#' keeps mclust's other choices (no scale for EII, no `dof` for VEV, the
#' counts of EEI, EVI and EEV) so that the other models agree with mclust's
#' EM to rounding. (mclust's one-step `mstep()` functions differ from its
#' EM for EII, EEI, EVI and EEV; gmmfit follows the EM.)
#'
#' @section Model choice with a prior:
#' As in mclust, `loglik` is the log-likelihood at the MAP estimates, and
#' BIC, AIC and ICL are computed from it with the usual number of
#' parameters.
#'
#' @param shrinkage Non-negative number \eqn{\kappa}: how strongly the means
#'   are pulled towards `mean` (in observations' worth). `0` leaves the
#'   means alone.
#' @param mean The prior mean: a numeric vector with one value per variable
#'   (named values are matched to the columns), or `NULL` for the column
#'   means of the data.
#' @param dof Degrees of freedom of the inverse-Wishart prior, more than
#'   the number of variables less one; `NULL` for the number of variables
#'   plus 2.
#' @param scale The inverse-Wishart scale: a symmetric positive definite
#'   matrix (one row and column per variable), a positive number (that
#'   times the identity), or `NULL` for the covariance of the data divided
#'   by \eqn{k^{2/d}} (for k components; its diagonal when there are no
#'   more rows than variables).
#' @return An object of class `"gmm_prior"`: the settings, with `NULL` for
#'   those taken from the data when fitting; a fit keeps the values used in
#'   `fit$prior`.
#' @references
#' Fraley, C. and Raftery, A. E. (2007). Bayesian regularization for normal
#' mixture estimation and model-based clustering. *Journal of
#' Classification* 24, 155--181.
#' @seealso [gmm_fit()]
#' @examples
#' # Seven full components on the 47 Swiss provinces: without a prior some
#' # sit on tied values (degenerate); with it none does
#' set.seed(1)
#' fit <- gmm_fit(swiss, k = 7, prior = gmm_prior())
#' fit$degenerate
#' fit$prior$dof
#' # a search over all fourteen models with mclust's default prior
#' fit2 <- gmm_fit(faithful, covariance = "all", prior = TRUE)
#' fit2
#' # a weaker pull of the means, a given scale
#' gmm_prior(shrinkage = 0.001, scale = diag(6))
#' @export
gmm_prior <- function(shrinkage = 0.01, mean = NULL, dof = NULL, scale = NULL) {
  shrinkage <- check_number(shrinkage, "shrinkage")
  if (!is.null(mean) && (!is.numeric(mean) || !length(mean) || any(!is.finite(mean)) ||
                         !is.null(dim(mean)) && min(dim(mean)) > 1L)) {
    gmm_abort(sprintf("`mean` must be NULL or a finite numeric vector, one value per variable, not %s.",
                      describe_value(mean)))
  }
  if (!is.null(dof) && (!is.numeric(dof) || length(dof) != 1L || !is.finite(dof) || dof <= 0)) {
    gmm_abort(sprintf("`dof` must be NULL or a single positive number, not %s.",
                      describe_value(dof)))
  }
  if (!is.null(scale)) {
    ok <- is.numeric(scale) && all(is.finite(scale)) &&
      (length(scale) == 1L && scale > 0 ||
         is.matrix(scale) && nrow(scale) == ncol(scale) && is_spd(scale))
    if (!ok) {
      gmm_abort(sprintf(
        "`scale` must be NULL, a positive number or a symmetric positive definite matrix, not %s.",
        describe_value(scale)))
    }
  }
  structure(list(shrinkage = shrinkage,
                 mean = if (!is.null(mean)) c(mean) else NULL,
                 dof = if (!is.null(dof)) as.double(dof) else NULL,
                 scale = scale),
            class = "gmm_prior")
}

is_spd <- function(s) {
  max(abs(s - t(s))) <= 1e-8 * max(1, abs(s)) &&
    !inherits(try(chol(s), silent = TRUE), "try-error")
}

#' @export
print.gmm_prior <- function(x, ...) {
  show <- function(v, what) if (is.null(v)) what else paste(format(signif(v, 4)), collapse = " ")
  cat("<gmm_prior> conjugate prior (Fraley and Raftery 2007)\n")
  cat("  shrinkage ", format(x$shrinkage), "\n", sep = "")
  cat("  mean      ", show(x$mean, "the column means of the data"), "\n", sep = "")
  cat("  dof       ", show(x$dof, "the number of variables + 2"), "\n", sep = "")
  cat("  scale     ", if (is.null(x$scale)) "the covariance of the data / k^(2/d)"
                      else if (length(x$scale) == 1L) paste(format(x$scale), "x identity")
                      else sprintf("a %d x %d matrix", nrow(x$scale), ncol(x$scale)), "\n", sep = "")
  invisible(x)
}

# `prior` of gmm_fit(): NULL (none), TRUE/FALSE, or a gmm_prior().
check_prior <- function(prior) {
  if (is.null(prior) || isFALSE(prior)) return(NULL)
  if (isTRUE(prior)) return(gmm_prior())
  if (!inherits(prior, "gmm_prior") || !is.list(prior)) {
    gmm_abort(sprintf("`prior` must be NULL, TRUE or made by gmm_prior(), not %s.",
                      describe(prior)))
  }
  # (An object edited by hand is checked again.)
  gmm_prior(shrinkage = prior$shrinkage %||% NA, mean = prior$mean, dof = prior$dof,
            scale = prior$scale)
}

# The hyperparameters of `prior` for data x (a matrix) and k components:
# list(shrinkage, mean, dof, scale (d x d)), the engine's form.
prior_values <- function(prior, x, k, moments = NULL) {
  d <- ncol(x)
  vars <- colnames(x)
  mean <- prior$mean
  if (is.null(mean)) {
    mean <- if (is.null(moments)) colMeans(x) else moments$mean
  } else {
    if (length(mean) != d) {
      gmm_abort(sprintf("The prior's `mean` has %d %s; the data have %d variables (%s).",
                        length(mean), plural("value", length(mean)), d, quote_names(vars)))
    }
    if (!is.null(names(mean))) {
      missing <- setdiff(vars, names(mean))
      if (length(missing)) {
        gmm_abort(sprintf("The prior's `mean` has no value for %s.", quote_names(missing)))
      }
      mean <- mean[vars]
    }
  }
  dof <- prior$dof %||% (d + 2)
  if (dof <= d - 1) {
    gmm_abort(sprintf("The prior's `dof` must be more than the number of variables less one (%d), not %s.",
                      d - 1L, format(dof)))
  }
  scale <- prior$scale
  if (is.null(scale)) {
    v <- if (is.null(moments)) stats::var(x) else moments$cov
    if (nrow(x) <= d) v <- diag(diag(v), d)
    scale <- v / k^(2 / d)
  } else if (length(scale) == 1L) {
    scale <- diag(scale, d)
  } else if (nrow(scale) != d) {
    gmm_abort(sprintf("The prior's `scale` is %d x %d; the data have %d variables.",
                      nrow(scale), ncol(scale), d))
  }
  list(shrinkage = prior$shrinkage, mean = stats::setNames(as.double(mean), vars),
       dof = as.double(dof), scale = matrix(as.double(scale), d, d, dimnames = list(vars, vars)))
}
