# Inner rounds of the iterative M-steps (VEI, VEE, VEV, EVE, VVE): how many
# rounds each EM iteration's M-step runs before its objective changes by
# less than 1e-12 relatively (at most 100), from the fits' `inner_iter`.
#
#   Rscript bench/inner.R [--quick]
#
# Part 1: the sweep's data sets (bench/lib/data.R, n = 5e4, k = 4; seed 200 + d,
# as in the sweep), EM from the sweep's common start reduced to each model,
# run to convergence (tol 1e-8, at most 500 iterations).
# Part 2: searches over k = 1:9 on data sets of R, the chosen fit of each
# model (its short run and the run carried on).
args <- commandArgs(trailingOnly = TRUE)
quick <- "--quick" %in% args
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
for (f in c("data.R")) source(file.path(here, "lib", f))
suppressMessages(library(gmmfit))

iterative <- c("VEI", "VEE", "VEV", "EVE", "VVE")
name_of <- function(m) gmmfit:::model_table$name[gmmfit:::model_table$mclust == m]
describe_rounds <- function(r) {
  if (!length(r)) return(c(iters = "0", mean = "-", median = "-", max = "-", "at cap" = "-"))
  c(iters = length(r), mean = sprintf("%.1f", mean(r)), median = sprintf("%g", stats::median(r)),
    max = max(r), "at cap" = sprintf("%.0f%%", 100 * mean(r >= 100)))
}

n <- if (quick) 5e3 else 5e4
# (a first fit, untimed: loading and first use of the engine)
invisible(gmm_fit(faithful, k = 2, covariance = "VEI"))
rows <- list()
for (d in c(2L, 5L, 10L, 20L)) {
  ds <- make_dataset(sprintf("sweep-d%d", d), n, d, 4L, 200L + d)
  for (m in iterative) {
    start <- reduce_start(ds$start, name_of(m))
    t <- system.time(fit <- suppressWarnings(
      gmm_fit(ds$x, k = 4L, covariance = m, init = start,
              control = gmm_control(tol = 1e-8, max_iter = 500L))))[["elapsed"]]
    rows[[length(rows) + 1L]] <- c(model = m, d = d, describe_rounds(fit$inner_iter),
                                  "s/iter" = sprintf("%.4f", t / max(1, fit$n_iter)))
  }
}
cat(sprintf("Sweep data (n = %s, k = 4), EM from the common start to convergence:\n\n", format(n)))
print(as.data.frame(do.call(rbind, rows)), row.names = FALSE)

sets <- list("iris[, 1:4]" = iris[, 1:4], "iris[, 3:4]" = iris[, 3:4], faithful = faithful,
             swiss = swiss, USArrests = USArrests, trees = trees)
rows <- list()
for (nm in names(sets)) {
  for (m in iterative) {
    set.seed(1)
    fit <- suppressWarnings(gmm_fit(sets[[nm]], k = 1:9, covariance = m))
    rows[[length(rows) + 1L]] <- c(data = nm, model = m, k = length(fit$weights),
                                  describe_rounds(fit$inner_iter))
  }
}
cat("\nSearches over k = 1:9 (one model each), the chosen fit:\n\n")
print(as.data.frame(do.call(rbind, rows)), row.names = FALSE)
