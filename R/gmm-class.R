# The "gmmfit" object: new_gmmfit() asserts types cheaply, validate_gmmfit() checks
# meaning, gmm_mixture() builds a mixture from known parameters.

# (Plain if() rather than stopifnot(): these run on every fit, and a small
# search costs only milliseconds.)
new_gmmfit <- function(weights, means, covariances, covariance, ...) {
  if (!is.double(weights) || !is.matrix(means) || !is.array(covariances) ||
      !is.character(covariance) || length(covariance) != 1L) {
    stop("internal: a gmmfit object needs numeric weights, a means matrix, a covariance array and one structure")
  }
  obj <- list(weights = weights, means = means, covariances = covariances,
              covariance = covariance, ...)
  class(obj) <- "gmmfit"
  obj
}

validate_gmmfit <- function(x) {
  k <- length(x$weights)
  d <- ncol(x$means)
  ok <- isTRUE(nrow(x$means) == k) && identical(dim(x$covariances), c(d, d, k)) &&
    isTRUE(all(x$weights >= 0) && abs(sum(x$weights) - 1) < 1e-8) &&
    isTRUE(x$covariance %in% model_table$name) &&
    (is.null(x$posterior) || isTRUE(ncol(x$posterior) == k && nrow(x$posterior) == n_rows(x)))
  if (!ok) stop("internal: inconsistent gmmfit object (weights, means, covariances or posterior)")
  x
}

# The rows a fit was made on: `n`, unless case weights make it their sum.
n_rows <- function(x) if (is.null(x$case_weights)) x$n else length(x$case_weights)

#' A Gaussian mixture from known parameters
#'
#' Builds a `"gmmfit"` object without fitting, for instance to simulate data from
#' a known mixture or to compute densities. It supports [predict.gmmfit()],
#' [simulate.gmmfit()], [print.gmmfit()] and [plot.gmmfit()] (with `data`), but has no
#' log-likelihood.
#'
#' @param weights Mixing proportions: positive, summing to one.
#' @param means A k x d matrix of component means (for d = 1 a vector of
#'   length k; for k = 1 a vector of length d).
#' @param covariances A d x d x k array of covariance matrices, or a list of k
#'   d x d matrices (for d = 1, a vector of k variances).
#' @param covariance The covariance structure the parameters follow
#'   (`"full"`, `"tied"`, `"diag"`, `"spherical"` or an mclust synonym). The
#'   covariances must follow it: equal for `"tied"`, diagonal for `"diag"`,
#'   multiples of the identity for `"spherical"`.
#' @return An object of class `"gmmfit"`.
#' @examples
#' mix <- gmm_mixture(weights = c(0.3, 0.7),
#'                    means = rbind(c(0, 0), c(3, 3)),
#'                    covariances = list(diag(2), matrix(c(1, 0.8, 0.8, 1), 2)))
#' mix
#' head(simulate(mix, nsim = 5, seed = 1))
#' @export
gmm_mixture <- function(weights, means, covariances, covariance = "full") {
  covariance <- check_covariance(covariance)
  if (length(covariance) != 1L) gmm_abort("`covariance` must be a single structure.")
  if (!is.numeric(means)) {
    gmm_abort(sprintf("`means` must be a numeric matrix (components in rows), not %s.",
                      describe_value(means)))
  }
  if (is.null(dim(means)) && length(weights) == 1L) {
    # (A named vector of means names the variables.)
    means <- matrix(means, nrow = 1L, dimnames = list(NULL, names(means)))
  }
  d <- if (is.null(dim(means))) 1L else ncol(means)
  p <- as_params(weights, means, covariances, d = d, prefix = "")
  check_structure(p, covariance)
  vars <- colnames(means) %||% if (d == 1L) "x" else paste0("x", seq_len(d))
  obj <- new_gmmfit(p$weights, p$means, p$covariances, covariance,
                 df = n_parameters(length(p$weights), d, covariance))
  validate_gmmfit(label_params(obj, vars))
}

`%||%` <- function(a, b) if (is.null(a)) b else a

# Validated parameters as list(weights, means (k x d), covariances (d x d x k)).
as_params <- function(weights, means, covariances, d, prefix) {
  arg <- function(name) paste0("`", prefix, name, "`")
  if (!is.numeric(weights) || length(weights) < 1L || any(!is.finite(weights)) ||
      any(weights <= 0) || abs(sum(weights) - 1) > 1e-6) {
    gmm_abort(sprintf("%s must be positive numbers summing to 1, not %s.",
                      arg("weights"), describe_value(weights)))
  }
  k <- length(weights)
  if (d == 1L && is.null(dim(means))) means <- matrix(means, ncol = 1L)
  if (!is.numeric(means) || !identical(dim(means), c(k, d)) || any(!is.finite(means))) {
    gmm_abort(sprintf("%s must be a finite %d x %d matrix (components in rows), not %s.",
                      arg("means"), k, d,
                      if (is.null(dim(means))) describe_value(means) else paste(dim(means), collapse = " x ")))
  }
  if (!is.list(covariances) && !is.numeric(covariances)) {
    gmm_abort(sprintf(
      "%s must be a %d x %d x %d array, a list of %d %d x %d matrices%s, not %s.",
      arg("covariances"), d, d, k, k, d, d,
      if (d == 1L) sprintf(" or a vector of %d variances", k) else "", describe(covariances)))
  }
  if (is.list(covariances)) covariances <- simplify_cov_list(covariances, d, arg("covariances"))
  if (d == 1L && is.null(dim(covariances))) covariances <- array(covariances, c(1L, 1L, length(covariances)))
  if (is.matrix(covariances) && k == 1L) covariances <- array(covariances, c(d, d, 1L))
  if (!is.numeric(covariances) || !identical(dim(covariances), c(d, d, k)) ||
      any(!is.finite(covariances))) {
    gmm_abort(sprintf("%s must be a finite %d x %d x %d array (or a list of %d matrices %d x %d).",
                      arg("covariances"), d, d, k, k, d, d))
  }
  for (j in seq_len(k)) {
    s <- covariances[, , j]
    if (max(abs(s - t(s))) > 1e-8 * max(1, abs(s)) ||
        inherits(try(chol(s), silent = TRUE), "try-error")) {
      gmm_abort(sprintf("`%scovariances[, , %d]` is not a symmetric positive definite matrix.",
                        prefix, j))
    }
  }
  storage.mode(covariances) <- "double"
  storage.mode(means) <- "double"
  list(weights = as.double(weights) / sum(weights), means = unname(means),
       covariances = unname(covariances))
}

simplify_cov_list <- function(covariances, d, arg) {
  if (!length(covariances)) {
    gmm_abort(sprintf("%s is an empty list; it must hold one %d x %d matrix per component.",
                      arg, d, d))
  }
  ok <- vapply(covariances, function(s) is.numeric(s) && length(s) == d * d, logical(1))
  if (!all(ok)) {
    gmm_abort(sprintf("%s as a list must hold %d x %d numeric matrices; element %d is %s.",
                      arg, d, d, which(!ok)[1L], describe(covariances[[which(!ok)[1L]]])))
  }
  array(unlist(lapply(covariances, as.double)), c(d, d, length(covariances)))
}

# Covariances given for a model must follow it, since the engine reads
# only the diagonal of diagonal models, one value of spherical ones and the
# first matrix of shared ones: they must equal their projection onto the
# model (project_params()).
check_structure <- function(p, covariance, arg = "`covariances`") {
  model <- model_rows(covariance)
  covs <- p$covariances
  d <- dim(covs)[1L]
  ref <- project_params(p, covariance)$covariances
  off <- vapply(seq_len(dim(covs)[3L]), function(j) {
    s <- matrix(covs[, , j], d, d)
    is.null(ref) || max(abs(s - matrix(ref[, , j], d, d))) > 1e-8 * max(abs(s))
  }, logical(1))
  if (!any(off)) return(invisible(p))
  j <- which(off)[1L]
  if (model$shared) {
    # (The component that differs from the first, when one does.)
    differs <- vapply(seq_len(dim(covs)[3L]), function(i) {
      max(abs(covs[, , i] - covs[, , 1L])) > 1e-8 * max(abs(covs[, , 1L]))
    }, logical(1))
    if (any(differs)) j <- which(differs)[1L]
  }
  s <- matrix(covs[, , j], d, d)
  rule <- if (model$diagonal && any(s[row(s) != col(s)] != 0)) {
    "be diagonal"
  } else if (model$spherical && length(unique(diag(s))) > 1L) {
    "be multiples of the identity"
  } else if (model$shared) {
    "all be equal"
  } else {
    sprintf("follow its constraints (%s)", model$description)
  }
  gmm_abort(sprintf(
    "%s must %s for covariance = \"%s\"; component %d is not. Use covariance = \"full\" for unrestricted matrices.",
    arg, rule, covariance, j
  ))
}

# Names on every piece: components 1..k, variables as in the data.
label_params <- function(obj, vars) {
  k <- length(obj$weights)
  comps <- as.character(seq_len(k))
  names(obj$weights) <- comps
  dimnames(obj$means) <- list(comps, vars)
  dimnames(obj$covariances) <- list(vars, vars, comps)
  obj$vars <- vars
  obj
}

# The parts of a "gmmfit" object that its methods read, checked before they
# read them, so that an object edited by hand gets an error that names the
# field instead of a failure deep inside: the parameters and the structure
# they follow, the variable names, and the settings of the fit (when there
# is one).
check_object <- function(object, arg = "object") {
  field <- function(name) sprintf("`%s$%s`", arg, name)
  if (!inherits(object, "gmmfit") || !is.list(object)) {
    gmm_abort(sprintf("`%s` must be a mixture made by gmm_fit() or gmm_mixture(), not %s.",
                      arg, describe(object)))
  }
  means <- object$means
  d <- if (is.matrix(means)) ncol(means) else length(object$vars)
  vars <- object$vars
  if (!is.character(vars) || length(vars) != d || anyNA(vars) || any(vars == "") ||
      anyDuplicated(vars)) {
    gmm_abort(sprintf("%s must hold %d distinct variable names, one per column of %s.",
                      field("vars"), d, field("means")))
  }
  p <- as_params(object$weights, means, object$covariances, d = d, prefix = paste0(arg, "$"))
  cov <- object$covariance
  if (!is.character(cov) || length(cov) != 1L || !cov %in% model_table$name) {
    gmm_abort(sprintf("%s must be one of %s, not %s.", field("covariance"),
                      paste0("\"", model_table$name, "\"", collapse = ", "), describe_value(cov)))
  }
  check_structure(p, cov, arg = field("covariances"))
  if (!is.null(object$control)) check_object_control(object$control, field("control"))
  if (!is.null(object$loglik)) check_object_summaries(object, field, length(p$weights))
  invisible(object)
}

# The numbers a fitted object reports (print(), summary(), logLik()), each
# of the type and length the fit gave it.
check_object_summaries <- function(object, field, k) {
  number <- function(v) is.numeric(v) && length(v) == 1L && !is.na(v)
  count <- function(v) number(v) && v == floor(v) && v >= 0 && v <= .Machine$integer.max
  for (name in c("loglik", "bic")) {
    if (!number(object[[name]])) {
      gmm_abort(sprintf("%s must be a single number, not %s.", field(name),
                        describe_value(object[[name]])))
    }
  }
  # (With case weights, `n` is their sum, which need not be whole.)
  weighted <- !is.null(object$case_weights) || isTRUE(object$source$weighted)
  counted <- if (weighted) c("df", "n_iter") else c("df", "n", "n_iter")
  if (weighted && !(number(object$n) && object$n > 0)) {
    gmm_abort(sprintf("%s must be a positive number (the sum of the case weights), not %s.",
                      field("n"), describe_value(object$n)))
  }
  rows <- n_rows(object)
  for (name in counted) {
    if (!count(object[[name]])) {
      gmm_abort(sprintf("%s must be a single whole number from 0 to .Machine$integer.max, not %s.",
                        field(name), describe_value(object[[name]])))
    }
  }
  if (!is.logical(object$converged) || length(object$converged) != 1L ||
      is.na(object$converged)) {
    gmm_abort(sprintf("%s must be TRUE or FALSE, not %s.", field("converged"),
                      describe_value(object$converged)))
  }
  cl <- object$classification
  if (!is.null(cl) && (!is.numeric(cl) || length(cl) != rows || anyNA(cl) ||
                       !all(cl %in% seq_len(k)))) {
    gmm_abort(sprintf("%s must give each of the %d observations a component from 1 to %d.",
                      field("classification"), rows, k))
  }
  for (name in c("aic", "icl")) {
    if (!is.null(object[[name]]) && !number(object[[name]])) {
      gmm_abort(sprintf("%s must be a single number, not %s.", field(name),
                        describe_value(object[[name]])))
    }
  }
  post <- object$posterior
  if (!is.null(post) && (!is.matrix(post) || !is.numeric(post) ||
                         !identical(dim(post), c(as.integer(rows), k)))) {
    gmm_abort(sprintf("%s must be the %d x %d matrix of posterior probabilities, not %s.",
                      field("posterior"), rows, k, describe_value(post)))
  }
  d <- length(object$vars)
  dat <- object$data
  if (!is.null(dat) && (!is.matrix(dat) || !is.numeric(dat) ||
                        !identical(dim(dat), c(as.integer(rows), d)))) {
    gmm_abort(sprintf("%s must be the %d x %d matrix of data the mixture was fitted to, not %s.",
                      field("data"), rows, d, describe_value(dat)))
  }
  deg <- object$degenerate
  if (!is.null(deg) && (!is.numeric(deg) || anyNA(deg) || !all(deg %in% seq_len(k)))) {
    gmm_abort(sprintf("%s must list components (numbers from 1 to %d), not %s.",
                      field("degenerate"), k, describe_value(deg)))
  }
  if (!is.null(object$search) && !is.data.frame(object$search)) {
    gmm_abort(sprintf("%s must be the search table (a data frame), not %s.",
                      field("search"), describe_value(object$search)))
  }
}

check_object_control <- function(control, what) {
  ok <- is.list(control) &&
    tryCatch({
      check_count(control$n_threads, "n_threads")
      if (!is.null(control$simd)) check_simd(control$simd)
      TRUE
    }, gmm_input_error = function(e) FALSE)
  if (!ok) {
    gmm_abort(sprintf(
      "%s must be the settings of a fit, as gmm_control() makes them (a whole `n_threads` of at least 1 and a known `simd`).",
      what))
  }
}
