#' Settings of the EM algorithm
#'
#' `gmm_control()` validates the settings used by [gmm_fit()]; the object is
#' kept in the fit (`fit$control`).
#'
#' EM stops when the relative change of the log-likelihood between two
#' iterations, \eqn{|L_t - L_{t-1}| / (1 + |\tilde L_{t-1}|)}, falls below
#' `tol`, or after `max_iter` iterations. Here \eqn{\tilde L} is the
#' log-likelihood of the data with every variable divided by its standard
#' deviation, so that the test, like the rest of the fit, does not depend on
#' the units of the variables. With `tol = 0` exactly `max_iter` iterations
#' are run (the fit is reported as not converged, without a warning).
#'
#' @section Following EM step by step:
#' For teaching, `keep_path = TRUE` keeps the parameters of every iteration
#' in the fit (`fit$path`, a list of `weights`, `means`, `covariances`: the
#' start, then the parameters after each iteration, `fit$n_iter + 1` of
#' them, with the log-likelihoods in `fit$trace`), and `keep_order = TRUE`
#' keeps the components in the order of the start instead of sorting them
#' by weight, so that a fit continued from another's parameters
#' (`init = list(weights = , means = , covariances = )`) keeps their
#' numbering. With a user start, `tol = 0` and `max_iter = 1` then steps EM
#' one iteration at a time. In a search the path is that of the chosen
#' candidate's run (on all rows: a start run on a subsample contributes
#' from the iteration it is carried on to all rows).
#'
#' @section Scale:
#' A fit does not depend on the units or the origin of the variables
#' (for `"spherical"`, whose components are round in the units given, on a
#' common unit of all variables): multiplying a column by a constant or
#' adding a constant to it gives the same classification, and a
#' log-likelihood that differs only by the log of the Jacobian. Starting
#' partitions are drawn on the standardised (for some starts also
#' decorrelated) data and `reg` is relative.
#'
#' @param max_iter Maximum number of EM iterations per start.
#' @param tol Convergence tolerance on the relative change of the
#'   log-likelihood; `0` disables the test.
#' @param reg Non-negative number that, times the variance of each variable,
#'   is added to the diagonal of every covariance matrix at each M-step (for
#'   `"spherical"` components, times the mean variance of the variables). It
#'   keeps components from collapsing onto a few points; increase it if a fit
#'   fails with a "not positive definite" error. `reg = 0` gives the plain
#'   maximum likelihood updates used by mclust. (scikit-learn's `reg_covar`
#'   is the same idea in the units of the data.)
#' @param init_iter Number of EM iterations each start runs (fewer when it
#'   converges first, except for starts from random partitions, which run
#'   them all) before the best one (highest log-likelihood) is carried on to
#'   convergence.
#' @param init_sample Starts are drawn, and their first `init_iter`
#'   iterations run, on a random subsample of this many rows (at least ten
#'   per component) when the data have more (the hierarchical start costs
#'   time and memory quadratic in the number of rows); the chosen start then
#'   runs on all rows.
#' @param init_margin Non-negative number: the other starts whose
#'   log-likelihood after their `init_iter` iterations is within this much
#'   of the best one's are carried on as well, each only as long as it can
#'   still overtake the best fit so far, and the fit is the highest they
#'   reach (see Starting points in [gmm_fit()]). `0` carries on only the
#'   best. Not used when the starts run on a subsample (see `init_sample`).
#' @param n_threads Number of threads of the C++ engine. Results do not depend
#'   on it: sums are accumulated in a fixed order.
#' @param simd Vector instruction set of the engine's kernels: `"auto"` (the
#'   widest the processor supports), `"avx512"`, `"avx2"` or `"baseline"`
#'   (what R's compiler settings give, two doubles per instruction on x86-64).
#'   A set the processor lacks falls back to the widest it has. Results agree
#'   across instruction sets to rounding (about 1e-13 relative); the choice
#'   is for comparisons and benchmarks. [gmm_simd()] tells which is used.
#' @param keep_path Keep the parameters of every EM iteration in the fit
#'   (`fit$path`; see Following EM step by step).
#' @param keep_order Keep the components in the order of the start rather
#'   than sorting them by decreasing weight.
#' @return An object of class `"gmm_control"`.
#' @seealso [gmm_fit()]
#' @examples
#' gmm_control(tol = 1e-8, max_iter = 500)
#' # EM one step at a time, from a given start, numbering kept:
#' x <- faithful$eruptions
#' step <- gmm_control(max_iter = 1, tol = 0, keep_order = TRUE)
#' start <- list(weights = c(0.5, 0.5), means = c(2, 4), covariances = c(1, 1))
#' one <- gmm_fit(x, init = start, control = step)
#' two <- gmm_fit(x, init = one[c("weights", "means", "covariances")], control = step)
#' rbind(start = start$means, one = one$means[, 1], two = two$means[, 1])
#' # or the whole path at once:
#' path <- gmm_fit(x, init = start, control = gmm_control(keep_path = TRUE, keep_order = TRUE))$path
#' t(sapply(path, function(p) p$means[, 1]))[1:4, ]
#' @export
gmm_control <- function(max_iter = 1000L, tol = 1e-6, reg = 1e-6,
                        n_threads = default_threads(), simd = "auto",
                        init_iter = 20L, init_sample = 2000L, init_margin = 1,
                        keep_path = FALSE, keep_order = FALSE) {
  # The defaults (every fit's `control`) are checked once.
  if (nargs() == 0L) return(default_control())
  structure(
    list(
      max_iter = check_count(max_iter, "max_iter"),
      tol = check_number(tol, "tol"),
      reg = check_number(reg, "reg"),
      init_iter = check_count(init_iter, "init_iter"),
      init_sample = check_count(init_sample, "init_sample", min = 2L),
      init_margin = check_number(init_margin, "init_margin"),
      n_threads = check_count(n_threads, "n_threads"),
      simd = check_simd(simd),
      keep_path = check_flag(keep_path, "keep_path"),
      keep_order = check_flag(keep_order, "keep_order")
    ),
    class = "gmm_control"
  )
}

default_control <- local({
  control <- NULL
  function() {
    if (is.null(control)) control <<- gmm_control(n_threads = default_threads())
    control
  }
})

# At most two threads, and no more than the physical cores. Counting them
# takes R a system call or two (a large share of a small fit's time), so it
# is done once, when the first control object is made.
default_threads <- local({
  threads <- NULL
  function() {
    if (is.null(threads)) {
      cores <- parallel::detectCores(logical = FALSE)
      threads <<- if (is.na(cores)) 1L else as.integer(min(2L, cores))
    }
    threads
  }
})

#' @export
print.gmm_control <- function(x, ...) {
  cat("<gmm_control>\n")
  cat(sprintf(paste0("  max_iter    %d\n  tol         %g\n  reg         %g\n  n_threads   %d\n",
                     "  simd        %s\n  init_iter   %d\n  init_sample %d\n  init_margin %g\n",
                     "  keep_path   %s\n  keep_order  %s\n"),
              x$max_iter, x$tol, x$reg, x$n_threads, x$simd %||% "auto",
              x$init_iter %||% 20L, x$init_sample %||% 2000L, x$init_margin %||% 0,
              isTRUE(x$keep_path), isTRUE(x$keep_order)))
  invisible(x)
}

resolve_control <- function(control, n_threads) {
  if (!inherits(control, "gmm_control")) {
    gmm_abort(sprintf("`control` must be made by gmm_control(), not %s.", describe(control)))
  }
  if (!is.null(n_threads)) control$n_threads <- check_count(n_threads, "n_threads")
  control
}

simd_sets <- c(auto = -1L, baseline = 0L, avx2 = 1L, avx512 = 2L)

check_simd <- function(simd) {
  if (!is.character(simd) || length(simd) != 1L || is.na(simd) ||
      !simd %in% names(simd_sets)) {
    gmm_abort(sprintf(
      "`simd` must be one of \"auto\", \"avx512\", \"avx2\" or \"baseline\", not %s.",
      describe(simd)
    ))
  }
  simd
}

# The engine's code for the instruction set of a control object (fits made
# before the setting existed, or by gmm_mixture(), have none: "auto").
simd_code <- function(control) {
  simd_sets[[control$simd %||% "auto"]]
}

#' Instruction set of the engine
#'
#' The vector instruction set the C++ kernels use on this processor for a
#' given request (see `simd` in [gmm_control()]).
#'
#' @param simd The requested set; `"auto"` asks for the widest available.
#' @return A string: `"avx512"`, `"avx2"` or `"baseline"`.
#' @examples
#' gmm_simd()
#' @export
gmm_simd <- function(simd = "auto") {
  cpp_isa(simd_sets[[check_simd(simd)]])
}
