# Installation helpers for gmmfit, shared by tools/quickstart.R,
# tools/run-tests.R and .ci/run. The installing is done by the 'remotes'
# package (install_deps() and install_local()), itself installed from CRAN
# when missing; this file only chooses the library and the repository.
#
#   source("tools/setup.R")   defines the helpers below
#   Rscript tools/setup.R     installs everything gmmfit's DESCRIPTION names
#                             (Depends, Imports, LinkingTo, Suggests) that is
#                             missing
#
# Packages go into the first writable library in .libPaths(); when none is
# writable the user library (R_LIBS_USER) is created and used. They come from
# the repositories in getOption("repos"); when no CRAN mirror is set, the
# first entry of R's own mirror list is chosen. Every failure stops with an
# error, so Rscript exits with a non-zero status.

gmmfit_stop <- function(...) stop(paste0(...), call. = FALSE)

# Root of the package checkout: the parent of tools/ when run from a script
# in tools/, the working directory otherwise.
gmmfit_root <- function() {
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  dir <- if (length(arg)) dirname(normalizePath(sub("^--file=", "", arg[1L]))) else NULL
  root <- if (!is.null(dir) && basename(dir) == "tools") dirname(dir) else getwd()
  if (!file.exists(file.path(root, "DESCRIPTION"))) {
    gmmfit_stop("no DESCRIPTION in ", root, "; run this from the root of the gmmfit checkout")
  }
  normalizePath(root)
}

is_writable_dir <- function(path) dir.exists(path) && file.access(path, 2L) == 0L

# First writable library; creates the user library when none is writable.
# The library returned is also put first in .libPaths().
gmmfit_target_library <- function() {
  libs <- .libPaths()
  writable <- libs[vapply(libs, is_writable_dir, logical(1))]
  if (length(writable)) {
    lib <- writable[[1L]]
  } else {
    user <- strsplit(Sys.getenv("R_LIBS_USER"), .Platform$path.sep, fixed = TRUE)[[1L]]
    user <- user[nzchar(user)]
    if (!length(user)) {
      gmmfit_stop("no library in .libPaths() is writable and R_LIBS_USER is not set; ",
                  "set R_LIBS_USER to a directory you can write to")
    }
    lib <- path.expand(user[[1L]])
    message("No writable library in .libPaths(); creating the user library ", lib)
    if (!dir.exists(lib) && !dir.create(lib, recursive = TRUE, showWarnings = FALSE)) {
      gmmfit_stop("cannot create the user library ", lib)
    }
    if (!is_writable_dir(lib)) gmmfit_stop("the user library ", lib, " is not writable")
  }
  lib <- normalizePath(lib)
  .libPaths(unique(c(lib, .libPaths())))
  lib
}

# Sets the CRAN mirror to the first of R's own list when none is set.
gmmfit_repos <- function() {
  repos <- getOption("repos")
  if (!length(repos) || any(repos == "@CRAN@")) {
    utils::chooseCRANmirror(graphics = FALSE, ind = 1L, local.only = TRUE)
    options(repos = getOption("repos")[getOption("repos") != "@CRAN@"])
  }
  if (!length(getOption("repos"))) gmmfit_stop("no package repository is configured")
  getOption("repos")
}

# The 'remotes' package, installed from CRAN into the first writable
# library when missing.
gmmfit_remotes <- function() {
  if (!requireNamespace("remotes", quietly = TRUE)) {
    lib <- gmmfit_target_library()
    message("Installing remotes into ", lib)
    utils::install.packages("remotes", lib = lib, repos = gmmfit_repos(), quiet = TRUE)
    if (!requireNamespace("remotes", quietly = TRUE)) gmmfit_stop("could not install remotes")
  }
}

# Installs the missing dependencies of gmmfit: with `suggests = FALSE` those
# it needs to run and to be built (Depends, Imports, LinkingTo), otherwise
# also those its tests, vignette and optional methods use (Suggests).
gmmfit_install_deps <- function(root = gmmfit_root(), lib = gmmfit_target_library(),
                                suggests = TRUE) {
  gmmfit_remotes()
  remotes::install_deps(root, dependencies = if (suggests) TRUE else NA,
                        upgrade = "never", repos = gmmfit_repos(), lib = lib,
                        Ncpus = max(1L, parallel::detectCores(), na.rm = TRUE))
  deps <- remotes::dev_package_deps(root, dependencies = if (suggests) TRUE else NA,
                                    repos = gmmfit_repos())
  still <- deps$package[is.na(deps$installed)]
  if (length(still)) gmmfit_stop("could not install ", paste(still, collapse = ", "), " into ", lib)
  message("Installed: ", paste(deps$package, collapse = ", "), " (and their dependencies)")
  invisible(lib)
}

# A copy of the package source in the checkout, without version control
# data, check and build outputs and compiled objects, so that the
# installation compiles every file afresh and leaves the checkout as it was.
gmmfit_clean_copy <- function(root) {
  dest <- file.path(tempfile("gmmfit-src-"), "gmmfit")
  dir.create(dest, recursive = TRUE)
  top <- list.files(root, all.files = TRUE, no.. = TRUE)
  top <- top[!top %in% c(".git", ".Rproj.user") & !grepl("\\.Rcheck$|\\.tar\\.gz$", top)]
  if (!all(file.copy(file.path(root, top), dest, recursive = TRUE))) {
    gmmfit_stop("could not copy the package source from ", root)
  }
  unlink(list.files(file.path(dest, "src"), pattern = "\\.(o|so|dll|dylib)$",
                    full.names = TRUE, recursive = TRUE))
  dest
}

# Installs gmmfit from the checkout into `lib` with remotes::install_local()
# (from a clean copy, without building a source package first: installing
# the directory keeps the vignette built in inst/doc and its index,
# build/vignette.rds, which a source package built without its vignettes
# would lose). The compiler
# output is shown when `verbose` is TRUE (default: environment variable
# GMMFIT_INSTALL_VERBOSE) or the installation fails.
gmmfit_install_checkout <- function(root = gmmfit_root(), lib = gmmfit_target_library(),
                                    verbose = NULL) {
  if (is.null(verbose)) {
    verbose <- tolower(Sys.getenv("GMMFIT_INSTALL_VERBOSE")) %in% c("true", "yes", "1")
  }
  gmmfit_remotes()
  message("Installing gmmfit from ", root, " into ", lib)
  src <- gmmfit_clean_copy(root)
  on.exit(unlink(dirname(src), recursive = TRUE), add = TRUE)
  remotes::install_local(src, lib = lib, dependencies = FALSE, upgrade = "never",
                         build = FALSE, force = TRUE, quiet = !verbose)
  if (!length(find.package("gmmfit", lib.loc = lib, quiet = TRUE))) {
    gmmfit_stop("gmmfit is not in ", lib, " after its installation")
  }
  message("Installed gmmfit ", utils::packageVersion("gmmfit", lib.loc = lib), " into ", lib)
  invisible(lib)
}

if (sys.nframe() == 0L) {
  tryCatch(
    gmmfit_install_deps(),
    error = function(e) {
      message("Installing the dependencies of gmmfit failed: ", conditionMessage(e))
      quit(save = "no", status = 1L)
    }
  )
}
