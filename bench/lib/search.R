# End to end: choosing the number of components by BIC, each package with
# its own defaults: gmm_fit(x, k = 1:9, covariance = "full") against
# Mclust(x, G = 1:9, modelNames = "VVV"), on data with a known k.

run_search <- function() {
  if (!"search" %in% bench$opt$parts) return(invisible())
  cfg <- bench$settings$search
  progress(sprintf("search: n = %s, d = %d, true k = %d", fmt_n(cfg$n), cfg$d, cfg$k))
  ds <- make_dataset("search", cfg$n, cfg$d, cfg$k, cfg$seed, cfg$min_dist)
  job <- write_job(ds, iters = NA, reps = 1L)
  rm(ds)
  invisible(gc())
  progress("  gmm_fit")
  runs <- list(search_child("gmmfit-search", job, bench$settings$threads))
  if (bench$alt$mclust$ok) {
    progress("  Mclust")
    runs[[2L]] <- search_child("mclust-search", job, 1L)
  }
  remove_job_files(job)
  print_search(cfg, runs)
}

search_child <- function(tool, job, threads) {
  cfg <- bench$settings$search
  run_child(rscript(), c(file.path(drivers_dir(), "fit_r.R"), kv(
    tool = tool, data = job$col, n = job$n, d = job$d, kmax = cfg$kmax,
    seed = cfg$seed, threads = threads)), threads = threads)
}

print_search <- function(cfg, runs) {
  calls <- c(sprintf('gmm_fit(x, k = 1:%d, covariance = "full")', cfg$kmax),
             sprintf('Mclust(x, G = 1:%d, modelNames = "VVV")', cfg$kmax))[seq_along(runs)]
  get <- function(i) vapply(runs, function(r) if (length(r$search) == 4L) r$search[i] else NA_real_, 0)
  seconds <- get(1L)
  peak <- vapply(runs, function(r) if (length(r$memory) == 2L) r$memory[2L] / 1024 else NA_real_, 0)
  heading(sprintf("Choosing k by BIC: n = %s, d = %d, true k = %d (one run each)",
                  fmt_n(cfg$n), cfg$d, cfg$k))
  print_table(data.frame(
    call = calls, threads = c(as.character(bench$settings$threads), "1")[seq_along(runs)],
    seconds = ifelse(is.na(seconds), "FAILED", fmt_seconds(seconds)),
    "x gmm_fit" = fmt_ratio(seconds / seconds[1L]), "chosen k" = fmt(get(2L), "%.0f"),
    BIC = fmt(get(3L), "%.2f"), loglik = fmt(get(4L), "%.4f"), "peak MB" = fmt_mb(peak),
    check.names = FALSE, stringsAsFactors = FALSE), left = "call")
  say("")
  for (r in runs) if (!is.null(r$error)) say("error: ", r$error)
  if (!bench$alt$mclust$ok) say("mclust is not available: gmm_fit() is shown alone.")
  say(paste(
    "BIC is shown as -2 logL + p log n (gmmfit's convention, lower is better); mclust reports",
    "2 logL - p log n and picks the largest, so its value is shown negated. Each call uses its",
    "own default starts (gmmfit: k-means++ with 3 starts per k; mclust: hierarchical",
    "agglomeration) and stopping rule, so the fits need not coincide.", sep = "\n"))
}
