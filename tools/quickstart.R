# Quick start for gmmfit. Run from the root of the checkout:
#
#   Rscript tools/quickstart.R
#
# 1. installs the packages gmmfit needs to run that are missing (Rcpp and
#    RcppEigen; not those only the tests use, which tools/run-tests.R
#    installs) from CRAN into the first writable library (or a newly created
#    user library), with remotes::install_deps() (remotes is installed first
#    when missing);
# 2. installs gmmfit from this checkout into the same library, with its
#    vignette (built beforehand in inst/doc, its index in
#    build/vignette.rds, so that installing it needs neither knitr nor
#    pandoc), and checks that the vignette is there;
# 3. fits a Gaussian mixture to the four measurements of the iris data,
#    choosing the number of components (1 to 5) by BIC, prints the summary and
#    draws the classification plot into gmmfit-demo.png in the current
#    directory.
#
# Any failure stops the script with a message and a non-zero exit status.

local({
  args <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(args)) dirname(sub("^--file=", "", args[1L])) else "tools"
  helpers <- file.path(here, "setup.R")
  if (!file.exists(helpers)) {
    message("Cannot find ", helpers, "; run this script as Rscript tools/quickstart.R ",
            "from the root of the gmmfit checkout.")
    quit(save = "no", status = 1L)
  }
  source(helpers, local = FALSE)
})

quickstart <- function() {
  root <- gmmfit_root()
  lib <- gmmfit_target_library()

  message("== Step 1/3: dependencies")
  gmmfit_install_deps(root, lib, suggests = FALSE)

  message("\n== Step 2/3: gmmfit from ", root)
  gmmfit_install_checkout(root, lib)
  if (!nrow(utils::vignette(package = "gmmfit", lib.loc = lib)$results)) {
    gmmfit_stop("the vignette of gmmfit was not installed into ", lib)
  }

  message("\n== Step 3/3: iris demo")
  set.seed(1)
  fit <- gmmfit::gmm_fit(iris[, 1:4], k = 1:5)
  print(summary(fit))

  out <- file.path(getwd(), "gmmfit-demo.png")
  grDevices::png(out, width = 1200, height = 1200, res = 130)
  plotted <- FALSE
  on.exit(if (!plotted) grDevices::dev.off(), add = TRUE)
  plot(fit)
  grDevices::dev.off()
  plotted <- TRUE
  if (!file.exists(out) || file.size(out) == 0) gmmfit_stop("the plot was not written to ", out)
  cat("\nClassification plot written to ", normalizePath(out), "\n", sep = "")
  cat("The vignette: vignette(\"iris\", package = \"gmmfit\")\n")
  invisible(fit)
}

tryCatch(
  quickstart(),
  error = function(e) {
    message("\nQuick start failed: ", conditionMessage(e))
    quit(save = "no", status = 1L)
  }
)
