#' Plot a Gaussian mixture
#'
#' \describe{
#'   \item{`"classification"`}{the data coloured by most probable component,
#'     with each component's mean and an ellipse holding `level` of its
#'     probability; a matrix of pairwise panels when more than two variables
#'     are shown, and the density plot for one variable;}
#'   \item{`"density"`}{for one variable, a histogram with the mixture density
#'     and its weighted components; for two, contours of the mixture density
#'     over the data;}
#'   \item{`"bic"`}{the BIC of every candidate of a search against k, one
#'     line per covariance structure (lower is better); degenerate
#'     candidates are drawn as crosses and the chosen model is circled.}
#' }
#' Base graphics only.
#'
#' @param x A `"gmmfit"` object.
#' @param what Which plot: `"classification"`, `"density"` or `"bic"`.
#' @param data Data to draw; by default the data the model was fitted on.
#' @param dims Which variables to show (names or positions); by default all, up
#'   to the first five.
#' @param level Probability inside each ellipse.
#' @param col Colours of the components; recycled.
#' @param main Title.
#' @param xlim,ylim Axis limits of a single-panel plot (not used in the
#'   pairwise layout); by default they hold the data and every ellipse.
#' @param breaks Histogram breaks for one variable, as in [graphics::hist()].
#' @param ... Passed on to the underlying plotting function.
#' @return `x`, invisibly.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 3:4], k = 3)
#' plot(fit)
#' plot(gmm_fit(faithful$eruptions, k = 2), what = "density")
#' plot(gmm_fit(faithful, k = 1:4), what = "bic")
#' @export
plot.gmmfit <- function(x, what = c("classification", "density", "bic"), data = NULL,
                     dims = NULL, level = 0.95, col = NULL, main = NULL,
                     xlim = NULL, ylim = NULL, breaks = "Sturges", ...) {
  what <- check_choice(what, c("classification", "density", "bic"), "what", partial = TRUE)
  if (what == "bic") return(invisible(plot_bic(x, main = main, xlim = xlim, ylim = ylim, ...)))
  check_object(x, "x")
  data <- if (is.null(data)) x$data else check_newdata(terms_frame(x, data), x$vars)
  if (is.null(data)) gmm_abort("`data` is required: this mixture was not fitted to data.")
  dims <- check_dims(dims, x$vars)
  level <- check_number(level, "level")
  if (level >= 1) gmm_abort(sprintf("`level` must be below 1, not %s.", format(level)))
  col <- col %||% component_colours(length(x$weights))
  col <- rep_len(col, length(x$weights))
  if (length(dims) == 1L) {
    plot_density_1d(x, data, dims, col, main, xlim, ylim, breaks, ...)
  } else if (what == "density") {
    if (length(dims) != 2L) gmm_abort("`what = \"density\"` needs one or two variables; choose them with `dims`.")
    plot_density_2d(x, data, dims, main, xlim, ylim, ...)
  } else if (length(dims) == 2L) {
    plot_classes_2d(x, data, dims, level, col, main, xlim, ylim, ...)
  } else {
    plot_classes_pairs(x, data, dims, level, col, main, ...)
  }
  invisible(x)
}

component_colours <- function(k) grDevices::hcl.colors(max(k, 2L), "Dark 3")[seq_len(k)]

check_dims <- function(dims, vars) {
  if (is.null(dims)) return(seq_len(min(length(vars), 5L)))
  idx <- if (is.character(dims)) match(dims, vars) else dims
  if (!is.numeric(idx) || anyNA(idx) || any(idx < 1) || any(idx > length(vars)) ||
      anyDuplicated(idx)) {
    gmm_abort(sprintf("`dims` must name or number distinct variables among %s.", quote_names(vars)))
  }
  as.integer(idx)
}

plot_classes_2d <- function(x, data, dims, level, col, main, xlim, ylim, ...) {
  cls <- predict.gmmfit(x, data, type = "class")
  ell <- component_ellipses(x, dims, level)
  i <- dims[1L]
  j <- dims[2L]
  graphics::plot(data[, i], data[, j], col = col[cls], pch = 20,
                 xlim = xlim %||% axis_range(data[, i], ell, i),
                 ylim = ylim %||% axis_range(data[, j], ell, j),
                 xlab = x$vars[i], ylab = x$vars[j],
                 main = main %||% "Classification", ...)
  draw_components(x, ell, i, j, col)
  graphics::legend("topleft", legend = names(x$weights), col = col, pch = 20,
                   bty = "n", title = "component", cex = 0.8)
}

plot_classes_pairs <- function(x, data, dims, level, col, main, ...) {
  cls <- predict.gmmfit(x, data, type = "class")
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
    graphics::plot(data[, cc], data[, r], col = col[cls], pch = 20, cex = 0.6,
                   xlim = axis_range(data[, cc], ell, cc), ylim = axis_range(data[, r], ell, r),
                   xaxt = "n", yaxt = "n", ...)
    if (a == p) graphics::axis(1)
    if (b == 1L) graphics::axis(2)
    draw_components(x, ell, cc, r, col)
  }
  graphics::mtext(main %||% "Classification", outer = TRUE, line = 2.2, cex = 1.1)
  # The legend goes across the top margin, over the whole figure.
  graphics::par(fig = c(0, 1, 0, 1), oma = rep(0, 4), mar = rep(0, 4), cex = 1, new = TRUE)
  graphics::plot.new()
  graphics::legend("top", legend = paste("component", names(x$weights)), col = col,
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
  range(v, ext)
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

plot_density_1d <- function(x, data, dim, col, main, xlim, ylim, breaks, ...) {
  v <- data[, dim]
  grid <- pretty_grid(xlim %||% v, 400L, pad = is.null(xlim))
  sd <- sqrt(x$covariances[dim, dim, ])
  comps <- vapply(seq_along(x$weights), function(m) {
    x$weights[m] * stats::dnorm(grid, x$means[m, dim], sd[m])
  }, numeric(length(grid)))
  comps <- matrix(comps, nrow = length(grid))
  total <- rowSums(comps)
  h <- graphics::hist(v, breaks = breaks, plot = FALSE)
  graphics::plot(h, freq = FALSE, col = "grey90", border = "grey60",
                 ylim = ylim %||% c(0, max(h$density, total) * 1.2), xlim = xlim %||% range(grid),
                 xlab = x$vars[dim], main = main %||% "Mixture density", ...)
  graphics::lines(grid, total, lwd = 4, col = "grey20")
  for (m in seq_along(x$weights)) graphics::lines(grid, comps[, m], col = col[m], lwd = 2, lty = 2)
  graphics::legend("topright", legend = c("mixture", paste("component", names(x$weights))),
                   col = c("grey20", col), lty = c(1, rep(2, length(col))), lwd = c(4, rep(2, length(col))),
                   bty = "n", cex = 0.8)
}

plot_density_2d <- function(x, data, dims, main, xlim, ylim, ...) {
  if (length(x$vars) != 2L) {
    gmm_abort("`what = \"density\"` in two dimensions needs a two-variable model (the density of a margin is not shown).")
  }
  gx <- pretty_grid(xlim %||% data[, dims[1L]], pad = is.null(xlim))
  gy <- pretty_grid(ylim %||% data[, dims[2L]], pad = is.null(ylim))
  pts <- as.matrix(expand.grid(gx, gy))
  colnames(pts) <- x$vars[dims]
  dens <- matrix(predict.gmmfit(x, pts, type = "density"), length(gx))
  graphics::plot(data[, dims[1L]], data[, dims[2L]], pch = 20, col = "grey60",
                 xlim = range(gx), ylim = range(gy),
                 xlab = x$vars[dims[1L]], ylab = x$vars[dims[2L]],
                 main = main %||% "Mixture density", ...)
  graphics::contour(gx, gy, dens, add = TRUE, nlevels = 10L, drawlabels = FALSE)
}

pretty_grid <- function(v, n = 100L, pad = TRUE) {
  pad <- if (pad) 0.1 * diff(range(v)) else 0
  seq(min(v) - pad, max(v) + pad, length.out = n)
}

plot_bic <- function(x, main = NULL, xlim = NULL, ylim = NULL, ...) {
  s <- x$search
  if (is.null(s)) {
    gmm_abort("`what = \"bic\"` needs a model search: call gmm_fit() with several `k` or `covariance` values.")
  }
  types <- unique(s$covariance)
  col <- component_colours(length(types))
  graphics::plot(xlim %||% range(s$k), ylim %||% range(s$bic, na.rm = TRUE), type = "n", xlab = "number of components k",
                 ylab = "BIC (lower is better)", main = main %||% "Model selection by BIC",
                 xaxt = "n", ...)
  graphics::axis(1, at = sort(unique(s$k)))
  # Degenerate candidates (a component on tied values) are drawn as crosses:
  # their BIC is inflated and they are not eligible.
  for (t in seq_along(types)) {
    r <- s[s$covariance == types[t], ]
    flat <- !is.na(r$degenerate) & r$degenerate
    graphics::lines(r$k, r$bic, col = col[t], lwd = 2)
    graphics::points(r$k, r$bic, pch = ifelse(flat, 4, 19), col = col[t], cex = ifelse(flat, 1.3, 1))
  }
  chosen <- s$k == length(x$weights) & s$covariance == x$covariance
  graphics::points(s$k[chosen], s$bic[chosen], pch = 1, cex = 2.5, lwd = 2)
  if (any(s$degenerate, na.rm = TRUE)) {
    graphics::legend("bottomleft", legend = "degenerate (not eligible)", pch = 4, bty = "n")
  }
  graphics::legend("topright", legend = types, col = col, lwd = 2, pch = 19, bty = "n")
  x
}
