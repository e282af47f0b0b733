# Reference rate of the machine when numpy is not available: R's product
# a %*% b of two size x size matrices, one DGEMM call of R's BLAS.
#
#   Rscript dgemm.R size=4000
#
# Prints the same records as dgemm.py:
#   dgemm <gflops> <seconds> <size>   2 size^3 flops over the best time
#   version BLAS <library>
# A product taking less than a second is repeated (up to five times in all)
# and the fastest is kept.

main <- function() {
  args <- commandArgs(trailingOnly = TRUE)
  size <- as.integer(sub("^size=", "", grep("^size=", args, value = TRUE)[1L]))
  if (is.na(size)) size <- 4000L
  set.seed(1)
  a <- matrix(stats::rnorm(size * size), size, size)
  b <- matrix(stats::rnorm(size * size), size, size)
  invisible(a[1:200, 1:200] %*% b[1:200, 1:200])  # warm up
  best <- Inf
  total <- 0
  for (i in 1:5) {
    t0 <- as.numeric(Sys.time())
    invisible(a %*% b)
    seconds <- as.numeric(Sys.time()) - t0
    best <- min(best, seconds)
    total <- total + seconds
    if (total > 1) break
  }
  blas <- sessionInfo()$BLAS
  cat(sprintf("version BLAS %s\n", if (length(blas) && nzchar(blas)) blas else "unknown"))
  cat(sprintf("dgemm %.4f %.4f %d\n", 2 * size^3 / best / 1e9, best, size))
}

main()
