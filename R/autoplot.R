#' ggplot2 plots of a Gaussian mixture
#'
#' The plots of [plot.gmmfit()] as ggplot2 objects, to which layers, scales,
#' facets and themes can be added. Needs the ggplot2 package (in Suggests);
#' the methods are registered when ggplot2 is loaded, so
#' `ggplot2::autoplot(fit)` or, after `library(ggplot2)`, `autoplot(fit)`
#' calls them.
#'
#' \describe{
#'   \item{`"classification"`}{two variables: the data coloured by most
#'     probable component (for data from [simulate.gmmfit()], by the
#'     component that drew each row), each component's mean (a cross) and
#'     the ellipse that holds `level` of its probability in that plane (as
#'     [gmm_ellipses()] returns them); one variable: as `"density"`;}
#'   \item{`"uncertainty"`}{the same, the size of each point growing with
#'     its uncertainty (one minus its largest posterior probability);}
#'   \item{`"density"`}{one variable: a histogram of the data with the
#'     mixture density and its weighted components; two: the data with
#'     contours of the density of their (marginal) mixture, drawn where they
#'     hold 10%, 25%, 50%, 75% and 90% of the data as in [plot.gmmfit()];}
#'   \item{`"bic"`}{the BIC of every candidate of the search against k, one
#'     line per covariance structure; degenerate candidates (not eligible)
#'     are crosses and the chosen model is circled.}
#' }
#' Unlike [plot.gmmfit()], which draws a matrix of panels for more than two
#' variables, a ggplot shows one pair: `dims` chooses it (by default the
#' first two variables). [gmm_ellipses()] gives the outlines for drawing
#' your own plot.
#'
#' @param object A `"gmmfit"` object, or for `autoplot.gmm_search()` the
#'   search table of a fit (`fit$search`).
#' @param what Which plot: `"classification"`, `"uncertainty"`, `"density"`
#'   or `"bic"`.
#' @param data Data to draw; by default the data the model was fitted on.
#' @param dims One or two variables to show (names or positions); by
#'   default the first two (the only one for a model of one variable).
#' @param level Probability inside each ellipse.
#' @param bins Number of histogram bins for one variable.
#' @param ... Passed to the layer of data points (`alpha`, `shape`,
#'   `size` outside the uncertainty plot, ...).
#' @return A ggplot object.
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   set.seed(1)
#'   fit <- gmm_fit(iris[, 3:4], k = 3)
#'   ggplot2::autoplot(fit)
#'   ggplot2::autoplot(fit, what = "uncertainty")
#'   ggplot2::autoplot(fit, what = "density") + ggplot2::theme_minimal()
#'   ggplot2::autoplot(gmm_fit(faithful$eruptions, k = 2))
#'   ggplot2::autoplot(gmm_fit(faithful, k = 1:4), what = "bic")
#' }
#' @name autoplot.gmmfit
#' @exportS3Method ggplot2::autoplot
autoplot.gmmfit <- function(object, what = c("classification", "uncertainty", "density", "bic"),
                            data = NULL, dims = NULL, level = 0.95, bins = 30L, ...) {
  need_ggplot2()
  what <- check_choice(what, c("classification", "uncertainty", "density", "bic"), "what",
                       partial = TRUE)
  if (what == "bic") {
    if (is.null(object$search)) {
      gmm_abort("`what = \"bic\"` needs a model search: call gmm_fit() with several `k` or `covariance` values.")
    }
    return(autoplot.gmm_search(object$search))
  }
  check_object(object, "object")
  pd <- plot_data(object, data)
  dims <- check_dims(dims %||% seq_len(min(length(object$vars), 2L)), object$vars)
  if (length(dims) > 2L) gmm_abort("`dims` must name one or two variables for a ggplot.")
  level <- check_number(level, "level")
  if (level <= 0 || level >= 1) {
    gmm_abort(sprintf("`level` must be between 0 and 1, not %s.", format(level)))
  }
  bins <- check_count(bins, "bins")
  if (length(dims) == 1L) return(gg_density_1d(object, pd$data, dims, bins, ...))
  if (what == "density") return(gg_density_2d(object, pd$data, dims, ...))
  gg_classes(object, pd, dims, level, what, ...)
}

#' @rdname autoplot.gmmfit
#' @exportS3Method ggplot2::autoplot
autoplot.gmm_search <- function(object, ...) {
  need_ggplot2()
  if (!inherits(object, "gmm_search") || is.null(object$bic)) {
    gmm_abort("`object` must be the search table of a fit (`fit$search`).")
  }
  tab <- as.data.frame(unclass(object), stringsAsFactors = FALSE)
  tab$covariance <- factor(tab$covariance, levels = unique(tab$covariance))
  tab$degenerate <- factor(ifelse(tab$degenerate %in% TRUE, "degenerate (not eligible)", "eligible"),
                           levels = c("eligible", "degenerate (not eligible)"))
  tab <- tab[!is.na(tab$bic), , drop = FALSE]
  best <- search_choice(object, attr(object, "criterion") %||% "bic")
  chosen <- data.frame(k = object$k[best], bic = object$bic[best])
  ggplot2::ggplot(tab, ggplot2::aes(x = !!as.name("k"), y = !!as.name("bic"),
                        colour = !!as.name("covariance"))) +
    ggplot2::geom_line(linewidth = 0.8) +
    ggplot2::geom_point(ggplot2::aes(shape = !!as.name("degenerate")), size = 2.2) +
    ggplot2::geom_point(data = chosen, colour = "black", shape = 1, size = 6, stroke = 1.1) +
    ggplot2::scale_shape_manual(values = c(19, 4), drop = FALSE, name = NULL) +
    ggplot2::scale_colour_manual(values = component_colours(nlevels(tab$covariance))) +
    ggplot2::scale_x_continuous(breaks = sort(unique(tab$k))) +
    ggplot2::labs(x = "number of components k", y = "BIC (lower is better)",
            title = "Model selection by BIC")
}

need_ggplot2 <- function() {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    gmm_abort("autoplot() needs the ggplot2 package: install.packages(\"ggplot2\").")
  }
}

gg_classes <- function(x, pd, dims, level, what, ...) {
  vars <- x$vars[dims]
  k <- length(x$weights)
  labels <- names(x$weights)
  cls <- pd$drawn_by %||% predict.gmmfit(x, pd$data, type = "class")
  pts <- data.frame(pd$data[, dims[1L]], pd$data[, dims[2L]],
                    component = factor(labels[cls], levels = labels))
  names(pts)[1:2] <- vars
  ell <- gmm_ellipses(x, dims, level)
  ell$component <- factor(labels[ell$component], levels = labels)
  centres <- data.frame(x$means[, dims[1L]], x$means[, dims[2L]],
                        component = factor(labels, levels = labels))
  names(centres)[1:2] <- vars
  aes_xy <- ggplot2::aes(x = !!as.name(vars[1L]), y = !!as.name(vars[2L]),
                   colour = !!as.name("component"))
  if (what == "uncertainty") {
    pts$uncertainty <- predict.gmmfit(x, pd$data, type = "uncertainty")
    points <- ggplot2::geom_point(ggplot2::aes(size = !!as.name("uncertainty")), ...)
  } else {
    points <- ggplot2::geom_point(...)
  }
  p <- ggplot2::ggplot(pts, aes_xy) + points +
    ggplot2::geom_path(data = ell, linewidth = 0.8) +
    ggplot2::geom_point(data = centres, shape = 3, size = 4, stroke = 1.2, show.legend = FALSE) +
    ggplot2::scale_colour_manual(values = component_colours(k), drop = FALSE) +
    ggplot2::labs(title = if (what == "uncertainty") "Uncertainty" else "Classification")
  if (what == "uncertainty") p <- p + ggplot2::scale_size(range = c(0.5, 4), limits = c(0, 1 - 1 / max(k, 2L)))
  p
}

gg_density_1d <- function(x, data, dim, bins, ...) {
  var <- x$vars[dim]
  v <- data[, dim]
  grid <- pretty_grid(v, 400L)
  comps <- component_densities_1d(x, dim, grid)
  labels <- names(x$weights)
  curves <- data.frame(
    x = rep(grid, ncol(comps) + 1L), density = c(rowSums(comps), comps),
    curve = factor(rep(c("mixture", paste("component", labels)), each = length(grid)),
                   levels = c("mixture", paste("component", labels))))
  names(curves)[1L] <- var
  hist_data <- data.frame(v)
  names(hist_data) <- var
  ggplot2::ggplot(hist_data, ggplot2::aes(x = !!as.name(var))) +
    ggplot2::geom_histogram(ggplot2::aes(y = ggplot2::after_stat(!!as.name("density"))), bins = bins,
                      fill = "grey90", colour = "grey60", ...) +
    ggplot2::geom_line(data = curves, ggplot2::aes(y = !!as.name("density"), colour = !!as.name("curve"),
                                        linetype = !!as.name("curve"), linewidth = !!as.name("curve"))) +
    ggplot2::scale_colour_manual(values = c("grey20", component_colours(length(labels))), name = NULL) +
    ggplot2::scale_linetype_manual(values = c(1, rep(2, length(labels))), name = NULL) +
    ggplot2::scale_discrete_manual("linewidth", values = c(1.4, rep(0.7, length(labels))), name = NULL) +
    ggplot2::labs(y = "density", title = "Mixture density")
}

gg_density_2d <- function(x, data, dims, ...) {
  vars <- x$vars[dims]
  g <- density_grid(x, data, dims)
  pts <- data.frame(data[, dims[1L]], data[, dims[2L]])
  names(pts) <- vars
  surface <- expand.grid(g$x, g$y)
  names(surface) <- vars
  surface$density <- as.vector(g$density)
  ggplot2::ggplot(pts, ggplot2::aes(x = !!as.name(vars[1L]), y = !!as.name(vars[2L]))) +
    ggplot2::geom_point(colour = "grey60", ...) +
    ggplot2::geom_contour(data = surface, ggplot2::aes(z = !!as.name("density")), breaks = g$levels,
                    colour = "grey15") +
    ggplot2::labs(title = "Mixture density")
}
