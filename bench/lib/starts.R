# Quality of the starting strategies: for R's data sets, each k and each
# structure, the log-likelihood each package reaches from its own default
# starts: gmm_fit(x, k, covariance, n_init = 10) after set.seed(1),
# Mclust(x, G = k, modelNames = <mclust's name>) and scikit-learn's
# GaussianMixture(n_init = 10, random_state = 0).

starts_structures <- c(full = "VVV", tied = "EEE", diag = "VVI", spherical = "VII")

run_starts <- function() {
  if (!"starts" %in% bench$opt$parts) return(invisible())
  cfg <- bench$settings$starts
  t0 <- Sys.time()
  tabs <- lapply(cfg$data, starts_dataset, cfg = cfg)
  tab <- do.call(rbind, lapply(tabs, `[[`, "table"))
  heading(sprintf("Starting strategies: log-likelihood reached, k = %s, four structures",
                  paste(range(cfg$k), collapse = "..")))
  print_table(starts_rows(tab), left = c("data", "structure", "flag"))
  starts_notes(tab, unlist(lapply(tabs, `[[`, "errors")))
  say(sprintf("The part took %.0f s.", as.numeric(Sys.time() - t0, units = "secs")))
}

# Every k and structure on one data set, one child process per package:
# the log-likelihoods side by side, and the errors.
starts_dataset <- function(expr, cfg) {
  progress("starts: ", expr)
  job <- r_dataset_job(expr)
  keys <- kv(data = job$col, n = job$n, d = job$d, kmin = min(cfg$k), kmax = max(cfg$k))
  runs <- list(gmmfit = run_child(rscript(), c(file.path(drivers_dir(), "fit_r.R"),
                                               kv(tool = "gmmfit-starts", n_init = cfg$n_init), keys)))
  if (bench$alt$mclust$ok) {
    runs$mclust <- run_child(rscript(), c(file.path(drivers_dir(), "fit_r.R"),
                                          kv(tool = "mclust-starts"), keys), threads = 1L)
  }
  if (bench$alt$sklearn$ok) {
    keys[1L] <- kv(data = job$row)
    runs$sklearn <- run_child(bench$alt$python$path, c(file.path(drivers_dir(), "starts_sklearn.py"),
                                                       kv(n_init = cfg$n_init), keys))
  }
  remove_job_files(job)
  errors <- unlist(lapply(names(runs), function(t) if (!is.null(runs[[t]]$error)) paste0(expr, ", ", t, ": ", runs[[t]]$error)))
  list(table = starts_merge(expr, cfg$k, runs), errors = errors)
}

# One row per (k, structure): each package's log-likelihood (NA when it
# failed or did not run) and whether gmmfit's fit is degenerate.
starts_merge <- function(expr, ks, runs) {
  grid <- expand.grid(structure = names(starts_structures), k = ks, stringsAsFactors = FALSE)
  out <- data.frame(data = expr, k = grid$k, structure = grid$structure, stringsAsFactors = FALSE)
  for (tool in c("gmmfit", "mclust", "sklearn")) {
    s <- runs[[tool]]$starts
    at <- if (is.null(s)) rep(NA_integer_, nrow(grid)) else match(paste(grid$k, grid$structure), paste(s$k, s$structure))
    out[[tool]] <- if (is.null(s)) NA_real_ else s$loglik[at]
    if (tool == "gmmfit") out$degenerate <- if (is.null(s)) NA else s$degenerate[at] == 1
  }
  out
}

# gmmfit against the better of the other two: the difference, and whether
# gmmfit is worse or better by more than agree_tol relatively.
starts_compare <- function(tab) {
  best <- suppressWarnings(pmax(tab$mclust, tab$sklearn, na.rm = TRUE))
  diff <- tab$gmmfit - best
  list(best = best, diff = diff, worse = !is.na(diff) & -diff > agree_tol * abs(best),
       better = !is.na(diff) & diff > agree_tol * abs(best))
}

# The printed table: the three log-likelihoods, gmmfit minus the better of
# the other two, and a flag where gmmfit is worse (or failed where another
# package did not).
starts_rows <- function(tab) {
  cmp <- starts_compare(tab)
  best <- cmp$best
  diff <- cmp$diff
  worse <- cmp$worse
  flag <- ifelse(worse, "WORSE", ifelse(is.na(tab$gmmfit) & !is.na(best), "FAILED", ""))
  data.frame(
    data = ifelse(duplicated(tab$data), "", tab$data), k = tab$k,
    structure = sprintf("%s / %s", tab$structure, starts_structures[tab$structure]),
    gmmfit = fmt(tab$gmmfit, "%.4f"), mclust = fmt(tab$mclust, "%.4f"),
    "scikit-learn" = fmt(tab$sklearn, "%.4f"),
    "gmmfit - best other" = ifelse(!is.na(diff) & abs(diff) < 0.01, fmt(diff, "%.1e"), fmt(diff, "%.4f")),
    flag = paste0(flag, ifelse(!is.na(tab$degenerate) & tab$degenerate, " degenerate", "")),
    check.names = FALSE, stringsAsFactors = FALSE)
}

starts_notes <- function(tab, errors) {
  cmp <- starts_compare(tab)
  say("")
  for (e in errors) say("error: ", e)
  if (!bench$alt$sklearn$ok) {
    say("scikit-learn is not available (", bench$alt$sklearn$reason %||% "left out",
        "): gmmfit is compared with mclust alone.")
  }
  if (!bench$alt$mclust$ok) say("mclust is not available: its column is empty.")
  say(sprintf(paste(
    "gmmfit is worse than the better of the others (by more than %g relatively) in %d of %d",
    "cases (%d of them with a degenerate gmmfit fit), better by more than that in %d, within it",
    "in %d; %d cases have no comparison.", sep = "\n"),
    agree_tol, sum(cmp$worse), nrow(tab), sum(cmp$worse & tab$degenerate %in% TRUE), sum(cmp$better),
    sum(!is.na(cmp$diff) & !cmp$worse & !cmp$better), sum(is.na(cmp$diff))))
  say(sprintf(paste(
    "Log-likelihoods of the final fits. gmmfit: gmm_fit(x, k, covariance, n_init = %d) after",
    "set.seed(1): the hierarchical start and k-means++ starts (from the third on, every other one",
    "on the decorrelated coordinates of the hierarchical start; from the second on, with random",
    "exponential weights on the coordinates), 20 short EM iterations each, the",
    "best carried to convergence and with it those within init_margin = 1 while they can overtake",
    "it; reg = 1e-6 times each variable's variance on the diagonals.",
    "mclust: Mclust(x, G = k, modelNames = <name>), one start from hierarchical agglomeration,",
    "no regularisation. scikit-learn: GaussianMixture(n_components = k, covariance_type = <name>,",
    "n_init = %d, random_state = 0), k-means starts, reg_covar = 1e-6 added to the diagonals",
    "(absolute), log-likelihood as score(X) * n. The regularisation moves a log-likelihood",
    "slightly, so tiny differences are not a verdict on the starts. FAILED: gmmfit gave no fit",
    "where another did; degenerate: gmmfit's fit has components on tied values",
    "(fit$degenerate), where a log-likelihood is inflated by the floor on the variances; the",
    "others' fits can be degenerate too, which this table does not check.", sep = "\n"),
    bench$settings$starts$n_init, bench$settings$starts$n_init))
}
