# The main table: `iters` iterations of full-covariance EM from one common
# start on data sets A to D, with gmmfit (1 and 2 threads) and every
# alternative available.

run_main_table <- function() {
  specs <- main_datasets(bench$opt$quick)
  specs <- specs[specs$name %in% bench$opt$parts, , drop = FALSE]
  if (!nrow(specs)) return(invisible())
  rows <- list()
  notes <- character()
  for (i in seq_len(nrow(specs))) {
    res <- bench_dataset(specs[i, ])
    rows[[i]] <- res$rows
    notes <- c(notes, res$notes)
  }
  heading(sprintf("Full-covariance EM, %d iterations from a common start (median of %d %s)",
                  bench$settings$iters, bench$opt$reps, if (bench$opt$reps == 1L) "run" else "runs"))
  print_table(do.call(rbind, rows), left = c("data", "tool"))
  say("")
  for (note in notes) say(note)
  main_footnotes()
}

# Generates one data set, runs every tool on it and returns its table rows
# and notes.
bench_dataset <- function(spec) {
  progress(sprintf("data set %s: n = %s, d = %d, k = %d", spec$name, fmt_n(spec$n), spec$d, spec$k))
  ds <- make_dataset(spec$name, spec$n, spec$d, spec$k, spec$seed, spec$min_dist)
  job <- with_start(write_job(ds, bench$settings$iters, bench$opt$reps), ds$start, "full")
  rm(ds)
  invisible(gc())
  tools <- main_tools()
  results <- lapply(tools, function(tool) {
    progress(sprintf("  %s, %s thread(s)", tool$label, tool$threads))
    tool$run(job)
  })
  remove_job_files(job)
  list(rows = main_rows(spec, tools, lapply(results, summarise_fit)),
       notes = dataset_notes(spec, tools, results))
}

# Table rows of one data set. Ratios are times over gmmfit's; the
# log-likelihood difference is relative to gmmfit with 2 threads.
main_rows <- function(spec, tools, s) {
  get <- function(field) vapply(s, function(x) as.numeric(x[[field]]), 0)
  s_iter <- get("s_iter")
  loglik <- get("loglik")
  gflops <- 4 * spec$n * spec$k * spec$d^2 / s_iter / 1e9
  rel <- rel_diff(loglik, loglik[2L])
  data.frame(
    data = spec$name, n = fmt_n(spec$n), d = spec$d, k = spec$k,
    "data MB" = fmt(data_mb(spec$n, spec$d), "%.1f"),
    tool = vapply(tools, `[[`, "", "label"), threads = vapply(tools, `[[`, "", "threads"),
    "s/iter" = ifelse(is.na(s_iter), "FAILED", fmt_seconds(s_iter)),
    "x gmmfit-2T" = fmt_ratio(s_iter / s_iter[2L]), "x gmmfit-1T" = fmt_ratio(s_iter / s_iter[1L]),
    iter = vapply(s, `[[`, "", "iterations"),
    loglik = fmt(loglik, "%.4f"),
    "rel.diff" = paste0(fmt_rel(rel), ifelse(!is.na(rel) & rel > agree_tol, " !", "")),
    "GFLOP/s" = fmt(gflops, "%.2f"),
    "% DGEMM" = fmt(100 * gflops / bench$dgemm$gflops, "%.0f"),
    "peak MB" = fmt_mb(get("peak_mb")), "fit MB" = fmt_mb(get("fit_mb")),
    check.names = FALSE, stringsAsFactors = FALSE
  )
}

# Per data set: do the log-likelihoods agree, was EM still moving at the last
# iteration (so that no tool could stop early), and which tools failed.
dataset_notes <- function(spec, tools, results) {
  loglik <- vapply(results, function(r) if (nrow(r$fit)) r$fit$loglik[1L] else NA_real_, 0)
  worst <- suppressWarnings(max(rel_diff(loglik[-2L], loglik[2L]), na.rm = TRUE))
  verdict <- if (!is.finite(worst)) "no log-likelihood to compare" else
    if (worst <= agree_tol) sprintf("log-likelihoods agree: max relative difference %s", fmt_rel(worst))
    else sprintf("LOG-LIKELIHOODS DISAGREE: max relative difference %s (> %g)", fmt_rel(worst), agree_tol)
  change <- results[[2L]]$last_change
  moving <- if (is.null(change)) "" else
    sprintf("; relative change of gmmfit's log-likelihood in the last iteration %.1e", change)
  notes <- sprintf("%s: %s%s.", spec$name, verdict, moving)
  notes <- c(notes, blas_note(spec, results))
  for (i in seq_along(results)) {
    used <- results[[i]]$threads   # reported by the Armadillo driver
    if (!is.null(used) && as.character(used) != tools[[i]]$threads) {
      notes <- c(notes, sprintf("%s: %s ran with %s threads, not %s.", spec$name,
                                tools[[i]]$label, used, tools[[i]]$threads))
    }
    if (!is.null(results[[i]]$error)) {
      notes <- c(notes, sprintf("%s: %s (%s threads) %s", spec$name, tools[[i]]$label,
                                tools[[i]]$threads, results[[i]]$error))
    }
  }
  notes
}

# The scikit-learn child names numpy's BLAS: if it is not the one the DGEMM
# rate was measured with (the BLAS was switched during the run), say so.
blas_note <- function(spec, results) {
  blas <- unlist(lapply(results, function(r) r$versions[names(r$versions) == "BLAS"]))
  blas <- setdiff(unique(blas), bench$dgemm$blas)
  if (!length(blas)) return(character())
  sprintf("%s: WARNING: scikit-learn ran on another BLAS than the DGEMM rate: %s.",
          spec$name, paste(blas, collapse = "; "))
}

main_footnotes <- function() {
  say("")
  say(paste(
    "s/iter: time of the whole call divided by the iterations it ran (column iter), median",
    "over the runs. The calls are: gmmfit, gmm_fit() with tol = 0 and reg = 0 (one E-step,",
    "then M- and E-steps; includes the checks and copies made in R); mclust, estep() then",
    "me(); scikit-learn, GaussianMixture.fit() (includes one pass over the data for an",
    "initial partition that the given start replaces); Armadillo, gmm_full::learn() with no",
    "k-means iterations. Every tool starts from the same parameters.", sep = "\n"))
  say(paste(
    "x gmmfit-2T, x gmmfit-1T: s/iter over gmmfit's with 2 threads and with 1 thread",
    "(above 1: slower than gmmfit).",
    "rel.diff: |loglik - loglik of gmmfit with 2 threads| / |that loglik|; ! marks more than 1e-6.",
    "GFLOP/s: 4 n k d^2 flops per iteration (full covariance) over s/iter;",
    "% DGEMM: that rate as a percentage of the DGEMM rate measured above.",
    "peak MB: peak resident memory (VmHWM) of a fresh process after its first fit, which",
    "holds the data (data MB = 8 n d bytes) and the tool's runtime; fit MB: the growth of",
    "the peak over the resident memory just before the fit.", sep = "\n"))
  say(paste(
    "threads: for gmmfit the n_threads argument; mclust's code is single-threaded; for",
    "Armadillo OMP_NUM_THREADS; * for scikit-learn: the limit given to numpy's BLAS (see",
    "the BLAS line at the top; a single-threaded BLAS uses one). Each child process gets",
    "OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set to its thread count.", sep = "\n"))
}
