library(testthat)
library(gmmfit)

test_check("gmmfit")
