# Malformed calls to every exported function and method, for test-fuzz.R
# (in the test process) and test-extended.R (in child processes, so that a
# crash is reported with the call that caused it). fuzz_cases(n, seed)
# draws n cases; run_fuzz_case() runs one and classifies the outcome.
#
# A case is list(fun, args, names): a function of the package (or a generic
# whose method is the package's), its arguments with one of them (or one
# field of a fit or control object) malformed, and the names an error about
# it may mention. An outcome is "returned" (with only the package's own
# warnings, if any), "classed" (an error of class gmm_error whose message
# names one of `names` and no internal function or C++ type) or "other"
# (anything else: an error of another class, an error that names none of
# `names` or names internals, a warning of another class).

fuzz_data <- function() {
  set.seed(42)
  x <- rbind(matrix(rnorm(60), 30), matrix(rnorm(60, 4), 30))
  colnames(x) <- c("a", "b")
  x
}

# Values that are wrong for most arguments: types, lengths, NA, NaN, Inf,
# extreme magnitudes, empty vectors, classed objects.
fuzz_bad_values <- function() {
  list(
    NULL, NA, NA_real_, NA_integer_, NA_character_, NaN, Inf, -Inf, -1, 0, 0.5, 1.5,
    -1e10, 1e10, 1e300, -1e300, 1e-300, .Machine$integer.max + 1, 2^53,
    "a", "", c("a", "b"), TRUE, FALSE, c(TRUE, FALSE), c(1, 2, 3), 1:100,
    list(), list(1), list(a = 1, b = "x"), character(0), numeric(0), integer(0),
    logical(0), matrix(1:4, 2), matrix(numeric(0), 0, 2), data.frame(a = 1),
    data.frame(), factor("a"), factor(c("a", "b")), function() 1, quote(x),
    complex(real = 1, imaginary = 1), as.Date("2020-01-01"), array(1, c(1, 1, 1)),
    c(a = 1), 3L, 2, c(NA, 1), c(1, NaN), c(Inf, 1), -0.5, "full", "bic", "density"
  )
}

# Malformed data sets for `x` and `newdata`.
fuzz_bad_data <- function(x) {
  huge <- x * 1e300
  one_const <- x
  one_const[, 2] <- 1
  with_na <- x
  with_na[3, 1] <- NA
  with_inf <- x
  with_inf[5, 2] <- Inf
  with_nan <- x
  with_nan[7, 1] <- NaN
  char <- x
  storage.mode(char) <- "character"
  dup <- x
  colnames(dup) <- c("a", "a")
  blank <- x
  colnames(blank) <- c("", "b")
  na_name <- x
  colnames(na_name) <- c(NA, "b")
  list(
    x[1, , drop = FALSE], x[0, , drop = FALSE], x[, 0, drop = FALSE], x[1:2, ],
    huge, x * 1e-300, x + 1e15, one_const, with_na, with_inf, with_nan, char, dup, blank,
    na_name, as.data.frame(char, stringsAsFactors = TRUE),
    data.frame(a = x[, 1], b = letters[rep_len(1:3, nrow(x))]),
    list(a = x[, 1], b = x[, 2]), array(x, c(dim(x), 1)), x[, 1] > 0,
    matrix(1L, nrow(x), 2), x[, c(1, 1, 2)], cbind(x, x[, 1] + x[, 2]),
    complex(real = x[, 1]), matrix(rep(x[1, ], each = nrow(x)), nrow(x)),
    NULL, NA, "x", numeric(0)
  )
}

fuzz_fit <- function(x = fuzz_data()) {
  set.seed(1)
  gmmfit::gmm_fit(x, k = 2)
}

fuzz_search <- function(x = fuzz_data()) {
  set.seed(1)
  gmmfit::gmm_fit(x, k = 1:3, covariance = c("full", "diag"))
}

# A fit with one field replaced by `value` (NULL removes it).
fuzz_edit <- function(fit, field, value) {
  fit[[field]] <- value
  fit
}

fuzz_pick <- function(values) values[[sample.int(length(values), 1L)]]

# The valid arguments of each function under test (the malformed one
# replaces one of them) and the names an error may give for each argument
# (besides the argument's own).
fuzz_targets <- function(x, fit, search) {
  control_args <- list(max_iter = 50L, tol = 1e-6, reg = 1e-6, n_threads = 1L, simd = "auto",
                       init_iter = 20L, init_sample = 2000L, init_margin = 1)
  list(
    gmm_fit = list(args = list(x = x, k = 2L, covariance = "full", init = c("hc", "kmeans++"),
                               n_init = 2L, criterion = "bic",
                               control = gmmfit::gmm_control(max_iter = 50L),
                               n_threads = 1L, verbose = FALSE, equal_weights = FALSE,
                               prior = FALSE, na = "em", case_weights = rep(1, nrow(x))),
                   also = list(k = c("x", "init", "case_weights"), init = c("k", "x"),
                               x = c("k", "case_weights"), covariance = "k", n_init = "init",
                               case_weights = c("k", "x"), na = c("x", "na.action"))),
    gmm_fit_formula = list(args = list(x = ~ a + b, data = as.data.frame(x), k = 2L,
                                       n_init = 2L, na.action = NULL),
                           also = list(x = c("data", "formula"), data = c("x", "formula"),
                                       k = c("x", "init"), na.action = c("data", "x"))),
    gmm_control = list(args = control_args, also = list()),
    gmm_mixture = list(args = list(weights = c(0.4, 0.6), means = rbind(c(0, 0), c(3, 3)),
                                   covariances = array(diag(2), c(2, 2, 2)),
                                   covariance = "full"),
                       also = list(weights = c("means", "covariances"),
                                   means = c("weights", "covariances"),
                                   covariances = c("weights", "means", "covariance"),
                                   covariance = "covariances")),
    gmm_simd = list(args = list(simd = "auto"), also = list()),
    gmm_prior = list(args = list(shrinkage = 0.01, mean = NULL, dof = NULL, scale = NULL),
                     also = list()),
    predict = list(args = list(object = fit, newdata = x[1:5, ], type = "class", log = FALSE),
                   also = list(newdata = c("x", "object"), log = "type")),
    fitted = list(args = list(object = fit, type = "class", log = FALSE),
                  also = list(log = "type")),
    simulate = list(args = list(object = fit, nsim = 10L, seed = 1L), also = list()),
    plot = list(args = list(x = fit, what = "classification"),
                also = list(data = c("x", "newdata"), dims = "data", what = "x")),
    print = list(args = list(x = search, digits = 3L), also = list()),
    summary = list(args = list(object = search), also = list()),
    logLik = list(args = list(object = fit), also = list()),
    BIC = list(args = list(object = fit), also = list()),
    AIC = list(args = list(object = fit), also = list()),
    nobs = list(args = list(object = fit), also = list()),
    coef = list(args = list(object = fit), also = list()),
    gmm_marginal = list(args = list(object = fit, vars = "a"), also = list(vars = "object")),
    gmm_conditional = list(args = list(object = fit, given = c(a = 1)),
                       also = list(given = "object")),
    gmm_ellipses = list(args = list(x = fit, dims = 1:2, level = 0.95, n = 50L),
                        also = list(dims = "x")),
    tidy = list(args = list(x = fit), also = list()),
    glance = list(args = list(x = fit), also = list()),
    augment = list(args = list(x = fit, data = NULL, newdata = x[1:5, ]),
                   also = list(data = c("x", "newdata"), newdata = c("x", "data"))),
    autoplot = list(args = list(object = fit, what = "classification", data = NULL, dims = NULL,
                                level = 0.95, bins = 30L),
                    also = list(data = c("x", "newdata", "object"), dims = c("data", "object"),
                                what = "object"))
  )
}

# The functions of fuzz_targets() that can be called here: the methods for
# generics of suggested packages only when those are installed.
fuzz_available <- function() {
  funs <- c("gmm_fit", "gmm_fit_formula", "gmm_control", "gmm_mixture", "gmm_simd", "gmm_prior",
            "predict",
            "fitted", "simulate", "plot", "print", "coef", "gmm_marginal", "gmm_conditional",
            "gmm_ellipses")
  if (requireNamespace("generics", quietly = TRUE)) funs <- c(funs, "tidy", "glance", "augment")
  if (requireNamespace("ggplot2", quietly = TRUE)) funs <- c(funs, "autoplot")
  funs
}

# The fields of a fit worth editing by hand, and the functions to call on
# the edited object.
fuzz_fields <- c("weights", "means", "covariances", "covariance", "loglik", "df", "bic",
                 "aic", "icl", "n", "n_iter", "converged", "posterior", "classification",
                 "data", "control", "search", "degenerate", "reg", "vars", "trace")
fuzz_object_funs <- c("predict", "fitted", "simulate", "print", "summary", "logLik", "BIC",
                      "AIC", "nobs", "plot", "coef", "gmm_marginal", "gmm_conditional", "gmm_ellipses")

fuzz_free_args <- function(fun, args) {
  if (fun %in% c("gmm_fit", "gmm_control", "gmm_mixture", "gmm_simd", "gmm_prior")) names(args)
  else names(args)[-1L]
}

fuzz_cases <- function(n, seed = 1L) {
  x <- fuzz_data()
  fit <- fuzz_fit(x)
  search <- fuzz_search(x)
  targets <- fuzz_targets(x, fit, search)
  available <- fuzz_available()
  bad <- fuzz_bad_values()
  bad_data <- fuzz_bad_data(x)
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv())
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  cases <- vector("list", n)
  for (i in seq_len(n)) {
    kind <- sample(c("argument", "data", "field", "control_field", "combination"), 1L,
                   prob = c(0.45, 0.12, 0.2, 0.08, 0.15))
    cases[[i]] <- switch(kind,
      argument = {
        # (Methods with no argument but the object are reached by the
        # "field" cases, which edit the object.)
        key <- sample(setdiff(available, c("coef", "tidy", "glance")), 1L)
        t <- targets[[key]]
        fun <- sub("_formula$", "", key)
        # (The object a generic dispatches on is edited, not replaced: with
        # something else in its place another method runs.)
        arg <- sample(fuzz_free_args(fun, t$args), 1L)
        args <- t$args
        args[arg] <- list(fuzz_pick(bad))
        list(fun = fun, args = args, names = c(arg, t$also[[arg]]))
      },
      data = {
        if (runif(1) < 0.6) {
          args <- targets$gmm_fit$args
          args$x <- fuzz_pick(bad_data)
          args$k <- sample(list(1L, 2L, 1:3), 1L)[[1L]]
          # (one weight per row of the usual data would be its own error)
          args$case_weights <- NULL
          list(fun = "gmm_fit", args = args, names = c("x", "k"))
        } else {
          fun <- sample(c("predict", "plot"), 1L)
          args <- targets[[fun]]$args
          what <- if (fun == "predict") "newdata" else "data"
          args[what] <- list(fuzz_pick(bad_data))
          list(fun = fun, args = args, names = c(what, "x", "newdata", "data", "object"))
        }
      },
      field = {
        field <- sample(fuzz_fields, 1L)
        fun <- sample(intersect(c(fuzz_object_funs, "tidy", "glance", "augment", "autoplot"),
                                available), 1L)
        obj <- fuzz_edit(if (field == "search") search else fit, field, fuzz_pick(bad))
        args <- targets[[fun]]$args
        args[[1L]] <- obj
        list(fun = fun, args = args, names = c(field, "object", "x"))
      },
      control_field = {
        field <- sample(names(fit$control), 1L)
        obj <- fit
        obj$control[field] <- list(fuzz_pick(bad))
        fun <- sample(c("predict", "fitted", "simulate", "print", "summary"), 1L)
        args <- targets[[fun]]$args
        args[[1L]] <- obj
        list(fun = fun, args = args, names = c(field, "control"))
      },
      combination = {
        fun <- sample(c("gmm_fit", "gmm_control", "gmm_mixture", "predict", "simulate"), 1L)
        t <- targets[[fun]]
        args <- t$args
        free <- fuzz_free_args(fun, args)
        which <- sample(free, min(length(free), sample(2:3, 1L)))
        for (a in which) args[a] <- list(fuzz_pick(bad))
        list(fun = fun, args = args,
             names = unique(c(which, unlist(t$also[which], use.names = FALSE))))
      }
    )
  }
  cases
}

# Runs one case; returns list(outcome, message). Output and plots are
# discarded.
run_fuzz_case <- function(case) {
  f <- switch(case$fun,
    predict = stats::predict, fitted = stats::fitted, simulate = stats::simulate,
    logLik = stats::logLik, BIC = stats::BIC, AIC = stats::AIC, nobs = stats::nobs,
    plot = graphics::plot, print = print, summary = summary, coef = stats::coef,
    tidy = generics::tidy, glance = generics::glance, augment = generics::augment,
    autoplot = function(...) ggplot2::ggplot_build(ggplot2::autoplot(...)),
    getExportedValue("gmmfit", case$fun))
  other_warning <- NULL
  result <- tryCatch(
    withCallingHandlers({
      utils::capture.output(out <- suppressMessages(if (case$fun == "print") {
        print(do.call(f, case$args, quote = TRUE))
      } else {
        do.call(f, case$args, quote = TRUE)
      }))
      # print(summary(fit), digits) is reached through summary's result.
      if (case$fun == "summary") utils::capture.output(print(out))
      list(outcome = "returned", message = "")
    }, warning = function(w) {
      if (!inherits(w, "gmm_warning") && is.null(other_warning))
        other_warning <<- conditionMessage(w)
      invokeRestart("muffleWarning")
    }),
    error = function(e) {
      msg <- conditionMessage(e)
      named <- any(vapply(case$names, function(nm) grepl(nm, msg, fixed = TRUE), logical(1)))
      # A message for users names no internal function or C++ type.
      inner <- grepl("internal|Rcpp|Eigen|std::|cpp_", msg)
      list(outcome = if (inherits(e, "gmm_error") && named && !inner) "classed" else "other",
           message = paste0("[", paste(class(e), collapse = "/"), "] ", msg))
    }
  )
  if (result$outcome == "returned" && !is.null(other_warning))
    result <- list(outcome = "other", message = paste("[warning]", other_warning))
  result
}

# A one-line description of a case, for reports.
describe_case <- function(case) {
  show <- function(v) {
    if (inherits(v, "gmmfit")) return("<fit>")
    s <- paste(utils::capture.output(utils::str(v, max.level = 1, vec.len = 2, give.attr = FALSE)),
               collapse = " ")
    substr(gsub("\\s+", " ", s), 1, 60)
  }
  args <- vapply(names(case$args), function(a) paste0(a, " = ", show(case$args[[a]])), "")
  sprintf("%s(%s) [names: %s]", case$fun, paste(args, collapse = ", "),
          paste(case$names, collapse = ", "))
}
