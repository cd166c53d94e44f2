# Do the installed R packages satisfy DESCRIPTION (Depends, Imports,
# Suggests)? One line per package missing or older than DESCRIPTION asks,
# then exit 1 (docs/r.md).
fields <- read.dcf("DESCRIPTION", fields = c("Depends", "Imports", "Suggests"))
entries <- trimws(unlist(strsplit(fields[!is.na(fields)], ",")))
pattern <- "^([A-Za-z0-9.]+)\\s*(\\(>=\\s*([^)]+)\\))?$"
problems <- character()
for (entry in entries[nzchar(entries)]) {
  parts <- regmatches(entry, regexec(pattern, entry))[[1]]
  if (length(parts) == 0) {
    problems <- c(problems, paste0(
      "DESCRIPTION: '", entry, "' is not 'name' or 'name (>= version)'"
    ))
    next
  }
  name <- parts[2]
  wanted <- parts[4]
  installed <- if (name == "R") {
    getRversion()
  } else if (requireNamespace(name, quietly = TRUE)) {
    utils::packageVersion(name)
  }
  if (is.null(installed)) {
    problems <- c(problems, paste0(
      "R package ", name, " is not installed: DESCRIPTION needs ", entry
    ))
  } else if (nzchar(wanted) && installed < wanted) {
    problems <- c(problems, paste0(
      name, " ", installed, " is installed: DESCRIPTION needs ", entry
    ))
  }
}
if (length(problems) > 0) {
  writeLines(paste0(problems, " (docs/r.md: install the R packages)"))
  quit(status = 1)
}
