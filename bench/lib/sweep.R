# The sweep behind the targets "every covariance model at least 10x faster
# than mclust per iteration": for each d, one data set (k components), and
# for each model `iters` EM iterations from the common start reduced to that
# model, gmmfit (2 threads) against mclust. All fourteen models for d up to
# `all_models_to` (the iterative ones report their inner iterations in
# NOTES.md), the four classic structures above.

sweep_target <- 10

sweep_models <- function(d, cfg) {
  table <- gmmfit:::model_table
  names <- table$name[match(gmmfit:::model_order(table$mclust), table$mclust)]
  if (d <= cfg$all_models_to) names else c("full", "tied", "diag", "spherical")
}

run_sweep <- function() {
  if (!"sweep" %in% bench$opt$parts) return(invisible())
  if (!bench$alt$mclust$ok) {
    heading("Sweep over covariance structures and dimensions")
    say("mclust is not available (or left out): the sweep, a comparison with mclust, is skipped.")
    return(invisible())
  }
  cfg <- bench$settings$sweep
  t0 <- Sys.time()
  parts <- lapply(cfg$d, sweep_dimension, cfg = cfg)
  rows <- list(table = do.call(rbind, lapply(parts, `[[`, "table")),
               speedup = unlist(lapply(parts, `[[`, "speedup")))
  heading(sprintf("Sweep: n = %s, k = %d, %d EM iterations from a common start (median of %d)",
                  fmt_n(cfg$n), cfg$k, cfg$iters, bench$opt$reps))
  print_table(rows$table, left = c("covariance", "mclust"))
  sweep_summary(rows)
  say(sprintf("The sweep took %.0f s.", as.numeric(Sys.time() - t0, units = "secs")))
}

# All four structures on one data set of dimension d.
sweep_dimension <- function(d, cfg) {
  progress(sprintf("sweep: d = %d", d))
  ds <- make_dataset(sprintf("sweep-d%d", d), cfg$n, d, cfg$k, cfg$seed + d)
  base <- write_job(ds, cfg$iters, bench$opt$reps)
  rows <- lapply(sweep_models(d, cfg), function(cv) sweep_case(with_start(base, ds$start, cv)))
  remove_job_files(base)
  list(table = do.call(rbind, lapply(rows, `[[`, "table")),
       speedup = unlist(lapply(rows, `[[`, "speedup")))
}

# gmmfit and mclust on one structure: one table row and the speed-up.
sweep_case <- function(job) {
  g <- summarise_fit(fit_r("gmmfit", job, bench$settings$threads))
  m <- summarise_fit(fit_r("mclust", job))
  speedup <- m$s_iter / g$s_iter
  rel <- rel_diff(m$loglik, g$loglik)
  table <- data.frame(
    covariance = job$covariance,
    mclust = mclust_name(job$covariance, job$d),
    d = job$d,
    "gmmfit s/iter" = ifelse(is.na(g$s_iter), "FAILED", fmt_seconds(g$s_iter)),
    "mclust s/iter" = ifelse(is.na(m$s_iter), "FAILED", fmt_seconds(m$s_iter)),
    "mclust/gmmfit" = fmt(speedup, "%.1f"),
    iter = paste(g$iterations, m$iterations, sep = " / "),
    "rel.diff" = paste0(fmt_rel(rel), ifelse(!is.na(rel) & rel > agree_tol, " !", "")),
    target = ifelse(is.na(speedup), "-", ifelse(speedup >= sweep_target, "met", "NOT MET")),
    check.names = FALSE, stringsAsFactors = FALSE)
  for (e in c(g$error, m$error)) say("sweep ", job$covariance, " d = ", job$d, ": ", e)
  list(table = table, speedup = speedup)
}

# mclust's name for a model; one-dimensional data has only "E" and "V" (the
# volume letter).
mclust_name <- function(covariance, d) {
  table <- gmmfit:::model_table
  name <- table$mclust[match(covariance, table$name)]
  if (d == 1L) substr(name, 1L, 1L) else name
}

sweep_summary <- function(rows) {
  tab <- rows$table
  met <- !is.na(rows$speedup) & rows$speedup >= sweep_target
  say("")
  say(paste(
    "s/iter: time of the whole call over the iterations run (gmmfit: gmm_fit() with",
    sprintf("%d threads; mclust: estep() then me()); iter: iterations run by gmmfit / mclust;",
            bench$settings$threads),
    "rel.diff: relative difference of the final log-likelihoods (! above 1e-6).", sep = "\n"))
  say(sprintf("Target: gmmfit at least %gx faster than mclust. Met in %d of %d cases.",
              sweep_target, sum(met), length(met)))
  if (any(!met)) {
    say("Not met: ", paste(sprintf("%s d = %s (%s)", tab$covariance[!met], tab$d[!met],
                                   tab[["mclust/gmmfit"]][!met]), collapse = "; "))
  }
  bad <- grepl("!", tab$rel.diff, fixed = TRUE)
  say(if (any(bad)) sprintf("LOG-LIKELIHOODS DISAGREE in %d cases (marked !).", sum(bad))
      else "Log-likelihoods agree in every case.")
}
