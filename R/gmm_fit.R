#' Fit a Gaussian mixture model by EM
#'
#' Fits a finite mixture of multivariate normal distributions by the
#' expectation-maximisation algorithm, with a multi-threaded C++ engine. When
#' several numbers of components `k` or covariance structures are given, each
#' combination is fitted and the one with the lowest BIC is returned, with the
#' whole comparison in `$search`.
#'
#' @section Covariance structures:
#' \describe{
#'   \item{`"full"` (mclust `"VVV"`)}{each component has its own unrestricted covariance;}
#'   \item{`"tied"` (`"EEE"`)}{all components share one unrestricted covariance;}
#'   \item{`"diag"` (`"VVI"`)}{each component has its own diagonal covariance;}
#'   \item{`"spherical"` (`"VII"`)}{each component has its own variance, the same in every direction.}
#' }
#'
#' @section Starting points:
#' `init = "kmeans++"` seeds k centres by k-means++ and refines them with a few
#' Lloyd iterations, then starts EM from that partition. `"random"` starts from
#' random responsibilities, `"random_from_data"` from k distinct observations as
#' means with the covariance of the whole data. A vector of labels (one per
#' row) starts from that partition, and a list with `weights`, `means` (k x d)
#' and `covariances` (d x d x k) starts from those parameters (for a
#' restricted structure the covariances are first reduced to it: their
#' diagonals for `"diag"`, the mean variance for `"spherical"`, the
#' weight-averaged matrix for `"tied"`); a user start is run once and fixes
#' `k`. With `n_init > 1` the start reaching the highest log-likelihood is
#' kept. Starts use R's random number generator, so
#' [set.seed()] makes fits reproducible.
#'
#' @section BIC:
#' Here BIC is \eqn{-2 \log L + p \log n}: lower is better, as for
#' [stats::BIC()]. mclust reports \eqn{2 \log L - p \log n}, the same number with
#' the opposite sign, and picks the largest.
#'
#' @section Tied and rounded data:
#' A component whose observations share one value in some direction (rounded
#' measurements, a constant column) has zero variance there, and its
#' likelihood grows without bound; `reg` alone keeps it finite. Such a fit, or
#' the model chosen by a search, gets a warning naming the components, because
#' its log-likelihood and BIC are inflated. For data rounded to a resolution
#' `h`, `gmm_control(reg = h^2 / 12)` (the variance of the rounding error)
#' keeps components from becoming narrower than the rounding.
#'
#' @param x A numeric matrix, a data frame of numeric columns, or a numeric
#'   vector (one variable). Rows are observations. Missing or infinite values
#'   are an error.
#' @param k Number of components, or a vector of candidates (default `1:9`,
#'   or up to the number of rows when there are fewer).
#' @param covariance Covariance structure(s): `"full"`, `"tied"`, `"diag"`,
#'   `"spherical"`, or their mclust names `"VVV"`, `"EEE"`, `"VVI"`, `"VII"`.
#'   Several are searched together with `k`.
#' @param init Starting strategy: `"kmeans++"` (default), `"random"`,
#'   `"random_from_data"`, a vector of starting labels, or a list of parameters
#'   (see Starting points).
#' @param n_init Number of starts per candidate; the best is kept.
#' @param control EM settings made by [gmm_control()].
#' @param n_threads Number of threads; overrides `control$n_threads` when given.
#' @param verbose If `TRUE`, report the progress of each start and candidate.
#' @return An object of class `"gmm"`: a list with `weights`, `means` (k x d),
#'   `covariances` (d x d x k), `covariance` (the structure), `loglik`, `df`
#'   (number of free parameters), `bic`, `n`, `n_iter`, `converged`, `trace`
#'   (log-likelihood at each iteration), `posterior` (n x k), `classification`,
#'   `data`, `control`, `call`, `degenerate` (the components lying on tied
#'   values, see Tied and rounded data), and `search` (a data frame of every
#'   candidate, or `NULL` when only one was fitted). Components are ordered by
#'   decreasing weight.
#' @seealso [predict.gmm()], [simulate.gmm()], [plot.gmm()], [gmm_control()]
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 3:4], k = 3)
#' fit
#' table(predict(fit), iris$Species)
#'
#' # choose k and the covariance structure by BIC
#' fit2 <- gmm_fit(faithful, k = 1:4, covariance = c("full", "diag"))
#' fit2$search
#' @export
gmm_fit <- function(x, k = 1:9, covariance = "full", init = "kmeans++",
                    n_init = 3L, control = gmm_control(), n_threads = NULL,
                    verbose = FALSE) {
  call <- match.call()
  n_init_given <- !missing(n_init)
  x <- check_not_constant(check_data(name_vector(x, substitute(x)), min_rows = 2L))
  k <- if (missing(k)) seq_len(min(9L, nrow(x))) else check_k(k, nrow(x))
  covariance <- check_covariance(covariance)
  init <- check_init(init, x, k)
  n_init <- check_count(n_init, "n_init")
  if (init$type %in% c("params", "partition")) {
    if (n_init_given && n_init > 1L) {
      gmm_warn("`n_init` is ignored: a user-supplied start is run once.", "gmm_n_init_warning")
    }
    n_init <- 1L
  }
  control <- resolve_control(control, n_threads)
  verbose <- check_flag(verbose, "verbose")

  fit <- if (length(k) == 1L && length(covariance) == 1L) {
    fit_single(x, k, covariance, init, n_init, control, verbose)
  } else {
    fit_search(x, k, covariance, init, n_init, control, verbose)
  }
  fit$call <- call
  fit
}

# One (k, covariance) candidate: the best of n_init starts, or a classed
# `gmm_fit_error` when every start failed.
fit_single <- function(x, k, covariance, init, n_init, control, verbose) {
  best <- NULL
  failures <- character()
  for (s in seq_len(n_init)) {
    if (verbose) message(sprintf("k = %d, %s: start %d of %d", k, covariance, s, n_init))
    res <- run_start(x, k, covariance, init, control, verbose)
    if (!is.null(res$error)) {
      failures <- c(failures, res$error)
    } else if (is.null(best) || res$loglik > best$loglik) {
      best <- res
    }
  }
  if (is.null(best)) {
    gmm_abort(
      sprintf("Fitting %d %s components failed%s: %s", k, covariance,
              if (n_init > 1L) sprintf(" in all %d starts", n_init) else "",
              failures[[1L]]),
      class = "gmm_fit_error", failures = failures, reason = failures[[1L]]
    )
  }
  out <- as_gmm_fit(best, x, k, covariance, control)
  out$n_failed_starts <- length(failures)
  warn_fit(out)
  out
}

# The warnings a fit deserves: not converged, components on tied values.
warn_fit <- function(fit, chosen = FALSE) {
  which_model <- if (chosen) "the selected model" else "the fitted mixture"
  if (!fit$converged) {
    gmm_warn(sprintf(
      "EM did not converge in %d iterations for %s (k = %d, %s); increase `max_iter` or `tol` in gmm_control().",
      fit$control$max_iter, which_model, length(fit$weights), fit$covariance
    ), "gmm_convergence_warning")
  }
  bad <- fit$degenerate
  if (length(bad)) {
    one <- length(bad) == 1L
    gmm_warn(sprintf(paste0(
      "%s %s of %s %s on tied values: in some direction %s variance is only `reg` (%s), ",
      "so the log-likelihood and BIC are inflated. For rounded data, set `reg` in gmm_control() ",
      "to the variance of the rounding (for values rounded to 0.1, reg = 0.1^2 / 12)."),
      plural("Component", length(bad)), paste(bad, collapse = ", "), which_model,
      if (one) "lies" else "lie", if (one) "its" else "their", format(fit$control$reg)
    ), "gmm_degenerate_warning", components = bad)
  }
  invisible(fit)
}

# Components that are flat in some direction: their variance there is no more
# than `reg` above zero, relative to the spread of the mixture (for a fit with
# small `reg`, that of the data), which needs no pass over the data. Such a component
# sits on tied values (rounded data, a constant column), where the likelihood
# grows without bound as `reg` shrinks, so log-likelihood and BIC mean little.
degenerate_components <- function(weights, means, covariances, reg) {
  scale <- mean(mixture_variances(weights, means, covariances))
  if (!is.finite(scale) || scale <= 0) scale <- 1
  smallest <- apply(covariances, 3L, function(s) {
    min(eigen(s, symmetric = TRUE, only.values = TRUE)$values)
  })
  which(smallest - reg <= sqrt(.Machine$double.eps) * scale)
}

# The variance of each variable under the mixture: within-component plus
# between-component parts, the latter about the overall mean (no
# cancellation for data far from the origin).
mixture_variances <- function(weights, means, covariances) {
  centre <- colSums(weights * means)
  within <- colSums(weights * t(apply(covariances, 3L, diag)))
  if (ncol(means) == 1L) within <- sum(weights * covariances[1L, 1L, ])
  between <- colSums(weights * sweep(means, 2L, centre)^2)
  within + between
}

run_start <- function(x, k, covariance, init, control, verbose) {
  start <- make_start(init, x, k, covariance, control)
  if (!is.null(start$error)) return(start)
  cpp_em(x, start, covariance_code(covariance), control, verbose, simd_code(control))
}

# Engine output -> "gmm" object with canonical component order.
as_gmm_fit <- function(res, x, k, covariance, control) {
  ord <- order(-res$weights, res$means[, 1L])
  n <- nrow(x)
  # The n x k posterior is the largest thing built here: the engine's matrix
  # (used by nothing else) is reordered and named in place, never copied.
  posterior <- res$posterior
  cpp_relabel_posterior(posterior, ord, list(rownames(x), as.character(seq_len(k))))
  classification <- stats::setNames(classify(posterior), rownames(x))
  df <- n_parameters(k, ncol(x), covariance)
  obj <- new_gmm(
    weights = res$weights[ord],
    means = res$means[ord, , drop = FALSE],
    covariances = res$covariances[, , ord, drop = FALSE],
    covariance = covariance,
    loglik = res$loglik, df = df, bic = -2 * res$loglik + df * log(n), n = n,
    n_iter = res$n_iter, converged = res$converged, trace = res$trace,
    posterior = posterior,
    classification = classification,
    data = x, control = control, search = NULL,
    degenerate = degenerate_components(res$weights[ord], res$means[ord, , drop = FALSE],
                                       res$covariances[, , ord, drop = FALSE], control$reg)
  )
  validate_gmm(label_params(obj, colnames(x)))
}

# A numeric vector becomes a one-column matrix named after the expression that
# gave it (`eruptions` for `faithful$eruptions`), so plots and tables are labelled.
name_vector <- function(x, expr) {
  if (!is.null(dim(x)) || !is.numeric(x)) return(x)
  name <- if (is.name(expr)) {
    as.character(expr)
  } else if (is.call(expr) && identical(expr[[1L]], as.name("$"))) {
    as.character(expr[[3L]])
  } else {
    "x"
  }
  matrix(x, ncol = 1L, dimnames = list(names(x), name))
}
