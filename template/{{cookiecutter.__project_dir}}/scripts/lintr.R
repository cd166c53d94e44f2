# lintr on the R files given (make lint-r, the pre-commit hook), with the
# settings of .lintr. Prints every lint as file:line:column, exit 1 if any.
files <- commandArgs(trailingOnly = TRUE)
lints <- unlist(lapply(files, lintr::lint), recursive = FALSE)
if (length(lints) > 0) {
  print(structure(lints, class = "lints"))
  quit(status = 1)
}
cat("lintr:", length(files), "R files, no lints\n")
