# Installation helpers for gmmfit, shared by tools/quickstart.R,
# tools/run-tests.R and .ci/run.
#
#   source("tools/install-deps.R")   defines the helpers below
#   Rscript tools/install-deps.R     installs whatever gmmfit's DESCRIPTION
#                                    needs (Depends, Imports, LinkingTo,
#                                    Suggests) and is missing
#
# Packages go into the first writable library in .libPaths(); when none is
# writable the user library (R_LIBS_USER) is created and used. They come from
# the repositories in getOption("repos"); when no CRAN mirror is configured
# the first entry of R's own mirror list (the cloud mirror) is chosen.
# Every failure stops with an error, so Rscript exits with a non-zero status.

gmmfit_stop <- function(...) stop(paste0(...), call. = FALSE)

# Directory of the script run by Rscript (NULL when not run by Rscript).
gmmfit_script_dir <- function() {
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (!length(arg)) return(NULL)
  dirname(normalizePath(sub("^--file=", "", arg[1L]), mustWork = TRUE))
}

# Root of the package checkout: the parent of tools/ when run from a script
# in tools/, the working directory otherwise.
gmmfit_root <- function() {
  dir <- gmmfit_script_dir()
  root <- if (!is.null(dir) && basename(dir) == "tools") dirname(dir) else getwd()
  if (!file.exists(file.path(root, "DESCRIPTION"))) {
    gmmfit_stop("no DESCRIPTION in ", root,
                "; run this from the root of the gmmfit checkout")
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

# Repositories to install from; falls back to the cloud mirror of R's own
# mirror list when no CRAN mirror is set.
gmmfit_repos <- function() {
  repos <- getOption("repos")
  if (!length(repos) || any(repos == "@CRAN@")) {
    utils::chooseCRANmirror(graphics = FALSE, ind = 1L, local.only = TRUE)
    repos <- getOption("repos")
    repos <- repos[repos != "@CRAN@"]
    options(repos = repos)
  }
  if (!length(repos)) gmmfit_stop("no package repository is configured")
  repos
}

# Dependencies declared in DESCRIPTION: a data frame of package, operator and
# version (NA when unversioned). R itself and base packages are left out.
gmmfit_dependencies <- function(root = gmmfit_root(),
                                fields = c("Depends", "Imports", "LinkingTo", "Suggests")) {
  desc <- read.dcf(file.path(root, "DESCRIPTION"))
  fields <- intersect(fields, colnames(desc))
  entries <- unlist(lapply(fields, function(f) strsplit(desc[1L, f], ",", fixed = TRUE)[[1L]]))
  entries <- trimws(gsub("\\s+", " ", entries))
  entries <- entries[nzchar(entries)]
  pkg <- trimws(sub("\\(.*$", "", entries))
  versioned <- grepl("\\(", entries)
  spec <- ifelse(versioned, sub("^[^(]*\\(\\s*(.*?)\\s*\\).*$", "\\1", entries), "")
  op <- ifelse(versioned, sub("^([<>=!]+).*$", "\\1", spec), NA_character_)
  version <- ifelse(versioned, trimws(sub("^[<>=!]+", "", spec)), NA_character_)
  deps <- data.frame(package = pkg, op = op, version = version, stringsAsFactors = FALSE)
  base <- rownames(utils::installed.packages(lib.loc = .Library, priority = "base"))
  deps <- deps[!deps$package %in% c("R", base), , drop = FALSE]
  deps[!duplicated(deps$package), , drop = FALSE]
}

# Packages of `deps` that are not installed in .libPaths(), or installed in a
# version that does not satisfy the requirement.
gmmfit_missing <- function(deps) {
  ok <- vapply(seq_len(nrow(deps)), function(i) {
    path <- find.package(deps$package[i], quiet = TRUE)
    if (!length(path)) return(FALSE)
    if (is.na(deps$op[i])) return(TRUE)
    installed <- package_version(read.dcf(file.path(path[1L], "DESCRIPTION"), "Version")[1L, 1L])
    isTRUE(do.call(deps$op[i], list(installed, package_version(deps$version[i]))))
  }, logical(1))
  deps$package[!ok]
}

# What gmmfit needs to run (and to be built from source), without the
# packages only its tests, vignette and optional methods use.
gmmfit_runtime_fields <- c("Depends", "Imports", "LinkingTo")

# Installs the missing dependencies of gmmfit (those in `fields` of its
# DESCRIPTION); returns the library used.
gmmfit_install_deps <- function(root = gmmfit_root(), lib = gmmfit_target_library(),
                                fields = c(gmmfit_runtime_fields, "Suggests")) {
  deps <- gmmfit_dependencies(root, fields)
  missing <- gmmfit_missing(deps)
  if (!length(missing)) {
    message("All dependencies of gmmfit are installed: ",
            paste(deps$package, collapse = ", "))
    return(invisible(lib))
  }
  repos <- gmmfit_repos()
  message("Installing ", paste(missing, collapse = ", "), " into ", lib,
          " from ", paste(repos, collapse = ", "))
  problems <- character()
  withCallingHandlers(
    utils::install.packages(missing, lib = lib, repos = repos,
                            dependencies = NA, quiet = FALSE,
                            Ncpus = max(1L, parallel::detectCores(), na.rm = TRUE)),
    warning = function(w) {
      problems <<- c(problems, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  still <- gmmfit_missing(deps)
  if (length(still)) {
    gmmfit_stop("could not install ", paste(still, collapse = ", "), " into ", lib,
                if (length(problems)) paste0(":\n  ", paste(problems, collapse = "\n  ")),
                "\nSee the compiler/installer output above.")
  }
  for (p in problems) message("Note: ", p)
  message("Installed ", paste(missing, collapse = ", "), " into ", lib)
  invisible(lib)
}

# Copies the package source of the checkout to a temporary directory, leaving
# out version control data, check and build outputs and compiled objects, so
# that the installation compiles every source file afresh and the checkout
# is not touched.
gmmfit_clean_copy <- function(root = gmmfit_root()) {
  name <- read.dcf(file.path(root, "DESCRIPTION"), "Package")[1L, 1L]
  dest <- file.path(tempfile("gmmfit-src-"), name)
  dir.create(dest, recursive = TRUE)
  top <- list.files(root, all.files = TRUE, no.. = TRUE)
  top <- top[!top %in% c(".git", ".Rproj.user") &
               !grepl("\\.Rcheck$|\\.tar\\.gz$", top)]
  ok <- file.copy(file.path(root, top), dest, recursive = TRUE, copy.date = TRUE)
  if (!all(ok)) gmmfit_stop("could not copy ", paste(top[!ok], collapse = ", "), " from ", root)
  src <- file.path(dest, "src")
  if (dir.exists(src)) {
    objects <- list.files(src, pattern = "\\.(o|so|dll|dylib)$|^symbols\\.rds$",
                          recursive = TRUE, full.names = TRUE, all.files = TRUE)
    unlink(objects)
  }
  dest
}

# Installs gmmfit from the checkout into `lib` with R CMD INSTALL. The
# compiler output is kept out of the console unless the installation fails
# or `verbose` is TRUE (default: environment variable GMMFIT_INSTALL_VERBOSE).
gmmfit_install_checkout <- function(root = gmmfit_root(), lib = gmmfit_target_library(),
                                    verbose = NULL) {
  if (is.null(verbose)) {
    verbose <- tolower(Sys.getenv("GMMFIT_INSTALL_VERBOSE")) %in% c("true", "yes", "1")
  }
  src <- gmmfit_clean_copy(root)
  on.exit(unlink(dirname(src), recursive = TRUE), add = TRUE)
  lib <- normalizePath(lib)
  r_bin <- file.path(R.home("bin"), "R")
  message("Installing gmmfit from ", root, " into ", lib)
  # The child R sees the same libraries as this session (for Rcpp/RcppEigen).
  libs_env <- paste0("R_LIBS=", shQuote(paste(unique(c(lib, .libPaths())),
                                             collapse = .Platform$path.sep)))
  log <- if (verbose) "" else file.path(dirname(src), "install.log")
  status <- system2(r_bin, c("CMD", "INSTALL", paste0("--library=", shQuote(lib)), shQuote(src)),
                    stdout = log, stderr = log, env = libs_env)
  if (!identical(as.integer(status), 0L)) {
    if (nzchar(log) && file.exists(log)) writeLines(readLines(log, warn = FALSE), stderr())
    gmmfit_stop("R CMD INSTALL of gmmfit failed (exit status ", status,
                "); see the output above")
  }
  if (!length(find.package("gmmfit", lib.loc = lib, quiet = TRUE))) {
    gmmfit_stop("gmmfit is not in ", lib, " after R CMD INSTALL")
  }
  message("Installed gmmfit ", read.dcf(file.path(lib, "gmmfit", "DESCRIPTION"), "Version")[1L, 1L],
          " into ", lib)
  invisible(lib)
}

if (sys.nframe() == 0L) {
  tryCatch(
    gmmfit_install_deps(),
    error = function(e) {
      message("\nInstalling the dependencies of gmmfit failed: ", conditionMessage(e))
      quit(save = "no", status = 1L)
    }
  )
}
