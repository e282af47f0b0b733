# Time per EM iteration with missing values against the complete data, on
# data set B of the main table (n = 1e5, d = 10, k = 8, full covariances):
# the same rows with a share of the values removed completely at random,
# fitted from the same start for a fixed number of iterations (tol = 0).
# Also case weights (all ones: the cost of the weighted path alone).
#
#   Rscript bench/missing.R [--n=1e5] [--share=0.1] [--iters=20] [--reps=5] [--threads=1]
#
# The time per iteration is the slope between fits of `iters` and
# 2 * `iters` iterations (median over the repetitions), so that what a fit
# does once (checks, ordering the rows by pattern, the start, the result)
# does not count; the time of the whole fit with `iters` iterations is
# shown beside it. Ratios are to the complete data.

args <- commandArgs(TRUE)
opt <- function(name, default) {
  hit <- grep(paste0("^--", name, "="), args, value = TRUE)
  if (length(hit)) as.numeric(sub(".*=", "", hit[[1L]])) else default
}
n <- opt("n", 1e5)
share <- opt("share", 0.1)
iters <- opt("iters", 20)
reps <- opt("reps", 5)
threads <- opt("threads", 1)

here <- tryCatch(dirname(sys.frame(1)$ofile), error = function(e) "bench")
source(file.path(here, "lib", "data.R"))
suppressMessages(library(gmmfit))

ds <- make_dataset("B", n, 10L, 8L, seed = 102)
x <- ds$x
colnames(x) <- paste0("x", seq_len(ncol(x)))
set.seed(7)
holes <- x
holes[sample(length(x), round(share * length(x)))] <- NA
timed <- function(data, iters, ...) {
  ctrl <- gmm_control(max_iter = iters, tol = 0, n_threads = threads)
  stats::median(vapply(seq_len(reps), function(r) {
    system.time(gmm_fit(data, k = 8, init = ds$start, control = ctrl, ...))[["elapsed"]]
  }, numeric(1)))
}
measure <- function(data, ...) {
  short <- timed(data, iters, ...)
  long <- timed(data, 2 * iters, ...)
  c(per_iter = (long - short) / iters, whole = short)
}

runs <- rbind(complete = measure(x),
              missing = measure(holes, na = "em"),
              weighted = measure(x, case_weights = rep(1, nrow(x))))
rows <- data.frame(
  data = c("complete", sprintf("%g%% missing (na = \"em\")", 100 * share),
           "complete, case weights"),
  ms_per_iter = 1000 * runs[, "per_iter"],
  ratio = runs[, "per_iter"] / runs["complete", "per_iter"],
  whole_fit_s = runs[, "whole"],
  whole_ratio = runs[, "whole"] / runs["complete", "whole"])
cat(sprintf("n = %g, d = 10, k = 8, full; %d and %d iterations, median of %d; %d thread(s)\n",
            n, iters, 2 * iters, reps, threads))
cat(sprintf("rows with a missing value: %d (%.1f%%); patterns: %d\n",
            sum(!stats::complete.cases(holes)), 100 * mean(!stats::complete.cases(holes)),
            nrow(unique(is.na(holes[!stats::complete.cases(holes), ])))))
print(rows, digits = 3, row.names = FALSE)
