# One measurement per tool: EM from the common start in a child process.
#
# A `job` describes the data and the start on disk: list(col, row, start, n,
# d, k, covariance, iters, reps). Each runner returns the parsed records of
# its child (see parse_records()).

# gmmfit gets `threads` as n_threads; mclust, single-threaded, gets 1. The
# same number limits the threads of R's BLAS in the child.
fit_r <- function(tool, job, threads = 1L) {
  run_child(rscript(), c(file.path(drivers_dir(), "fit_r.R"), kv(
    tool = tool, data = job$col, start = job$start, n = job$n, d = job$d, k = job$k,
    covariance = job$covariance, iters = job$iters, reps = job$reps, reg = 0,
    threads = threads)), threads = threads)
}

fit_sklearn <- function(job) {
  run_child(bench$alt$python$path, c(file.path(drivers_dir(), "fit_sklearn.py"), kv(
    data = job$row, start = job$start, n = job$n, d = job$d, k = job$k,
    covariance = job$covariance, iters = job$iters, reps = job$reps, reg = 0)))
}

fit_armadillo <- function(job) {
  run_child(bench$alt$armadillo$binary, kv(
    data = job$row, start = job$start, n = job$n, d = job$d, k = job$k,
    iters = job$iters, reps = job$reps))
}

# The tools of the main table (full covariances), as rows of: label, the
# threads it was given, and its runner. Alternatives that are missing are
# left out (find_alternatives() has said why).
main_tools <- function() {
  th <- bench$settings$threads
  tools <- list(
    list(label = "gmmfit", threads = "1", run = function(job) fit_r("gmmfit", job, 1L)),
    list(label = "gmmfit", threads = as.character(th), run = function(job) fit_r("gmmfit", job, th))
  )
  if (bench$alt$mclust$ok) tools <- c(tools, list(
    list(label = "mclust", threads = "1", run = function(job) fit_r("mclust", job))))
  if (bench$alt$sklearn$ok) tools <- c(tools, list(
    list(label = "scikit-learn", threads = paste0(th, "*"), run = fit_sklearn)))
  if (bench$alt$armadillo$ok) tools <- c(tools, list(
    list(label = "Armadillo", threads = as.character(th), run = fit_armadillo)))
  tools
}

# The figures of one measurement: median seconds per iteration over the
# runs, iterations run, final log-likelihood, peak RSS and its growth during
# the first fit (MB), or the error.
summarise_fit <- function(res) {
  out <- list(s_iter = NA_real_, iterations = "-", loglik = NA_real_,
              peak_mb = NA_real_, fit_mb = NA_real_, error = res$error)
  fits <- res$fit
  if (!is.null(res$error) || !nrow(fits)) {
    if (is.null(out$error)) out$error <- "no result"
    return(out)
  }
  out$s_iter <- stats::median(fits$seconds / fits$iterations)
  out$iterations <- paste(unique(fits$iterations), collapse = "/")
  out$loglik <- fits$loglik[1L]
  if (length(res$memory) == 2L) {
    out$peak_mb <- res$memory[2L] / 1024
    out$fit_mb <- (res$memory[2L] - res$memory[1L]) / 1024
  }
  out
}

# Writes a data set for the child processes; returns the job without a start.
write_job <- function(ds, iters, reps, stem = ds$name) {
  files <- write_dataset(ds, bench$work, stem)
  list(col = files$col, row = files$row, n = ds$n, d = ds$d, k = ds$k,
       iters = iters, reps = reps)
}

# The job with the start reduced to `covariance` written next to the data.
with_start <- function(job, start, covariance) {
  stem <- sub("\\.col\\.bin$", "", job$col)
  job$start <- write_start(reduce_start(start, covariance), paste0(stem, ".", covariance, ".start.bin"))
  job$covariance <- covariance
  job
}

# Removes the data and every start written for it.
remove_job_files <- function(job) {
  unlink(Sys.glob(paste0(sub("\\.col\\.bin$", "", job$col), ".*")))
}
