## ----setup, include = FALSE---------------------------------------------------
knitr::opts_chunk$set(
  collapse = TRUE,
  comment = "#>",
  fig.width = 6,
  fig.height = 4.5,
  fig.align = "center"
)

## -----------------------------------------------------------------------------
library(gmmfit)

## ----fit----------------------------------------------------------------------
petals <- iris[, c("Petal.Length", "Petal.Width")]
set.seed(1)
fit <- gmm_fit(petals, k = 3)
fit

## ----plot-fit-----------------------------------------------------------------
cols <- hcl.colors(3, "Dark 3")
plot(fit, col = cols, main = "Three-component mixture of petal sizes")

## ----species------------------------------------------------------------------
clusters <- fitted(fit)
agreement <- table(cluster = clusters, species = iris$Species)
agreement

## ----species-count, include = FALSE-------------------------------------------
# flowers that are not in the majority species of their cluster
mismatched <- sum(agreement) - sum(apply(agreement, 1, max))
setosa_cluster <- which.max(agreement[, "setosa"])
setosa_alone <- agreement[setosa_cluster, "setosa"] == 50 &&
  sum(agreement[setosa_cluster, ]) == 50

## ----predict------------------------------------------------------------------
new_flowers <- data.frame(Petal.Length = c(1.5, 4.8, 6.0),
                          Petal.Width  = c(0.3, 1.6, 2.2))
predict(fit, new_flowers)
round(predict(fit, new_flowers, type = "prob"), 3)

## ----uncertainty--------------------------------------------------------------
unsure <- predict(fit, type = "uncertainty")
summary(unsure)
plot(fit, what = "uncertainty", col = cols, xlab = "Petal length (cm)",
     ylab = "Petal width (cm)", legend = "bottomright")

## ----uncertainty-count, include = FALSE---------------------------------------
n_unsure <- sum(unsure > 0.1)

## ----ellipses-----------------------------------------------------------------
ell <- gmm_ellipses(fit, level = 0.5)
head(ell, 3)
plot(petals, col = "grey60", pch = 20, main = "Half of each component's probability")
for (j in 1:3) {
  with(ell[ell$component == j, ], lines(Petal.Length, Petal.Width, col = cols[j], lwd = 2))
}

## ----ggplot, eval = requireNamespace("ggplot2", quietly = TRUE)---------------
library(ggplot2)
autoplot(fit, what = "uncertainty") +
  labs(x = "Petal length (cm)", y = "Petal width (cm)") +
  theme_minimal()

flowers <- cbind(petals, species = iris$Species,
                 p_max = apply(predict(fit, type = "prob"), 1, max))
ggplot(flowers, aes(Petal.Length, Petal.Width)) +
  geom_point(aes(shape = species, alpha = p_max)) +
  geom_path(data = gmm_ellipses(fit), aes(group = component, colour = factor(component))) +
  labs(colour = "component", alpha = "largest posterior\nprobability")

## ----simulate-----------------------------------------------------------------
synthetic <- simulate(fit, nsim = 300, seed = 42)
head(synthetic, 3)
table(synthetic$component)

## ----simulate-plot, fig.width = 8, fig.height = 4-----------------------------
xlim <- range(petals$Petal.Length, synthetic$Petal.Length)
ylim <- range(petals$Petal.Width, synthetic$Petal.Width)
op <- par(mfrow = c(1, 2), mar = c(4, 4, 2, 1))
plot(petals, col = cols[clusters], pch = 20, xlim = xlim, ylim = ylim,
     main = "150 real flowers")
plot(synthetic$Petal.Length, synthetic$Petal.Width,
     col = cols[synthetic$component], pch = 20, xlim = xlim, ylim = ylim,
     xlab = "Petal.Length", ylab = "Petal.Width",
     main = "300 simulated flowers")
legend("topleft", legend = paste("component", 1:3), col = cols, pch = 20,
       bty = "n", cex = 0.8)
par(op)

## ----conditional--------------------------------------------------------------
set.seed(1)
fit4 <- gmm_fit(iris[, 1:4], k = 3)
sepals <- gmm_conditional(fit4, given = c(Petal.Length = 4.8, Petal.Width = 1.6))
round(sepals$weights, 3)
round(sepals$means, 2)

## ----conditional-values, include = FALSE--------------------------------------
top <- which.max(sepals$weights)

## ----conditional-plot---------------------------------------------------------
plot(sepals, data = simulate(sepals, nsim = 200, seed = 3),
     main = "Sepals of flowers with petals 4.8 x 1.6 cm")

## ----degenerate---------------------------------------------------------------
set.seed(1)
fit5 <- gmm_fit(petals, k = 5)
sds <- sqrt(apply(fit5$covariances, 3, diag))
round(sds, 3)

## ----degenerate-count, include = FALSE----------------------------------------
flat <- which.min(sds["Petal.Width", ])
flat_widths <- unique(petals$Petal.Width[fitted(fit5) == flat])

## ----search-------------------------------------------------------------------
set.seed(1)
chosen <- gmm_fit(petals, k = 1:9, covariance = c("full", "diag"))
chosen$search[order(chosen$search$bic),
              c("k", "covariance", "loglik", "df", "bic", "degenerate")]

## ----chosen-------------------------------------------------------------------
chosen

## ----one-component, include = FALSE-------------------------------------------
one <- chosen$search[chosen$search$k == 1, ]
one_bic <- setNames(one$bic, one$covariance)

## ----plot-bic-----------------------------------------------------------------
plot(chosen, what = "bic", ylim = c(180, 480))

## ----search-all---------------------------------------------------------------
set.seed(1)
every <- gmm_fit(petals, k = 1:9, covariance = "all")
every$search

## ----mclust-------------------------------------------------------------------
if (requireNamespace("mclust", quietly = TRUE)) {
  mc <- mclust::mclustBIC(petals, G = 3, modelNames = "VVV", verbose = FALSE)
  c(gmmfit = BIC(fit), mclust = mc[1, 1])
}

## ----prior--------------------------------------------------------------------
set.seed(1)
with_prior <- gmm_fit(petals, k = 1:9, prior = TRUE)
with_prior
sum(with_prior$search$degenerate)

## ----sticks-model-------------------------------------------------------------
angle <- pi / 6
along <- c(cos(angle), sin(angle))    # the long direction of both groups
across <- c(-sin(angle), cos(angle))  # perpendicular to it
S <- 3^2 * tcrossprod(along) + 0.3^2 * tcrossprod(across)
two_sticks <- gmm_mixture(weights = c(0.5, 0.5),
                          means = rbind(-0.7 * across, 0.7 * across),
                          covariances = list(S, S))
sticks <- simulate(two_sticks, nsim = 400, seed = 7)
xy <- sticks[, c("x1", "x2")]

## ----sticks-fit---------------------------------------------------------------
set.seed(1)
km <- kmeans(xy, centers = 2, nstart = 10)
gm <- gmm_fit(xy, k = 2)

## ----sticks-score-------------------------------------------------------------
misclassified <- function(cluster, truth) {
  tab <- table(cluster, truth)
  1 - max(sum(diag(tab)), sum(diag(tab[2:1, ]))) / sum(tab)
}
adjusted_rand <- function(a, b) {
  pairs <- function(counts) sum(choose(counts, 2))
  tab <- table(a, b)
  both <- pairs(tab)
  in_a <- pairs(rowSums(tab))
  in_b <- pairs(colSums(tab))
  expected <- in_a * in_b / choose(sum(tab), 2)
  (both - expected) / ((in_a + in_b) / 2 - expected)
}
scores <- data.frame(
  method = c("k-means", "Gaussian mixture"),
  misclassified = c(misclassified(km$cluster, sticks$component),
                    misclassified(fitted(gm), sticks$component)),
  adjusted_rand = c(adjusted_rand(km$cluster, sticks$component),
                    adjusted_rand(fitted(gm), sticks$component))
)
scores[, -1] <- round(scores[, -1], 3)
scores

## ----sticks-plot, fig.width = 8, fig.height = 4.5-----------------------------
op <- par(mfrow = c(1, 2), mar = c(4, 4, 2, 1))
plot(xy, col = cols[km$cluster], pch = 20, asp = 1, main = "k-means")
points(km$centers, pch = 3, cex = 1.5, lwd = 2)
plot(gm, col = cols, asp = 1, main = "Gaussian mixture")
par(op)

## ----faithful-----------------------------------------------------------------
set.seed(1)
eruptions <- gmm_fit(faithful$eruptions, k = 2)
eruptions

## ----faithful-plot------------------------------------------------------------
plot(eruptions, what = "density", main = "Old Faithful eruption durations")

## ----faithful-components, include = FALSE-------------------------------------
short <- which.min(eruptions$means[, 1])
long <- which.max(eruptions$means[, 1])
spread <- sqrt(eruptions$covariances[1, 1, ])

## ----faithful-predict---------------------------------------------------------
round(predict(eruptions, c(2, 2.5, 3, 3.5), type = "prob"), 3)

## ----holes--------------------------------------------------------------------
set.seed(3)
measured <- as.matrix(iris[, 1:4])
holes <- measured
holes[sample(length(holes), 0.2 * length(holes))] <- NA
colSums(is.na(holes))
sum(complete.cases(holes))

## ----holes-fit----------------------------------------------------------------
complete_rows <- gmm_fit(holes, k = 3, na = "omit")
all_values <- gmm_fit(holes, k = 3, na = "em")
all_values

## ----holes-tables-------------------------------------------------------------
table(complete_rows = predict(complete_rows, holes), iris$Species)
table(all_values = predict(all_values), iris$Species)

## ----holes-impute, fig.width = 5, fig.height = 5------------------------------
filled <- fitted(all_values, type = "impute")
missing <- is.na(holes)
variable <- col(holes)[missing]
plot(measured[missing], filled[missing], col = variable, pch = 19,
     xlab = "removed value (cm)", ylab = "imputed value (cm)", asp = 1)
abline(0, 1, lty = 2)
legend("topleft", colnames(holes), col = 1:4, pch = 19, bty = "n")
column_means <- colMeans(holes, na.rm = TRUE)[variable]
c(mixture = sqrt(mean((filled[missing] - measured[missing])^2)),
  column_means = sqrt(mean((column_means - measured[missing])^2)))

## ----holes-errors-------------------------------------------------------------
error <- abs(filled[missing] - measured[missing])
by_variable <- tapply(error, factor(colnames(holes)[variable], colnames(holes)), mean)
round(by_variable / apply(measured, 2, sd), 2)

## ----chunks-files-------------------------------------------------------------
dir <- tempfile("flowers-")
dir.create(dir)
files <- file.path(dir, sprintf("flowers-%d.csv", 1:3))
thirds <- split(iris[, 1:4], rep(1:3, each = 50))
for (i in 1:3) write.csv(thirds[[i]], files[i], row.names = FALSE)
flowers <- gmm_chunks(files)

## ----chunks-fit---------------------------------------------------------------
control <- gmm_control(init_sample = 90)
set.seed(2)
on_disk <- gmm_fit(flowers, k = 3, control = control)
set.seed(2)
in_memory <- gmm_fit(iris[, 1:4], k = 3, control = control)
on_disk
c(chunks = logLik(on_disk), memory = logLik(in_memory))

## ----chunks-predict-----------------------------------------------------------
classes <- predict(on_disk, flowers)
lengths(classes)
table(unlist(classes), iris$Species)

## ----chunks-cluster, eval = FALSE---------------------------------------------
# cl <- gmm_cluster(2)                       # or gmm_cluster(c("node1", "node2"))
# on_workers <- gmm_fit(flowers, k = 3, control = control, cluster = cl)
# parallel::stopCluster(cl)

## ----chunks-cleanup, include = FALSE------------------------------------------
unlink(dir, recursive = TRUE)

