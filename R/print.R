#' Print and summarise a Gaussian mixture
#'
#' `print()` shows the model, its fit and its parameters briefly; `summary()`
#' computes a fuller report (cluster sizes, standard deviations and
#' correlations per component, the best candidates of a search and, when it
#' compared several covariance models, one line per model with its best
#' `k`) that its print method formats.
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
  sprintf("Gaussian mixture: %d %s%s, %s covariance, %d %s%s%s",
          k, plural("component", k),
          if (isTRUE(x$control$equal_weights)) " of equal weight" else "",
          x$covariance, length(x$vars),
          plural("variable", length(x$vars)),
          if (is.null(x$n)) " (not fitted)" else observations(x),
          if (is.null(x$prior)) "" else "; MAP estimates under a conjugate prior")
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
  if (ncol(x$means) > 1L && !model_rows(x$fit$covariance)$diagonal) {
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
  attr(search, "criterion") <- criterion
  cat("\n")
  print.gmm_search(search, n = 5L, digits = digits)
  if (length(unique(search$covariance)) > 1L) {
    by_model <- search_by_model(search, criterion)
    cat(sprintf("\nBest k of each model, by %s:\n", toupper(criterion)))
    for (col in c("loglik", criterion, paste0("delta_", criterion))) {
      by_model[[col]] <- round(by_model[[col]], 2L)
    }
    print(by_model, row.names = FALSE)
  }
}

# One row per covariance model of a search: its best eligible candidate by
# `criterion` (the eligible ones as for the search's choice), how far it is
# from the best, and how many of its candidates were eligible; models
# ordered best first, those with none eligible last.
search_by_model <- function(search, criterion) {
  pool <- attr(search_choice(search, criterion), "pool")
  models <- unique(search$covariance)
  rows <- lapply(models, function(cov) {
    mine <- search$covariance == cov
    i <- which(mine & pool)
    b <- if (length(i)) i[which.min(search[[criterion]][i])] else NA_integer_
    data.frame(covariance = cov, mclust = model_rows(cov)$mclust, k = search$k[b],
               loglik = search$loglik[b], df = search$df[b], crit = search[[criterion]][b],
               eligible = sprintf("%d of %d", length(i), sum(mine)), stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, rows)
  out <- out[order(out$crit, na.last = TRUE), , drop = FALSE]
  out$delta <- out$crit - out$crit[1L]
  names(out)[names(out) == "crit"] <- criterion
  names(out)[names(out) == "delta"] <- paste0("delta_", criterion)
  out[, c("covariance", "mclust", "k", "loglik", "df", criterion, paste0("delta_", criterion),
          "eligible")]
}

#' Print the search table of a model search
#'
#' The search table of a fit (`fit$search`, a data frame of class
#' `"gmm_search"`: one row per candidate with its log-likelihood, degrees
#' of freedom, BIC, AIC, ICL, convergence, iterations, whether it is
#' degenerate and its error, if any) prints as a summary: the best `n`
#' eligible candidates by the search's criterion with their difference to
#' the best, then the degenerate and failed candidates counted, failures
#' grouped by their message. `wide = TRUE` prints instead the criterion as
#' a k x structure table, as mclust prints its BIC. The table is an
#' ordinary data frame otherwise (`as.data.frame()` drops the class).
#'
#' @param x A search table, `fit$search`.
#' @param n How many candidates to show.
#' @param wide Print the k x structure table of the criterion instead.
#' @param digits Significant digits.
#' @param ... Unused.
#' @return `x`, invisibly.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(faithful, k = 1:4, covariance = c("full", "tied", "diag"))
#' fit$search
#' print(fit$search, wide = TRUE)
#' @export
print.gmm_search <- function(x, n = 5L, wide = FALSE, digits = max(3L, getOption("digits") - 3L),
                             ...) {
  needed <- c("k", "covariance", "loglik", "df", "bic", "degenerate", "error")
  if (!all(needed %in% names(x))) return(invisible(print(as.data.frame(x))))
  n <- check_count(n, "n")
  wide <- check_flag(wide, "wide")
  digits <- check_digits(digits)
  criterion <- attr(x, "criterion") %||% "bic"
  if (!criterion %in% names(x)) criterion <- "bic"
  fitted <- is.na(x$error)
  flat <- fitted & x$degenerate %in% TRUE
  best <- search_choice(x, criterion)
  pool <- attr(best, "pool")
  label <- toupper(criterion)
  cat(sprintf("Model search: %d %s, %d failed, %d degenerate (not eligible); by %s, lower is better\n",
              nrow(x), plural("candidate", nrow(x)), sum(!fitted), sum(flat), label))
  if (wide) {
    print_search_wide(x, criterion, fitted, flat, best, digits)
  } else if (any(pool)) {
    ok <- x[pool, , drop = FALSE]
    ok <- ok[order(ok[[criterion]]), , drop = FALSE]
    cols <- intersect(c("k", "covariance", "loglik", "df", "bic", "aic", "icl", "converged"),
                      names(ok))
    show <- as.data.frame(utils::head(ok, n)[, cols, drop = FALSE])
    show[[paste0("delta_", criterion)]] <- utils::head(ok[[criterion]] - ok[[criterion]][1L], n)
    for (col in intersect(c("loglik", "bic", "aic", "icl", paste0("delta_", criterion)),
                          names(show))) {
      show[[col]] <- round(show[[col]], 2L)
    }
    print(show, row.names = FALSE)
    if (nrow(ok) > n) cat(sprintf("... and %d more eligible\n", nrow(ok) - n))
  }
  if (any(!fitted)) {
    msgs <- x$error[!fitted]
    for (m in unique(msgs)) {
      who <- paste0("k = ", x$k[!fitted][msgs == m], " ", x$covariance[!fitted][msgs == m])
      short <- if (nchar(m) > 70L) paste0(substr(m, 1L, 67L), "...") else m
      cat(sprintf("failed (%s): %s\n", paste(who, collapse = ", "), short))
    }
  }
  invisible(x)
}

print_search_wide <- function(x, criterion, fitted, flat, best, digits) {
  ks <- sort(unique(x$k))
  covs <- unique(x$covariance)
  tab <- matrix("", length(ks), length(covs), dimnames = list(k = ks, structure = covs))
  cells <- ifelse(!fitted, "failed",
                  formatC(x[[criterion]], digits = digits + 3L, format = "fg"))
  cells <- ifelse(flat, paste0("(", trimws(cells), ")"), cells)
  if (!is.na(best)) cells[best] <- paste0(trimws(cells[best]), " *")
  tab[cbind(match(x$k, ks), match(x$covariance, covs))] <- cells
  print(noquote(tab), right = TRUE)
  cat("* chosen; (...) degenerate, not eligible\n")
}

# How many observations a fit counts: rows, or rows with case weights and
# their sum; with the missing values fitted, how many there were.
observations <- function(x) {
  if (!is.null(x$source)) return(chunk_observations(x$source, x$n))
  out <- if (is.null(x$case_weights)) sprintf(", %d observations", x$n) else
    sprintf(", %d rows with case weights summing to %s", length(x$case_weights),
            format(x$n, digits = 6))
  if (!is.null(x$n_missing)) out <- sprintf("%s (%d missing %s)", out, x$n_missing,
                                            plural("value", x$n_missing))
  out
}

# A fit on chunks: its rows, their weights when weighted, the chunks.
chunk_observations <- function(src, n) {
  rows <- sum(src$rows)
  what <- if (isTRUE(src$weighted)) {
    sprintf("%s rows with case weights summing to %s", format(rows, big.mark = ","),
            format(n, digits = 6))
  } else {
    sprintf("%s observations", format(rows, big.mark = ","))
  }
  out <- sprintf(", %s in %d %s", what, src$n_chunks, plural("chunk", src$n_chunks))
  if (src$n_missing > 0) {
    out <- sprintf("%s (%s missing %s)", out, format(src$n_missing, big.mark = ","),
                   plural("value", src$n_missing))
  }
  out
}
