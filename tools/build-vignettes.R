# Builds the vignettes of gmmfit into inst/doc, where an installation from
# the checkout finds them without knitr, rmarkdown or pandoc. Run from the
# root of the checkout after changing a vignette (or what it shows):
#
#   Rscript tools/build-vignettes.R
#
# Needs knitr, rmarkdown and pandoc, and gmmfit installed from this checkout
# (the vignettes run it). R CMD build rebuilds them in the source package in
# any case; .ci/run fails when inst/doc holds another version of a vignette's
# source than vignettes/.

local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(arg)) dirname(sub("^--file=", "", arg[1L])) else "tools"
  source(file.path(here, "setup.R"), local = FALSE)
})

build_vignettes <- function() {
  root <- gmmfit_root()
  lib <- tempfile("gmmfit-vignette-lib-")
  dir.create(lib)
  on.exit(unlink(lib, recursive = TRUE), add = TRUE)
  gmmfit_install_checkout(root, lib)
  .libPaths(c(lib, .libPaths()))
  out <- tools::buildVignettes(dir = root, tangle = TRUE, quiet = TRUE)
  doc <- file.path(root, "inst", "doc")
  dir.create(doc, recursive = TRUE, showWarnings = FALSE)
  built <- file.path(root, "vignettes", unique(c(basename(out$outputs), basename(unlist(out$sources)))))
  sources <- list.files(file.path(root, "vignettes"), pattern = "\\.Rmd$", full.names = TRUE)
  ok <- file.copy(c(built, sources), doc, overwrite = TRUE)
  if (!all(ok)) gmmfit_stop("could not copy ", paste(c(built, sources)[!ok], collapse = ", "), " to ", doc)
  unlink(built)
  message("Built into ", doc, ": ", paste(list.files(doc), collapse = ", "))
}

tryCatch(
  build_vignettes(),
  error = function(e) {
    message("Building the vignettes failed: ", conditionMessage(e))
    quit(save = "no", status = 1L)
  }
)
