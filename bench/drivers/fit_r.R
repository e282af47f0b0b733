# Child process of the benchmark for the R tools: gmmfit and mclust.
#
#   Rscript fit_r.R tool=<tool> data=<file> n=<n> d=<d> [key=value ...]
#
# tool = gmmfit          EM from the start in `start`, `iters` iterations, `reps` times
#        mclust          the same with mclust's estep() + me()
#        gmmfit-search   gmm_fit(x, k = 1:kmax, covariance = "full"), once
#        mclust-search   Mclust(x, G = 1:kmax, modelNames = "VVV"), once
#        gmmfit-models   gmm_fit(x, k = 1:kmax, covariance = <all four>) after
#                        set.seed(1), timed again and again (see time_models())
#        mclust-models   Mclust(x, G = 1:kmax, modelNames = c("VVV", "EEE",
#                        "VVI", "VII")), timed the same way
#        both-models     the two searches above in one process, timed in
#                        alternating rounds (see time_both_models())
#        gmmfit-starts   gmm_fit(x, k, covariance, n_init) after set.seed(1), for
#                        each k in kmin..kmax and each of the four structures
#        mclust-starts   Mclust(x, G = k, modelNames = <the same four>), likewise
# Other keys: start, k, covariance (full, tied, diag, spherical), iters, reps,
# threads (gmmfit), kmax and seed (searches), min_seconds (models), kmin and
# n_init (starts).
#
# Output, one record per line, read by run.R:
#   fit <seconds> <iterations> <loglik>       one line per timed fit
#   search <seconds> <k> <bic> <loglik>       BIC as -2 logL + p log n
#   model <seconds> <runs> <k> <structure> <bic> <loglik> <degenerate>
#                                             median time of `runs` searches,
#                                             the chosen model (structure named
#                                             as in gmmfit), BIC as above,
#                                             degenerate 1 if gmmfit says so
#   model_of <tool> <seconds> <runs> ...      both-models: the same, per tool
#                                             (gmmfit, mclust)
#   rounds <n>                                both-models: alternating rounds
#   threads <n>                               gmmfit-models: gmm_fit()'s default
#   start <k> <structure> <loglik> <degenerate>  one line per (k, structure);
#                                             loglik NA when the fit failed
#   memory <rss_before_kb> <peak_kb>          RSS just before the first fit and
#                                             the peak RSS (VmHWM) just after it
#   last_change <relative change>             gmmfit: relative change of the
#                                             log-likelihood in the last iteration
#   version <package> <version>

main <- function() {
  opt <- parse_args(commandArgs(trailingOnly = TRUE))
  here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1L]))
  source(file.path(here, "..", "lib", "data.R"), local = globalenv())
  x <- read_data(opt$data, as.integer(opt$n), as.integer(opt$d))
  switch(opt$tool,
    "gmmfit" = , "mclust" = time_em(opt, x),
    "gmmfit-search" = , "mclust-search" = time_search(opt, x),
    "gmmfit-models" = , "mclust-models" = time_models(opt, x),
    "both-models" = time_both_models(opt, x),
    "gmmfit-starts" = , "mclust-starts" = fit_starts(opt, x),
    stop("unknown tool ", opt$tool)
  )
}

# key=value arguments -> named list of strings.
parse_args <- function(args) {
  keys <- sub("=.*$", "", args)
  values <- sub("^[^=]*=", "", args)
  as.list(stats::setNames(values, keys))
}

# The data file holds the n x d matrix column by column (R's own layout), so
# it is read straight into place.
read_data <- function(path, n, d) {
  x <- readBin(path, "double", n = n * d)
  dim(x) <- c(n, d)
  x
}

# Resident set size now and its peak so far, in kB, from /proc/self/status.
memory_kb <- function() {
  status <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
  get <- function(key) {
    line <- grep(paste0("^", key, ":"), status, value = TRUE)
    if (length(line)) as.numeric(gsub("[^0-9]", "", line)) else NA_real_
  }
  c(rss = get("VmRSS"), peak = get("VmHWM"))
}

# Wall-clock seconds (microsecond resolution).
elapsed <- function() as.numeric(Sys.time())

# `reps` timed EM runs from the common start; the memory line belongs to the
# first run, made by a process that had done nothing else.
time_em <- function(opt, x) {
  d <- ncol(x)
  k <- as.integer(opt$k)
  start <- read_start(opt$start, d, k)
  fit_once <- if (opt$tool == "gmmfit") gmmfit_em(opt, x, start) else mclust_em(opt, x, start)
  invisible(gc())
  before <- memory_kb()[["rss"]]
  for (r in seq_len(as.integer(opt$reps))) {
    res <- fit_once()
    cat(sprintf("fit %.6f %d %.17g\n", res$seconds, res$iterations, res$loglik))
    if (r > 1L) next
    cat(sprintf("memory %.0f %.0f\n", before, memory_kb()[["peak"]]))
    if (!is.null(res$last_change)) cat(sprintf("last_change %.3g\n", res$last_change))
  }
}

# A function running one gmmfit EM fit: exactly `iters` M-steps (tol = 0).
gmmfit_em <- function(opt, x, start) {
  suppressPackageStartupMessages(library(gmmfit))
  cat(sprintf("version gmmfit %s\n", utils::packageVersion("gmmfit")))
  control <- gmm_control(max_iter = as.integer(opt$iters), tol = 0, reg = as.numeric(opt$reg))
  function() {
    t0 <- elapsed()
    fit <- withCallingHandlers(
      gmm_fit(x, k = length(start$weights), covariance = opt$covariance, init = start,
              control = control, n_threads = as.integer(opt$threads)),
      gmm_convergence_warning = function(w) invokeRestart("muffleWarning")
    )
    seconds <- elapsed() - t0
    n <- length(fit$trace)
    change <- if (n > 1L) abs(fit$trace[n] - fit$trace[n - 1L]) / abs(fit$trace[n - 1L]) else NA
    list(seconds = seconds, iterations = fit$n_iter, loglik = fit$loglik, last_change = change)
  }
}

# A function running one mclust EM fit: estep() from the start, then me() for
# `iters` M- and E-steps. (em() does the same but ends with one more M-step and
# returns neither the log-likelihood nor the number of iterations.)
mclust_em <- function(opt, x, start) {
  suppressPackageStartupMessages(library(mclust))
  cat(sprintf("version mclust %s\n", utils::packageVersion("mclust")))
  model <- mclust_model(opt$covariance, ncol(x))
  # (The start follows the model, so its E-step is that of VVV.)
  e_model <- if (ncol(x) == 1L) model else "VVV"
  params <- mclust_parameters(start, e_model)
  # (tol = 0 for EM only: the M-steps that iterate keep mclust's inner
  # tolerance, which with 0 would never be met.)
  control <- emControl(itmax = c(as.integer(opt$iters), .Machine$integer.max),
                       tol = c(0, sqrt(.Machine$double.eps)))
  function() {
    t0 <- elapsed()
    z <- estep(x, modelName = e_model, parameters = params)$z
    fit <- me(x, modelName = model, z = z, control = control, warn = FALSE)
    # (The models whose M-step iterates name the count "niterout".)
    list(seconds = elapsed() - t0, iterations = abs(attr(fit, "info")[[1L]]),
         loglik = fit$loglik)
  }
}

# mclust's name for a covariance model (gmmfit's table); one-dimensional
# data has only "V" (a variance per component) and "E" (one variance): the
# volume letter.
mclust_model <- function(covariance, d) {
  table <- gmmfit:::model_table
  name <- table$mclust[match(covariance, table$name)]
  if (d == 1L) substr(name, 1L, 1L) else name
}

# A start (already reduced to the structure) in mclust's parameter format.
mclust_parameters <- function(start, model) {
  covs <- start$covariances
  d <- dim(covs)[1L]
  k <- dim(covs)[3L]
  variance <- switch(model,
    V = list(sigmasq = covs[1, 1, ], scale = covs[1, 1, ]),
    E = list(sigmasq = covs[1, 1, 1], scale = covs[1, 1, 1]),
    VVV = list(sigma = covs, cholsigma = array(apply(covs, 3L, chol), c(d, d, k))),
    EEE = list(Sigma = covs[, , 1], sigma = covs, cholSigma = chol(covs[, , 1])),
    VVI = diagonal_variance(covs),
    VII = list(sigmasq = apply(covs, 3L, function(s) s[1, 1]), sigma = covs)
  )
  if (model == "VII") variance$scale <- variance$sigmasq
  variance <- c(list(modelName = model, d = d, G = k), variance)
  list(pro = start$weights, mean = t(start$means), variance = variance)
}

# Diagonal covariances as mclust writes them: a volume (scale) per component
# times a shape of determinant one.
diagonal_variance <- function(covs) {
  v <- apply(covs, 3L, diag)
  v <- matrix(v, nrow = dim(covs)[1L])
  scale <- exp(colMeans(log(v)))
  list(sigma = covs, scale = scale, shape = sweep(v, 2L, scale, "/"))
}

# One search over k = 1..kmax with full covariances, timed as a whole.
time_search <- function(opt, x) {
  kmax <- as.integer(opt$kmax)
  set.seed(as.integer(opt$seed))
  invisible(gc())
  before <- memory_kb()[["rss"]]
  res <- if (opt$tool == "gmmfit-search") gmmfit_search(opt, x, kmax) else mclust_search(x, kmax)
  cat(sprintf("search %.6f %d %.17g %.17g\n", res$seconds, res$k, res$bic, res$loglik))
  cat(sprintf("memory %.0f %.0f\n", before, memory_kb()[["peak"]]))
}

gmmfit_search <- function(opt, x, kmax) {
  suppressPackageStartupMessages(library(gmmfit))
  t0 <- elapsed()
  fit <- gmm_fit(x, k = seq_len(kmax), covariance = "full",
                 n_threads = as.integer(opt$threads))
  list(seconds = elapsed() - t0, k = length(fit$weights), bic = fit$bic, loglik = fit$loglik)
}

# mclust's BIC is 2 logL - p log n; it is negated here to gmmfit's convention.
mclust_search <- function(x, kmax) {
  suppressPackageStartupMessages(library(mclust))
  t0 <- elapsed()
  fit <- Mclust(x, G = seq_len(kmax), modelNames = "VVV", verbose = FALSE)
  list(seconds = elapsed() - t0, k = fit$G, bic = -fit$bic, loglik = fit$loglik)
}

# The four structures, by gmmfit's name, with mclust's.
structures <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")

# The search over k = 1..kmax and the four structures, repeated until at
# least `reps` runs and `min_seconds` seconds are done (one search of a small
# data set is too short to time alone); the median time of a run, and the
# model the first run chose. Warnings (non-convergence, degenerate
# components) are muffled: the record says whether the choice is degenerate.
time_models <- function(opt, x) {
  search <- if (opt$tool == "gmmfit-models") gmmfit_models(x, as.integer(opt$kmax)) else
    mclust_models(x, as.integer(opt$kmax))
  seconds <- numeric()
  while (length(seconds) < as.integer(opt$reps) || sum(seconds) < as.numeric(opt$min_seconds)) {
    t0 <- elapsed()
    res <- suppressWarnings(search())
    seconds <- c(seconds, elapsed() - t0)
    if (length(seconds) == 1L) chosen <- res
  }
  cat(sprintf("model %.6f %d %d %s %.17g %.17g %d\n", stats::median(seconds), length(seconds),
              chosen$k, chosen$structure, chosen$bic, chosen$loglik, chosen$degenerate))
}

# Both searches in one process, timed in alternating rounds: each round
# times a batch of gmm_fit() searches and a batch of Mclust() searches (each
# batch at least 0.05 s, after a pause of 0.05 s, and the tool that
# goes first alternating),
# until there are at least `reps` rounds and `min_seconds` seconds of each.
# This machine's speed moves by as much as 1.7x between spells lasting
# seconds; timed in separate windows, the two tools would be timed in
# different spells. Each tool's record is the median of all its runs and
# the model of its first run (a run before the rounds, not timed).
time_both_models <- function(opt, x) {
  kmax <- as.integer(opt$kmax)
  searches <- list(gmmfit = gmmfit_models(x, kmax), mclust = mclust_models(x, kmax))
  chosen <- lapply(searches, function(search) suppressWarnings(search()))
  seconds <- list(gmmfit = numeric(), mclust = numeric())
  batch <- 0.05
  pause <- 0.05
  rounds <- 0L
  enough <- function() {
    rounds >= as.integer(opt$reps) &&
      all(vapply(seconds, sum, 0) >= as.numeric(opt$min_seconds))
  }
  while (!enough()) {
    rounds <- rounds + 1L
    order <- if (rounds %% 2L == 1L) names(searches) else rev(names(searches))
    for (tool in order) {
      # Each batch starts on an idle machine: the other tool's threads may
      # still be spinning, waiting for work, just after its batch.
      Sys.sleep(pause)
      spent <- 0
      repeat {
        t0 <- elapsed()
        suppressWarnings(searches[[tool]]())
        dt <- elapsed() - t0
        spent <- spent + dt
        seconds[[tool]] <- c(seconds[[tool]], dt)
        if (spent >= batch) break
      }
    }
  }
  for (tool in names(searches)) {
    m <- chosen[[tool]]
    cat(sprintf("model_of %s %.6f %d %d %s %.17g %.17g %d\n", tool,
                stats::median(seconds[[tool]]), length(seconds[[tool]]), m$k, m$structure,
                m$bic, m$loglik, m$degenerate))
  }
  cat(sprintf("rounds %d\n", rounds))
}

gmmfit_models <- function(x, kmax) {
  suppressPackageStartupMessages(library(gmmfit))
  cat(sprintf("version gmmfit %s\n", utils::packageVersion("gmmfit")))
  cat(sprintf("threads %d\n", gmm_control()$n_threads))
  function() {
    set.seed(1)
    fit <- gmm_fit(x, k = seq_len(kmax), covariance = names(structures))
    list(k = length(fit$weights), structure = fit$covariance, bic = fit$bic,
         loglik = fit$loglik, degenerate = as.integer(length(fit$degenerate) > 0L))
  }
}

# mclust's BIC is 2 logL - p log n; it is negated here to gmmfit's convention.
mclust_models <- function(x, kmax) {
  suppressPackageStartupMessages(library(mclust))
  cat(sprintf("version mclust %s\n", utils::packageVersion("mclust")))
  function() {
    fit <- Mclust(x, G = seq_len(kmax), modelNames = unname(structures), verbose = FALSE)
    list(k = fit$G, structure = mclust_structure(fit),
         bic = -fit$bic, loglik = fit$loglik, degenerate = 0L)
  }
}

# gmmfit's name of the structure Mclust chose. With one component mclust
# names the model "XXX", "XXI" or "XII"; the label of its BIC ("EEE,1") keeps
# the name asked for.
mclust_structure <- function(fit) {
  model <- if (fit$modelName %in% structures) fit$modelName else sub(",.*$", "", names(fit$bic)[1L])
  names(structures)[match(model, structures)]
}

# The log-likelihood reached for each k in kmin..kmax and each structure;
# failures give NA.
fit_starts <- function(opt, x) {
  fit_one <- if (opt$tool == "gmmfit-starts") gmmfit_start(as.integer(opt$n_init)) else mclust_start()
  for (k in seq(as.integer(opt$kmin), as.integer(opt$kmax))) {
    for (s in names(structures)) {
      res <- tryCatch(suppressWarnings(fit_one(x, k, s)),
                      error = function(e) list(loglik = NA_real_, degenerate = 0L))
      cat(sprintf("start %d %s %.17g %d\n", k, s, res$loglik, res$degenerate))
    }
  }
}

gmmfit_start <- function(n_init) {
  suppressPackageStartupMessages(library(gmmfit))
  cat(sprintf("version gmmfit %s\n", utils::packageVersion("gmmfit")))
  function(x, k, structure) {
    set.seed(1)
    fit <- gmm_fit(x, k = k, covariance = structure, n_init = n_init)
    list(loglik = fit$loglik, degenerate = as.integer(length(fit$degenerate) > 0L))
  }
}

mclust_start <- function() {
  suppressPackageStartupMessages(library(mclust))
  cat(sprintf("version mclust %s\n", utils::packageVersion("mclust")))
  function(x, k, structure) {
    fit <- Mclust(x, G = k, modelNames = structures[[structure]], verbose = FALSE)
    list(loglik = if (is.null(fit)) NA_real_ else fit$loglik, degenerate = 0L)
  }
}

main()
