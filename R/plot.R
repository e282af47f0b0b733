#' Plot a Gaussian mixture
#'
#' \describe{
#'   \item{`"classification"`}{the data coloured by most probable component
#'     (or, for data from [simulate.gmmfit()], by the component that drew
#'     each row), with each component's mean and an ellipse holding `level`
#'     of its probability; a matrix of pairwise panels when more than two
#'     variables are shown, and the density plot for one variable;}
#'   \item{`"uncertainty"`}{the same, each point sized by its uncertainty
#'     (one minus its largest posterior probability): large points are the
#'     doubtful ones;}
#'   \item{`"density"`}{for one variable, a histogram with the mixture density
#'     and its weighted components; for two (any pair of a model's
#'     variables: the density is then that of their marginal mixture,
#'     [gmm_marginal()]), contours of the density over the data;}
#'   \item{`"bic"`}{the BIC of every candidate of a search against k, one
#'     line per covariance structure (lower is better); degenerate
#'     candidates are drawn as crosses and the chosen model is circled.}
#' }
#' Base graphics only. Graphical parameters in `...` (`xlab`, `ylab`,
#' `pch`, `cex`, `las`, ...) replace the plot's own. The contours of a
#' density plot are by default drawn where they hold 10%, 25%, 50%, 75% and
#' 90% of the data (the density at those quantiles of the data's
#' densities), so that each component shows however small; `levels` (the
#' density values) or `nlevels` (that many evenly spaced values, as
#' [graphics::contour()] draws them) in `...` replace them. `legend` in `...`
#' gives the legend's position (`"topleft"`, ...) or `FALSE` for none.
#'
#' @param x A `"gmmfit"` object.
#' @param what Which plot: `"classification"`, `"uncertainty"`, `"density"`
#'   or `"bic"`.
#' @param data Data to draw; by default the data the model was fitted on.
#' @param dims Which variables to show (names or positions); by default all, up
#'   to the first five.
#' @param level Probability inside each ellipse.
#' @param col Colours of the components; recycled.
#' @param main Title.
#' @param xlim,ylim Axis limits of a single-panel plot (not used in the
#'   pairwise layout); by default they hold the data and every ellipse.
#' @param breaks Histogram breaks for one variable, as in [graphics::hist()].
#' @param ... Graphical parameters for the plot (see Details), and for
#'   density plots `levels` or `nlevels`; `legend`.
#' @return `x`, invisibly.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 3:4], k = 3)
#' plot(fit)
#' plot(fit, what = "uncertainty")
#' plot(fit, xlab = "Petal length (cm)", ylab = "Petal width (cm)", pch = 1,
#'      legend = "bottomright")
#' plot(gmm_fit(faithful$eruptions, k = 2), what = "density")
#' plot(gmm_fit(faithful, k = 1:4), what = "bic")
#' # simulated flowers, coloured by the component that drew them
#' plot(fit, data = simulate(fit, nsim = 300, seed = 1))
#' @export
plot.gmmfit <- function(x, what = c("classification", "uncertainty", "density", "bic"),
                        data = NULL, dims = NULL, level = 0.95, col = NULL, main = NULL,
                        xlim = NULL, ylim = NULL, breaks = "Sturges", ...) {
  what <- check_choice(what, c("classification", "uncertainty", "density", "bic"), "what",
                       partial = TRUE)
  dots <- list(...)
  if (what == "bic") return(invisible(plot_bic(x, main = main, xlim = xlim, ylim = ylim, dots)))
  check_object(x, "x")
  pd <- plot_data(x, data)
  data <- pd$data
  dims <- check_dims(dims, x$vars)
  level <- check_number(level, "level")
  if (level >= 1) gmm_abort(sprintf("`level` must be below 1, not %s.", format(level)))
  col <- col %||% component_colours(length(x$weights))
  col <- rep_len(col, length(x$weights))
  opts <- plot_options(dots)
  if (length(dims) == 1L) {
    plot_density_1d(x, data, dims, col, main, xlim, ylim, breaks, opts)
  } else if (what == "density") {
    if (length(dims) != 2L) gmm_abort("`what = \"density\"` needs one or two variables; choose them with `dims`.")
    plot_density_2d(x, data, dims, main, xlim, ylim, opts)
  } else {
    cls <- pd$drawn_by %||% predict.gmmfit(x, data, type = "class")
    size <- if (what == "uncertainty") uncertainty_size(x, data) else NULL
    if (length(dims) == 2L) {
      plot_classes_2d(x, data, dims, level, col, main, xlim, ylim, opts, cls, size, what)
    } else {
      plot_classes_pairs(x, data, dims, level, col, main, opts, cls, size, what)
    }
  }
  invisible(x)
}

# What `...` holds: graphical parameters for the plot, the contour levels
# and the legend's position (FALSE for none).
plot_options <- function(dots) {
  if (length(dots) && (is.null(names(dots)) || any(names(dots) == ""))) {
    gmm_abort("Arguments in `...` of plot() must be named (graphical parameters such as `xlab = \"...\"`).")
  }
  legend <- if ("legend" %in% names(dots)) dots$legend else NA
  if (!(identical(legend, FALSE) || identical(legend, NA) ||
        (is.character(legend) && length(legend) == 1L && !is.na(legend)))) {
    gmm_abort(sprintf("`legend` must be a position such as \"topleft\" or FALSE, not %s.",
                      describe_value(legend)))
  }
  list(par = dots[setdiff(names(dots), c("legend", "levels", "nlevels"))],
       legend = legend, levels = dots$levels, nlevels = dots$nlevels)
}

# A graphics call with the plot's own arguments, replaced by the user's.
draw <- function(fun, own, user) do.call(fun, utils::modifyList(own, user))

draw_legend <- function(opts, default, ...) {
  if (identical(opts$legend, FALSE)) return(invisible())
  pos <- if (is.character(opts$legend)) opts$legend else default
  graphics::legend(pos, ...)
}

# The data a plot draws (by default those of the fit) and, for data from
# simulate(), the component that drew each row (NULL otherwise).
plot_data <- function(x, data) {
  if (is.null(data)) {
    if (is.null(x$data)) gmm_abort(no_data("`data` is required", x))
    return(list(data = x$data, drawn_by = NULL))
  }
  list(data = check_newdata(terms_frame(x, data), x$vars),
       drawn_by = simulated_components(data, length(x$weights)))
}

# The components that drew simulated rows (simulate()'s `component`
# column), or NULL for other data.
simulated_components <- function(data, k) {
  if (!is.data.frame(data) || !"component" %in% names(data)) return(NULL)
  comp <- data$component
  if (!is.numeric(comp) || anyNA(comp) || !all(comp %in% seq_len(k))) return(NULL)
  as.integer(comp)
}

# Point sizes growing with uncertainty (1 - largest posterior probability,
# at most 1 - 1/k).
uncertainty_size <- function(x, data) {
  u <- predict.gmmfit(x, data, type = "uncertainty")
  k <- length(x$weights)
  0.4 + 2.6 * pmin(u / (1 - 1 / max(k, 2L)), 1)
}

component_colours <- function(k) grDevices::hcl.colors(max(k, 2L), "Dark 3")[seq_len(k)]

check_dims <- function(dims, vars) {
  if (is.null(dims)) return(seq_len(min(length(vars), 5L)))
  check_vars(dims, vars, "dims")
}

plot_classes_2d <- function(x, data, dims, level, col, main, xlim, ylim, opts, cls, size, what) {
  ell <- component_ellipses(x, dims, level)
  i <- dims[1L]
  j <- dims[2L]
  draw(graphics::plot, list(
    x = data[, i], y = data[, j], col = col[cls], pch = 20, cex = size %||% 1,
    xlim = xlim %||% axis_range(data[, i], ell, i),
    ylim = ylim %||% axis_range(data[, j], ell, j),
    xlab = x$vars[i], ylab = x$vars[j],
    main = main %||% if (what == "uncertainty") "Uncertainty" else "Classification"), opts$par)
  draw_components(x, ell, i, j, col)
  draw_legend(opts, "topleft", legend = names(x$weights), col = col, pch = 20,
              bty = "n", title = "component", cex = 0.8)
}

plot_classes_pairs <- function(x, data, dims, level, col, main, opts, cls, size, what) {
  ell <- component_ellipses(x, dims, level)
  p <- length(dims)
  old <- graphics::par(mfrow = c(p, p), mar = rep(0.4, 4), oma = c(3, 3, 4, 3))
  on.exit(graphics::par(old))
  for (a in seq_len(p)) for (b in seq_len(p)) {
    r <- dims[a]
    cc <- dims[b]
    if (r == cc) {
      graphics::plot.new()
      graphics::box()
      graphics::text(0.5, 0.5, x$vars[r], cex = 1.2)
      next
    }
    draw(graphics::plot, list(
      x = data[, cc], y = data[, r], col = col[cls], pch = 20, cex = 0.6 * (size %||% 1),
      xlim = axis_range(data[, cc], ell, cc), ylim = axis_range(data[, r], ell, r),
      xaxt = "n", yaxt = "n", xlab = "", ylab = ""), opts$par)
    if (a == p) graphics::axis(1)
    if (b == 1L) graphics::axis(2)
    draw_components(x, ell, cc, r, col)
  }
  graphics::mtext(main %||% if (what == "uncertainty") "Uncertainty" else "Classification",
                  outer = TRUE, line = 2.2, cex = 1.1)
  if (identical(opts$legend, FALSE)) return(invisible())
  # The legend goes across the top margin, over the whole figure.
  graphics::par(fig = c(0, 1, 0, 1), oma = rep(0, 4), mar = rep(0, 4), cex = 1, new = TRUE)
  graphics::plot.new()
  draw_legend(opts, "top", legend = paste("component", names(x$weights)), col = col,
              pch = 20, horiz = TRUE, bty = "n", cex = 0.9, inset = 0.03)
}

# For every pair of shown variables and every component, the points of the
# ellipse holding `level` of the component's probability in that plane.
component_ellipses <- function(x, dims, level) {
  r <- sqrt(stats::qchisq(level, df = 2))
  out <- list()
  for (i in dims) for (j in dims) {
    if (i == j) next
    out[[paste(i, j)]] <- lapply(seq_along(x$weights), function(m) {
      ellipse_points(x$means[m, c(i, j)], x$covariances[c(i, j), c(i, j), m], r)
    })
  }
  out
}

axis_range <- function(v, ell, var) {
  ext <- unlist(lapply(names(ell), function(key) {
    ij <- as.integer(strsplit(key, " ")[[1L]])
    if (ij[1L] != var) return(NULL)
    unlist(lapply(ell[[key]], function(e) e[, 1L]))
  }))
  # (Rows with a missing value in this variable are not drawn.)
  range(v, ext, na.rm = TRUE)
}

draw_components <- function(x, ell, i, j, col) {
  for (m in seq_along(x$weights)) {
    graphics::lines(ell[[paste(i, j)]][[m]], col = col[m], lwd = 2)
    graphics::points(x$means[m, i], x$means[m, j], pch = 3, cex = 1.5, lwd = 2, col = col[m])
  }
}

ellipse_points <- function(mu, s, r, n = 100L) {
  t <- seq(0, 2 * pi, length.out = n)
  e <- eigen(s, symmetric = TRUE)
  circle <- rbind(cos(t), sin(t)) * r
  pts <- e$vectors %*% (sqrt(pmax(e$values, 0)) * circle)
  cbind(pts[1L, ] + mu[1L], pts[2L, ] + mu[2L])
}

plot_density_1d <- function(x, data, dim, col, main, xlim, ylim, breaks, opts) {
  v <- data[, dim]
  grid <- pretty_grid(xlim %||% v, 400L, pad = is.null(xlim))
  comps <- component_densities_1d(x, dim, grid)
  total <- rowSums(comps)
  h <- graphics::hist(v, breaks = breaks, plot = FALSE)
  draw(graphics::plot, list(
    x = h, freq = FALSE, col = "grey90", border = "grey60",
    ylim = ylim %||% c(0, max(h$density, total) * 1.2), xlim = xlim %||% range(grid),
    xlab = x$vars[dim], main = main %||% "Mixture density"), opts$par)
  graphics::lines(grid, total, lwd = 4, col = "grey20")
  for (m in seq_along(x$weights)) graphics::lines(grid, comps[, m], col = col[m], lwd = 2, lty = 2)
  draw_legend(opts, "topright", legend = c("mixture", paste("component", names(x$weights))),
              col = c("grey20", col), lty = c(1, rep(2, length(col))),
              lwd = c(4, rep(2, length(col))), bty = "n", cex = 0.8)
}

# The weighted density of each component along one variable (a column per
# component).
component_densities_1d <- function(x, dim, grid) {
  sd <- sqrt(x$covariances[dim, dim, ])
  comps <- vapply(seq_along(x$weights), function(m) {
    x$weights[m] * stats::dnorm(grid, x$means[m, dim], sd[m])
  }, numeric(length(grid)))
  matrix(comps, nrow = length(grid))
}

# The density of the (marginal) mixture of two variables on a grid over the
# data, and the contour levels to draw.
density_grid <- function(x, data, dims, xlim = NULL, ylim = NULL, opts = list()) {
  # Any pair of variables: the density of their marginal mixture.
  m <- if (length(x$vars) == 2L && identical(dims, 1:2)) x else gmm_marginal(x, dims)
  gx <- pretty_grid(xlim %||% data[, dims[1L]], pad = is.null(xlim))
  gy <- pretty_grid(ylim %||% data[, dims[2L]], pad = is.null(ylim))
  pts <- as.matrix(expand.grid(gx, gy))
  colnames(pts) <- x$vars[dims]
  dens <- matrix(predict.gmmfit(m, pts, type = "density"), length(gx))
  list(x = gx, y = gy, density = dens,
       levels = density_levels(m, data[, dims, drop = FALSE], dens, opts))
}

plot_density_2d <- function(x, data, dims, main, xlim, ylim, opts) {
  g <- density_grid(x, data, dims, xlim, ylim, opts)
  draw(graphics::plot, list(
    x = data[, dims[1L]], y = data[, dims[2L]], pch = 20, col = "grey60",
    xlim = range(g$x), ylim = range(g$y),
    xlab = x$vars[dims[1L]], ylab = x$vars[dims[2L]],
    main = main %||% "Mixture density"), opts$par)
  graphics::contour(g$x, g$y, g$density, add = TRUE, drawlabels = FALSE, levels = g$levels)
}

# Contour levels: the user's, `nlevels` evenly spaced ones, or by default
# the densities below which lie 10%, 25%, 50%, 75% and 90% of the data.
density_levels <- function(m, data, dens, opts) {
  if (!is.null(opts$levels)) {
    if (!is.numeric(opts$levels) || !length(opts$levels) || anyNA(opts$levels)) {
      gmm_abort(sprintf("`levels` must be density values, not %s.", describe_value(opts$levels)))
    }
    return(opts$levels)
  }
  if (!is.null(opts$nlevels)) {
    n <- check_count(opts$nlevels, "nlevels")
    return(pretty(range(dens, finite = TRUE), n))
  }
  # (from the rows with both values; the others are not drawn)
  at_data <- predict.gmmfit(m, data[stats::complete.cases(data), , drop = FALSE],
                            type = "density")
  unique(stats::quantile(at_data, c(0.1, 0.25, 0.5, 0.75, 0.9), names = FALSE))
}

pretty_grid <- function(v, n = 100L, pad = TRUE) {
  r <- range(v, na.rm = TRUE)
  pad <- if (pad) 0.1 * diff(r) else 0
  seq(r[1L] - pad, r[2L] + pad, length.out = n)
}

plot_bic <- function(x, main = NULL, xlim = NULL, ylim = NULL, dots = list()) {
  s <- x$search
  if (is.null(s)) {
    gmm_abort("`what = \"bic\"` needs a model search: call gmm_fit() with several `k` or `covariance` values.")
  }
  opts <- plot_options(dots)
  types <- unique(s$covariance)
  col <- component_colours(length(types))
  # With many models, symbols and line types tell them apart too.
  pch <- rep_len(c(19, 17, 15, 18, 1, 2, 0, 5, 6, 3, 8, 4), length(types))
  lty <- rep_len(1:3, length(types))
  draw(graphics::plot, list(
    x = xlim %||% range(s$k), y = ylim %||% range(s$bic, na.rm = TRUE), type = "n",
    xlab = "number of components k", ylab = "BIC (lower is better)",
    main = main %||% "Model selection by BIC", xaxt = "n"), opts$par)
  graphics::axis(1, at = sort(unique(s$k)))
  # Degenerate candidates (a component on tied values) are drawn as crosses:
  # their BIC is inflated and they are not eligible.
  for (t in seq_along(types)) {
    r <- s[s$covariance == types[t], ]
    flat <- !is.na(r$degenerate) & r$degenerate
    graphics::lines(r$k, r$bic, col = col[t], lwd = 2, lty = lty[t])
    graphics::points(r$k, r$bic, pch = ifelse(flat, 4, pch[t]), col = col[t],
                     cex = ifelse(flat, 1.3, 1))
  }
  chosen <- s$k == length(x$weights) & s$covariance == x$covariance
  graphics::points(s$k[chosen], s$bic[chosen], pch = 1, cex = 2.5, lwd = 2)
  if (any(s$degenerate, na.rm = TRUE) && !identical(opts$legend, FALSE)) {
    graphics::mtext("x: degenerate (not eligible)", side = 3, line = 0.2, adj = 1, cex = 0.8)
  }
  draw_legend(opts, "topright", legend = types, col = col, lwd = 2, lty = lty, pch = pch,
              bty = "n", ncol = if (length(types) > 6L) 2L else 1L,
              cex = if (length(types) > 6L) 0.8 else 1)
  x
}

#' Component ellipses as a data frame
#'
#' The outlines that [plot.gmmfit()] draws, for drawing your own (with
#' ggplot2's `geom_path()`, or base graphics): for each component, the
#' ellipse in the plane of two variables that holds `level` of the
#' component's probability in that plane (its marginal distribution).
#'
#' @param x A mixture from [gmm_fit()] or [gmm_mixture()].
#' @param dims The two variables (names or positions); by default the first
#'   two.
#' @param level Probability inside each ellipse.
#' @param n Points per outline.
#' @return A data frame with columns `component`, the two variables (named
#'   after them) and `level`; each outline is closed (its last point is its
#'   first).
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 3:4], k = 3)
#' ell <- gmm_ellipses(fit)
#' head(ell)
#' plot(iris$Petal.Length, iris$Petal.Width, col = "grey")
#' for (j in unique(ell$component)) {
#'   with(ell[ell$component == j, ], lines(Petal.Length, Petal.Width, col = j))
#' }
#' @export
gmm_ellipses <- function(x, dims = 1:2, level = 0.95, n = 100L) {
  check_object(x, "x")
  dims <- check_dims(dims, x$vars)
  if (length(dims) != 2L) gmm_abort("`dims` must name two variables.")
  level <- check_number(level, "level")
  if (level <= 0 || level >= 1) {
    gmm_abort(sprintf("`level` must be between 0 and 1, not %s.", format(level)))
  }
  n <- check_count(n, "n", min = 3L)
  r <- sqrt(stats::qchisq(level, df = 2))
  parts <- lapply(seq_along(x$weights), function(j) {
    pts <- ellipse_points(x$means[j, dims], x$covariances[dims, dims, j], r, n)
    out <- data.frame(component = j, pts[, 1L], pts[, 2L], level = level)
    names(out)[2:3] <- x$vars[dims]
    out
  })
  do.call(rbind, parts)
}
