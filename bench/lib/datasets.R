# End to end on R's own small data sets: the whole model search,
# gmm_fit(x, k = 1:9, covariance = <all four>) after set.seed(1) against
# Mclust(x, G = 1:9, modelNames = c("VVV", "EEE", "VVI", "VII")), each with
# its defaults, timed on a quiet machine and beside a busy loop.

run_datasets <- function() {
  if (!"datasets" %in% bench$opt$parts) return(invisible())
  cfg <- bench$settings$datasets
  t0 <- Sys.time()
  jobs <- lapply(cfg$data, r_dataset_job)
  runs <- run_under_loads(bench$opt$loads, function(load) lapply(jobs, datasets_case, load = load))
  for (job in jobs) remove_job_files(job)
  heading(sprintf("Model search on R's data sets: k = 1:%d, four structures, end to end", cfg$kmax))
  print_table(datasets_table(jobs, runs), left = c("data", "gmmfit model", "mclust model"))
  datasets_notes(jobs, runs)
  say(sprintf("The part took %.0f s.", as.numeric(Sys.time() - t0, units = "secs")))
}

# One of R's data sets, given as the expression that makes it, written for
# the child processes; the expression is its name.
r_dataset_job <- function(expr) {
  x <- as.matrix(eval(str2lang(expr), globalenv()))
  storage.mode(x) <- "double"
  ds <- list(name = expr, n = nrow(x), d = ncol(x), k = NA_integer_, x = x)
  job <- write_job(ds, iters = NA, reps = bench$opt$reps, stem = make.names(expr))
  job$name <- expr
  job
}

# gmm_fit's and Mclust's searches on one data set (Mclust when available),
# timed in one process in alternating rounds, so that both are timed in the
# same spells of the machine's speed (fit_r.R, time_both_models()). The
# child's BLAS is single-threaded, as Mclust's is timed; gmm_fit() uses its
# default threads, which it sets itself.
datasets_case <- function(job, load) {
  progress(sprintf("datasets (%s): %s", load, job$name))
  if (!bench$alt$mclust$ok) return(list(gmmfit = models_child("gmmfit-models", job, bench$settings$threads)))
  res <- models_run("both-models", job, 1L)
  lapply(c(gmmfit = "gmmfit", mclust = "mclust"), function(tool) {
    one <- list(model = res$models[[tool]], threads = if (tool == "gmmfit") res$threads,
                error = res$error)
    c(summarise_model(one), rounds = res$rounds %||% NA_real_)
  })
}

models_child <- function(tool, job, threads) summarise_model(models_run(tool, job, threads))

models_run <- function(tool, job, threads) {
  cfg <- bench$settings$datasets
  run_child(rscript(), c(file.path(drivers_dir(), "fit_r.R"), kv(
    tool = tool, data = job$col, n = job$n, d = job$d, kmax = cfg$kmax,
    reps = job$reps, min_seconds = cfg$min_seconds)), threads = threads)
}

# The fields of a `model` record, or NAs and the error.
summarise_model <- function(res) {
  m <- res$model
  if (length(m) != 7L) {
    return(list(seconds = NA_real_, runs = NA_real_, model = "-", bic = NA_real_,
                degenerate = NA, error = res$error %||% "no result"))
  }
  list(seconds = as.numeric(m[1L]), runs = as.numeric(m[2L]), model = paste(m[3L], m[4L]),
       bic = as.numeric(m[5L]), degenerate = m[7L] == "1", threads = res$threads,
       error = res$error)
}

# One row per data set and a total: times under each load, then the models
# chosen (in the first load's run) and their BICs.
datasets_table <- function(jobs, runs) {
  field <- function(load, tool, name, na) {
    vapply(runs[[load]], function(r) if (is.null(r[[tool]])) na else r[[tool]][[name]], na)
  }
  tab <- data.frame(data = c(vapply(jobs, `[[`, "", "name"), "total"),
                    n = c(vapply(jobs, `[[`, 0, "n"), NA), d = c(vapply(jobs, `[[`, 0, "d"), NA),
                    stringsAsFactors = FALSE)
  tab$n <- fmt(tab$n, "%.0f")
  tab$d <- fmt(tab$d, "%.0f")
  for (load in names(runs)) {
    g <- field(load, "gmmfit", "seconds", NA_real_)
    m <- field(load, "mclust", "seconds", NA_real_)
    g <- c(g, sum(g))
    m <- c(m, sum(m))
    tab[[load_label("gmm_fit s", load)]] <- ifelse(is.na(g), "FAILED", fmt_seconds(g))
    tab[[load_label("Mclust s", load)]] <- fmt_seconds(m)
    tab[[load_label("Mclust/gmm_fit", load)]] <- fmt_ratio(m / g)
  }
  first <- names(runs)[1L]
  tab[["gmmfit model"]] <- c(field(first, "gmmfit", "model", "-"), "")
  tab[["mclust model"]] <- c(field(first, "mclust", "model", "-"), "")
  tab[["gmmfit BIC"]] <- c(fmt(field(first, "gmmfit", "bic", NA_real_), "%.2f"), "")
  tab[["mclust BIC"]] <- c(fmt(field(first, "mclust", "bic", NA_real_), "%.2f"), "")
  degenerate <- field(first, "gmmfit", "degenerate", NA)
  tab$degenerate <- c(ifelse(is.na(degenerate), "-", ifelse(degenerate, "YES", "no")), "")
  tab
}

# A column name, marked with the load when several loads are compared.
load_label <- function(name, load) {
  if (length(bench$opt$loads) > 1L) paste(name, load) else name
}

datasets_notes <- function(jobs, runs) {
  say("")
  for (load in names(runs)) for (i in seq_along(jobs)) for (tool in c("gmmfit", "mclust")) {
    e <- runs[[load]][[i]][[tool]]$error
    if (!is.null(e)) say(sprintf("%s, %s (%s): %s", jobs[[i]]$name, tool, load, e))
  }
  moved <- models_that_moved(jobs, runs)
  if (length(moved)) say("The chosen model differs between the loads for: ", paste(moved, collapse = ", "), ".")
  counts <- unlist(lapply(runs, function(rs) lapply(rs, function(r) c(r$gmmfit$runs, r$mclust$runs))))
  threads <- unique(unlist(lapply(runs, function(rs) lapply(rs, function(r) r$gmmfit$threads))))
  rounds <- unlist(lapply(runs, function(rs) lapply(rs, function(r) r$gmmfit$rounds)))
  say(sprintf(paste(
    "s: median seconds of one whole call. Both searches of a data set run in one process, in",
    "alternating rounds (a batch of at least 0.05 s of each per round, after a pause of",
    "0.05 s, the first tool alternating), until at least %d rounds and %g s of each (%s rounds, %s runs per",
    "measurement here): the machine's speed changes between spells of a few seconds, and both",
    "are timed in the same ones. gmm_fit() with its default threads (%s), Mclust",
    "single-threaded. total: the sums, and the ratio of the sums.",
    "model: the chosen k and structure (mclust's VVV, EEE, VVI, VII shown as full, tied, diag,",
    "spherical). BIC: -2 logL + p log n for both (lower is better; mclust's own bic is the",
    "negative). degenerate: gmmfit's chosen model has components on tied values (fit$degenerate),",
    "so its log-likelihood and BIC are inflated by the regularisation floor.", sep = "\n"),
    bench$opt$reps, bench$settings$datasets$min_seconds,
    if (any(!is.na(rounds))) paste(unique(range(rounds, na.rm = TRUE)), collapse = " to ") else "no",
    if (any(!is.na(counts))) paste(range(counts, na.rm = TRUE), collapse = " to ") else "no",
    if (length(threads)) paste(threads, collapse = "/") else "?"))
  describe_load(bench$opt$loads)
  if (!bench$alt$mclust$ok) say("mclust is not available: gmm_fit() is shown alone.")
}

# Data sets whose chosen model (by either package) is not the same under
# every load.
models_that_moved <- function(jobs, runs) {
  moved <- vapply(seq_along(jobs), function(i) {
    models <- lapply(runs, function(rs) c(rs[[i]]$gmmfit$model, rs[[i]]$mclust$model))
    length(unique(models)) > 1L
  }, TRUE)
  vapply(jobs[moved], `[[`, "", "name")
}
