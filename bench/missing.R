# Time per EM iteration with missing values against the complete data, on
# data set B of the main table (n = 1e5, d = 10, k = 8, full covariances):
# the same rows with a share of the values removed completely at random,
# fitted from the same start for a fixed number of iterations (tol = 0).
# Also case weights (all ones: the cost of the weighted path alone).
#
#   Rscript bench/missing.R [--n=1e5] [--share=0.1] [--iters=20] [--reps=5] [--threads=1]
#
# Prints one line per configuration: the median seconds per iteration over
# the repetitions and the ratio to the complete data.

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
ctrl <- gmm_control(max_iter = iters, tol = 0, n_threads = threads)

per_iter <- function(data, ...) {
  times <- vapply(seq_len(reps), function(r) {
    t <- system.time(fit <- gmm_fit(data, k = 8, init = ds$start, control = ctrl, ...))
    t[["elapsed"]] / fit$n_iter
  }, numeric(1))
  stats::median(times)
}

complete <- per_iter(x)
rows <- data.frame(
  data = c("complete", sprintf("%g%% missing (na = \"em\")", 100 * share),
           "complete, case weights"),
  sec_per_iter = c(complete, per_iter(holes, na = "em"),
                   per_iter(x, case_weights = rep(1, nrow(x)))))
rows$ratio <- rows$sec_per_iter / complete
cat(sprintf("n = %g, d = 10, k = 8, full; %d iterations, median of %d; %d thread(s)\n",
            n, iters, reps, threads))
cat(sprintf("rows with a missing value: %d (%.1f%%); patterns: %d\n",
            sum(!stats::complete.cases(holes)), 100 * mean(!stats::complete.cases(holes)),
            nrow(unique(is.na(holes[!stats::complete.cases(holes), ])))))
print(rows, digits = 3, row.names = FALSE)
