# Reference fits for survival/: PBC3, composite event (transplant or death), complete cases,
# Efron ties, by R's survival package (Debian r-cran-survival). Writes pbc3-coxph.json.
# Run from the repository root: Rscript survival/reference/pbc3-coxph.R ../shared/data/pbc3/Pbc3.csv
library(survival)
args <- commandArgs(trailingOnly = TRUE)
pbc3 <- read.csv(args[1], sep = ";", na.strings = "NA")
pbc3$event <- as.integer(pbc3$status > 0)
pbc3$log2bili <- log2(pbc3$bili)
kept <- pbc3[complete.cases(pbc3[, c("days", "event", "tment", "alb", "log2bili", "unit")]), ]
fit_json <- function(fit) {
  s <- summary(fit)$coefficients
  ci <- exp(confint(fit))
  rows <- lapply(seq_len(nrow(s)), function(i) sprintf(
    '{"name": "%s", "coef": %.12g, "se": %.12g, "hazard_ratio": %.12g, "ci_low": %.12g, "ci_high": %.12g}',
    rownames(s)[i], s[i, "coef"], s[i, "se(coef)"], s[i, "exp(coef)"], ci[i, 1], ci[i, 2]))
  sprintf('{"n": %d, "events": %d, "loglik": [%.12g, %.12g], "iterations": %d, "coefficients": [%s]}',
    fit$n, fit$nevent, fit$loglik[1], fit$loglik[2], fit$iter, paste(rows, collapse = ", "))
}
stratified <- coxph(Surv(days, event) ~ tment + alb + log2bili + strata(unit), data = kept, ties = "efron")
pooled <- coxph(Surv(days, event) ~ tment + alb + log2bili, data = kept, ties = "efron")
breslow <- coxph(Surv(days, event) ~ tment + alb + log2bili + strata(unit), data = kept, ties = "breslow")
# Harrell's C of the stratified fit's linear predictor, within strata (survival's concordance()).
conc <- concordance(stratified)
writeLines(sprintf('{"source": "R %s, survival %s", "data": "Pbc3.csv md5 5243afb7fadcadf6b6881b63b3abdbf3", "rows_complete": %d, "stratified_efron": %s, "pooled_efron": %s, "stratified_breslow": %s, "stratified_concordance": %.12g}',
  paste(R.version$major, R.version$minor, sep = "."), packageVersion("survival"), nrow(kept),
  fit_json(stratified), fit_json(pooled), fit_json(breslow), conc$concordance),
  "survival/reference/pbc3-coxph.json")
