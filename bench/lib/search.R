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
  runs <- run_under_loads(bench$opt$loads, function(load) search_runs(job, load))
  remove_job_files(job)
  print_search(cfg, runs)
}

# gmm_fit's search, then Mclust's when available and gmm_fit's again, under
# one load. The machine's speed changes between spells of a few seconds:
# Mclust's run spans several, gmm_fit's one, so gmm_fit's time is the mean
# of a run before Mclust's and one after it (its fit is the first run's).
search_runs <- function(job, load) {
  progress(sprintf("  gmm_fit (%s)", load))
  runs <- list(search_child("gmmfit-search", job, bench$settings$threads))
  if (bench$alt$mclust$ok) {
    progress(sprintf("  Mclust (%s)", load))
    runs[[2L]] <- search_child("mclust-search", job, 1L)
    progress(sprintf("  gmm_fit again (%s)", load))
    again <- search_child("gmmfit-search", job, bench$settings$threads)
    if (length(runs[[1L]]$search) == 4L && length(again$search) == 4L) {
      runs[[1L]]$both <- c(runs[[1L]]$search[1L], again$search[1L])
      runs[[1L]]$search[1L] <- mean(runs[[1L]]$both)
    }
  }
  runs
}

search_child <- function(tool, job, threads) {
  cfg <- bench$settings$search
  run_child(rscript(), c(file.path(drivers_dir(), "fit_r.R"), kv(
    tool = tool, data = job$col, n = job$n, d = job$d, kmax = cfg$kmax,
    seed = cfg$seed, threads = threads)), threads = threads)
}

# The calls as rows; time and ratio under each load side by side, the
# chosen k, BIC, log-likelihood and peak memory of the first load's run.
print_search <- function(cfg, runs) {
  first <- runs[[1L]]
  calls <- c(sprintf('gmm_fit(x, k = 1:%d, covariance = "full")', cfg$kmax),
             sprintf('Mclust(x, G = 1:%d, modelNames = "VVV")', cfg$kmax))[seq_along(first)]
  get <- function(rs, i) vapply(rs, function(r) if (length(r$search) == 4L) r$search[i] else NA_real_, 0)
  peak <- vapply(first, function(r) if (length(r$memory) == 2L) r$memory[2L] / 1024 else NA_real_, 0)
  tab <- data.frame(call = calls, threads = c(as.character(bench$settings$threads), "1")[seq_along(first)],
                    stringsAsFactors = FALSE)
  for (load in names(runs)) {
    seconds <- get(runs[[load]], 1L)
    tab[[load_label("seconds", load)]] <- ifelse(is.na(seconds), "FAILED", fmt_seconds(seconds))
    tab[[load_label("x gmm_fit", load)]] <- fmt_ratio(seconds / seconds[1L])
  }
  heading(sprintf("Choosing k by BIC: n = %s, d = %d, true k = %d (gmm_fit: two runs, Mclust: one)",
                  fmt_n(cfg$n), cfg$d, cfg$k))
  print_table(cbind(tab, data.frame(
    "chosen k" = fmt(get(first, 2L), "%.0f"), BIC = fmt(get(first, 3L), "%.2f"),
    loglik = fmt(get(first, 4L), "%.4f"), "peak MB" = fmt_mb(peak),
    check.names = FALSE, stringsAsFactors = FALSE)), left = "call")
  search_notes(runs)
}

search_notes <- function(runs) {
  say("")
  for (load in names(runs)) for (r in runs[[load]]) if (!is.null(r$error)) say("error (", load, "): ", r$error)
  chosen <- lapply(runs, function(rs) lapply(rs, function(r) r$search[2L]))
  if (length(unique(chosen)) > 1L) say("The chosen k differs between the loads.")
  if (!bench$alt$mclust$ok) say("mclust is not available: gmm_fit() is shown alone.")
  say(paste(
    "BIC is shown as -2 logL + p log n (gmmfit's convention, lower is better); mclust reports",
    "2 logL - p log n and picks the largest, so its value is shown negated. Each call uses its",
    "own default starts (gmmfit: the hierarchical start and two k-means++ starts per k, drawn",
    "on a subsample of 2,000 rows; mclust: hierarchical agglomeration on a subsample of 2,000",
    "rows) and stopping rule, so the fits need not coincide. chosen k, BIC, loglik",
    "and peak MB are those of the first run.", sep = "\n"))
  both <- lapply(runs, function(rs) rs[[1L]]$both)
  if (!all(vapply(both, is.null, TRUE))) {
    say(paste0("gmm_fit's seconds: the mean of a run before Mclust's and one after it (",
               paste(sprintf("%s %s", names(both), vapply(both, function(b)
                 if (is.null(b)) "-" else paste(fmt_seconds(b), collapse = " and "), "")),
                     collapse = "; "),
               "); the machine's speed changes between spells of a few seconds."))
  }
  describe_load(bench$opt$loads)
}
