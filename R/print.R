#' Print and summarise a Gaussian mixture
#'
#' `print()` shows the model, its fit and its parameters briefly; `summary()`
#' computes a fuller report (cluster sizes, standard deviations and
#' correlations per component, the best candidates of a search) that its
#' print method formats.
#'
#' @param x,object A `"gmmfit"` object.
#' @param digits Number of significant digits to show.
#' @param ... Unused.
#' @return `print()` returns `x` invisibly; `summary()` an object of class
#'   `"summary.gmmfit"`.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 1:4], k = 3)
#' print(fit)
#' summary(fit)
#' @export
print.gmmfit <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  check_object(x, "x")
  digits <- check_digits(digits)
  cat(model_line(x), "\n", sep = "")
  if (!is.null(x$loglik)) cat(fit_line(x, digits), "\n", sep = "")
  cat("\nMixing weights:\n")
  print(round(x$weights, digits))
  cat("\nMeans:\n")
  print(signif(x$means, digits))
  invisible(x)
}

model_line <- function(x) {
  k <- length(x$weights)
  sprintf("Gaussian mixture: %d %s, %s covariance, %d %s%s",
          k, plural("component", k), x$covariance, length(x$vars),
          plural("variable", length(x$vars)),
          if (is.null(x$n)) " (not fitted)" else sprintf(", %d observations", x$n))
}

fit_line <- function(x, digits) {
  its <- plural("iteration", x$n_iter)
  status <- if (x$converged) sprintf("converged in %d %s", x$n_iter, its)
            else sprintf("NOT converged after %d %s", x$n_iter, its)
  sprintf("log-likelihood %s, df %d, BIC %s (lower is better); %s",
          format(x$loglik, digits = digits + 3L), x$df,
          format(x$bic, digits = digits + 3L), status)
}

#' @rdname print.gmmfit
#' @export
summary.gmmfit <- function(object, ...) {
  check_object(object)
  sds <- apply(object$covariances, 3L, function(s) sqrt(diag(s)))
  sds <- matrix(sds, nrow = length(object$vars),
                dimnames = list(object$vars, names(object$weights)))
  cors <- lapply(seq_along(object$weights), function(j) {
    d <- length(object$vars)
    s <- matrix(object$covariances[, , j], d, d, dimnames = list(object$vars, object$vars))
    stats::cov2cor(s)
  })
  names(cors) <- names(object$weights)
  structure(
    list(
      model = model_line(object),
      fit = object[c("loglik", "df", "bic", "n", "n_iter", "converged", "covariance")],
      weights = object$weights,
      sizes = if (is.null(object$classification)) NULL
              else tabulate(object$classification, length(object$weights)),
      means = object$means,
      sds = t(sds),
      correlations = cors,
      search = object$search,
      criterion = object$criterion,
      call = object$call
    ),
    class = "summary.gmmfit"
  )
}

#' @rdname print.gmmfit
#' @export
print.summary.gmmfit <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  digits <- check_digits(digits)
  if (!is.null(x$call)) cat("Call: ", paste(deparse(x$call), collapse = "\n"), "\n\n", sep = "")
  cat(x$model, "\n", sep = "")
  if (!is.null(x$fit$loglik)) {
    cat(fit_line(x$fit, digits), "\n", sep = "")
    cat(sprintf("AIC %s\n", format(-2 * x$fit$loglik + 2 * x$fit$df, digits = digits + 3L)))
  }
  comp <- data.frame(weight = round(x$weights, digits), row.names = names(x$weights))
  if (!is.null(x$sizes)) comp$size <- x$sizes
  cat("\nComponents", if (!is.null(x$sizes)) " (size: observations classified to each)", ":\n", sep = "")
  print(comp)
  cat("\nMeans:\n")
  print(signif(x$means, digits))
  cat("\nStandard deviations:\n")
  print(signif(x$sds, digits))
  if (ncol(x$means) > 1L && x$fit$covariance %in% c("full", "tied")) {
    cat("\nCorrelations:\n")
    for (j in names(x$correlations)) {
      cat("component ", j, ":\n", sep = "")
      print(round(x$correlations[[j]], 3L))
    }
  }
  if (!is.null(x$search)) print_search(x$search, digits, x$criterion %||% "bic")
  invisible(x)
}

print_search <- function(search, digits, criterion = "bic") {
  fitted <- !is.na(search$bic)
  flat <- fitted & search$degenerate %in% TRUE
  ok <- search[if (any(fitted & !flat)) fitted & !flat else fitted, , drop = FALSE]
  ok <- ok[order(ok[[criterion]]), , drop = FALSE]
  cat(sprintf("\nModel search: %d candidates, %d failed, %d degenerate (not eligible). Best by %s:\n",
              nrow(search), sum(!fitted), sum(flat), toupper(criterion)))
  show <- utils::head(ok[, c("k", "covariance", "loglik", "df", "bic", "aic", "icl", "converged")], 5L)
  for (col in c("loglik", "bic", "aic", "icl")) show[[col]] <- round(show[[col]], 2L)
  print(show, row.names = FALSE)
}
