# Builds the vignettes of gmmfit into the checkout, where an installation
# from it finds them without knitr, rmarkdown or pandoc: the rendered
# vignettes go into inst/doc and their index into build/vignette.rds, as
# R CMD build makes them (this script runs R CMD build and takes them from
# the source package). Run from the root of the checkout after changing a
# vignette (or what it shows):
#
#   Rscript tools/build-vignettes.R
#
# Needs what R CMD build needs for the vignettes: knitr, rmarkdown, pandoc
# and gmmfit's own dependencies. .ci/run fails when inst/doc holds another
# version of a vignette's source than vignettes/.

local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(arg)) dirname(sub("^--file=", "", arg[1L])) else "tools"
  source(file.path(here, "setup.R"), local = FALSE)
})

build_vignettes <- function() {
  root <- gmmfit_root()
  work <- tempfile("gmmfit-vignettes-")
  dir.create(work)
  on.exit(unlink(work, recursive = TRUE), add = TRUE)
  src <- gmmfit_clean_copy(root)
  on.exit(unlink(dirname(src), recursive = TRUE), add = TRUE)
  r_bin <- file.path(R.home("bin"), "R")
  log <- file.path(work, "build.log")
  status <- withr_dir(work, system2(r_bin, c("CMD", "build", "--no-manual", shQuote(src)),
                                    stdout = log, stderr = log))
  tarball <- list.files(work, pattern = "^gmmfit_.*\\.tar\\.gz$", full.names = TRUE)
  if (!identical(as.integer(status), 0L) || !length(tarball)) {
    writeLines(readLines(log, warn = FALSE), stderr())
    gmmfit_stop("R CMD build failed; see its output above")
  }
  files <- utils::untar(tarball, list = TRUE)
  wanted <- grep("^gmmfit/(inst/doc/[^/]+|build/vignette\\.rds)$", files, value = TRUE)
  utils::untar(tarball, files = wanted, exdir = work)
  for (f in wanted) {
    dest <- file.path(root, sub("^gmmfit/", "", f))
    dir.create(dirname(dest), recursive = TRUE, showWarnings = FALSE)
    if (!file.copy(file.path(work, f), dest, overwrite = TRUE)) gmmfit_stop("could not write ", dest)
  }
  message("Wrote ", paste(sub("^gmmfit/", "", wanted), collapse = ", "), " in ", root)
}

# Runs `expr` with `dir` as the working directory.
withr_dir <- function(dir, expr) {
  old <- setwd(dir)
  on.exit(setwd(old))
  force(expr)
}

tryCatch(
  build_vignettes(),
  error = function(e) {
    message("Building the vignettes failed: ", conditionMessage(e))
    quit(save = "no", status = 1L)
  }
)
