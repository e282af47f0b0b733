# A fit on data larger than memory: n = 5e7 rows, d = 10, k = 8, full
# covariances, stored on disk in chunks of 1e6 rows (binary files of
# doubles, 80 MB each, 4 GB in all), fitted by gmm_fit() on the chunks:
# streamed in this R session (one chunk in memory at a time), and on a
# local cluster of 1 and of 2 workers (each keeps its chunks in memory).
# Beside them, the in-memory fit of the first `memory` rows, the part that
# fits comfortably (data plus the n x k posteriors).
#
#   Rscript bench/chunked.R [--n=5e7] [--chunk=1e6] [--iters=10] [--memory=1e7]
#                           [--dir=PATH] [--keep=1]
#
# Each fit runs in a child process, so that its peak memory (the kernel's
# VmHWM: the most resident memory the process ever had) is its own; the
# workers report theirs. Every fit runs `iters` EM iterations after its
# starts (tol = 0), from the default starts (hierarchical and k-means++ on
# a 2,000-row subsample); the time per iteration is that of the passes over
# the chunks (fit$source$timing), split into reading the chunks, computing
# the sums and, on a cluster, exchanging parameters and sums. The streamed
# fit is also run on chunks of a quarter of a file (20 MB, read by a
# function source), and with glibc's malloc told to keep freed memory.

args <- commandArgs(TRUE)
opt <- function(name, default) {
  hit <- grep(paste0("^--", name, "="), args, value = TRUE)
  if (length(hit)) sub(".*=", "", hit[[1L]]) else default
}
n <- as.numeric(opt("n", 5e7))
chunk <- as.numeric(opt("chunk", 1e6))
iters <- as.integer(opt("iters", 10))
memory_rows <- as.numeric(opt("memory", 1e7))
dir <- opt("dir", file.path(tempdir(), "gmmfit-chunks"))
child <- opt("child", "")
d <- 10L
k <- 8L

here <- tryCatch(dirname(sys.frame(1)$ofile), error = function(e) "bench")
suppressMessages(library(gmmfit))

peak_mb <- function() {
  line <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) / 1024
}

files_of <- function(dir) sort(list.files(dir, pattern = "^part.*\\.bin$", full.names = TRUE))

# Doubles in R's column order, d columns (dim<- rather than matrix(),
# which would copy the chunk).
read_part <- function(f) {
  x <- readBin(f, "double", n = file.size(f) / 8)
  dim(x) <- c(length(x) / 10L, 10L)
  dimnames(x) <- list(NULL, paste0("x", 1:10))
  x
}

# A quarter of a file's rows (250,000 rows, 20 MB) as chunk i of a
# function source: the same data in four times as many chunks, each small
# enough for glibc's malloc to reuse its memory (see malloc_env below).
quarter_source <- function(files) {
  rows <- file.size(files[[1L]]) / 8 / 10L
  part <- rows / 4
  gmm_chunks(function(i) {
    f <- files[[ceiling(i / 4)]]
    q <- (i - 1) %% 4
    con <- file(f, "rb")
    on.exit(close(con))
    x <- matrix(0, part, 10L, dimnames = list(NULL, paste0("x", 1:10)))
    for (j in 1:10) {
      seek(con, ((j - 1) * rows + q * part) * 8)
      x[, j] <- readBin(con, "double", n = part)
    }
    x
  }, n_chunks = 4L * length(files))
}

fit_child <- function(mode) {
  files <- files_of(dir)
  ctrl <- gmm_control(max_iter = iters, tol = 0, n_threads = 2L)
  set.seed(1)
  if (mode == "memory") {
    parts <- ceiling(memory_rows / chunk)
    x <- do.call(rbind, lapply(files[seq_len(parts)], read_part))
    t <- system.time(fit <- gmm_fit(x, k = k, covariance = "full", control = ctrl))[["elapsed"]]
    # (Its time per iteration: the slope between this fit and one of a
    # single iteration, which leaves out the starts and the checks.)
    set.seed(1)
    t1 <- system.time(gmm_fit(x, k = k, covariance = "full",
                              control = gmm_control(max_iter = 1L, tol = 0, n_threads = 2L)))[["elapsed"]]
    cat(sprintf("RESULT mode=memory rows=%.0f total=%.2f per_iter=%.3f peak_mb=%.0f loglik=%.6f\n",
                nrow(x), t, (t - t1) / (iters - 1), peak_mb(), fit$loglik))
    return(invisible())
  }
  workers <- as.integer(sub("workers([0-9]+).*", "\\1", mode))
  cl <- NULL
  if (workers > 0L) {
    cl <- gmm_cluster(workers)
    on.exit(parallel::stopCluster(cl))
    parallel::clusterCall(cl, function(p) invisible(.libPaths(p)), .libPaths())
  }
  src <- if (grepl("quarter", mode)) quarter_source(files) else gmm_chunks(files, reader = read_part)
  threads <- if (workers == 2L) 1L else 2L
  t <- system.time(fit <- gmm_fit(src, k = k, covariance = "full", control = ctrl,
                                  n_threads = threads, cluster = cl))[["elapsed"]]
  tm <- fit$source$timing
  em_passes <- iters + 1
  per <- tm / tm[["passes"]]
  worker_mb <- if (is.null(cl)) -1 else
    max(unlist(parallel::clusterCall(cl, function() {
      line <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
      as.numeric(gsub("[^0-9]", "", line)) / 1024
    })))
  cat(sprintf(paste("RESULT mode=%s rows=%.0f total=%.2f passes=%d per_pass=%.3f read=%.3f",
                    "compute=%.3f exchange=%.4f peak_mb=%.0f worker_peak_mb=%.0f loglik=%.6f\n"),
              mode, sum(fit$source$rows), t, tm[["passes"]], per[["seconds"]], per[["read"]],
              per[["compute"]], per[["exchange"]], peak_mb(), worker_mb, fit$loglik))
}

if (nzchar(child)) {
  fit_child(child)
  quit(save = "no")
}

# The data: chunk i drawn with seed 1000 + i from one mixture (the main
# table's data set B generator), written once and reused.
source(file.path(here, "lib", "data.R"))
dir.create(dir, showWarnings = FALSE, recursive = TRUE)
n_parts <- ceiling(n / chunk)
if (length(files_of(dir)) != n_parts) {
  unlink(files_of(dir))
  set.seed(102)
  truth <- make_truth(d, k, 3)
  t <- system.time(for (i in seq_len(n_parts)) {
    set.seed(1000 + i)
    rows <- min(chunk, n - (i - 1) * chunk)
    writeBin(as.vector(sample_mixture(rows, truth)), file.path(dir, sprintf("part%05d.bin", i)))
  })[["elapsed"]]
  cat(sprintf("wrote %d chunks of %g rows to %s in %.0f s\n", n_parts, chunk, dir, t))
}
cat(sprintf("data: %g rows x %d columns in %d files, %.1f GB on disk\n", n, d, n_parts,
            sum(file.size(files_of(dir))) / 1e9))

# The streamed fit allocates each chunk anew; glibc's malloc hands large
# blocks back to the kernel when they are freed, so the next chunk's pages
# are faulted in again. The "tuned" run keeps them (environment variables
# of glibc's malloc, set for that child only).
malloc_env <- c("MALLOC_MMAP_THRESHOLD_=4294967296", "MALLOC_TRIM_THRESHOLD_=8589934592",
                "MALLOC_TOP_PAD_=268435456")
run_child <- function(mode) {
  out <- system2(file.path(R.home("bin"), "Rscript"), env = if (grepl("tuned", mode)) malloc_env,
                 c(file.path(here, "chunked.R"), paste0("--child=", mode), paste0("--dir=", dir),
                   paste0("--iters=", iters), paste0("--memory=", memory_rows),
                   paste0("--chunk=", chunk)), stdout = TRUE, stderr = TRUE)
  line <- grep("^RESULT", out, value = TRUE)
  if (!length(line)) stop(paste(out, collapse = "\n"))
  kv <- strsplit(sub("^RESULT ", "", line), " ")[[1L]]
  vals <- sub(".*=", "", kv)
  stats::setNames(as.list(vals), sub("=.*", "", kv))
}

results <- lapply(c("memory", "workers0", "workers0quarter", "workers0tuned", "workers1",
                    "workers2"), run_child)
num <- function(r, f) {
  v <- if (is.null(r[[f]])) NA_real_ else as.numeric(r[[f]])
  if (identical(v, -1)) NA_real_ else v
}
rows <- do.call(rbind, lapply(results, function(r) data.frame(
  fit = switch(r$mode, memory = "in memory (first rows)", workers0 = "chunks, streamed in session",
               workers0tuned = "chunks, streamed, malloc kept",
               workers0quarter = "chunks of 20 MB, streamed",
               workers1 = "chunks, 1 worker", workers2 = "chunks, 2 workers"),
  rows = num(r, "rows"), total_s = num(r, "total"),
  s_per_iter = if (r$mode == "memory") num(r, "per_iter") else num(r, "per_pass"),
  read_s = num(r, "read"), compute_s = num(r, "compute"), exchange_s = num(r, "exchange"),
  peak_mb = num(r, "peak_mb"), worker_peak_mb = num(r, "worker_peak_mb"),
  loglik = num(r, "loglik"))))
rows$s_per_iter_per_1e6 <- rows$s_per_iter / (rows$rows / 1e6)
cat(sprintf("\nk = %d, full; %d EM iterations after the starts (tol = 0); threads: 2 in the session or on 1 worker, 1 per worker with 2\n",
            k, iters))
print(rows, row.names = FALSE, digits = 4)
if (opt("keep", "0") != "1") unlink(dir, recursive = TRUE)
