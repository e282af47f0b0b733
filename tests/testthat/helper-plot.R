# Plots are drawn on a null device: they must run and return the model, and
# nothing is left open for the next test.
on_null_device <- function(expr) {
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  force(expr)
}
