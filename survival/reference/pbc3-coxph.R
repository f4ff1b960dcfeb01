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
# Baseline hazards and absolute risks (survival/baseline-hazard.ts, absolute-risk.ts), at the
# stratified Efron fit's coefficients, uncentred (covariates 0), step functions at `time`.
num <- function(v) paste(sprintf("%.12g", v), collapse = ", ")
X <- as.matrix(kept[, c("tment", "alb", "log2bili")])
beta <- coef(stratified)
# Each hospital's own: basehaz's default for an Efron fit (Efron's correction of tied times) and Breslow's.
efron_haz <- basehaz(stratified, centered = FALSE)
breslow_fit <- survfit(stratified, ctype = 1, se.fit = FALSE)
breslow_haz <- data.frame(time = breslow_fit$time, hazard = breslow_fit$cumhaz * exp(-sum(stratified$means * beta)),
  strata = rep(names(breslow_fit$strata), breslow_fit$strata))
strata_json <- sapply(levels(factor(efron_haz$strata)), function(s) {
  e <- efron_haz[efron_haz$strata == s, ]
  b <- breslow_haz[breslow_haz$strata == s, ]
  sprintf('{"stratum": "%s", "time": [%s], "efron": [%s], "breslow": [%s]}', s, num(e$time), num(e$hazard), num(b$hazard))
})
# One curve for everyone at the stratified coefficients: Breslow's estimator with the risk sets of all
# hospitals together (an unstratified coxph held at those coefficients, iter.max = 0).
consortium_at <- function(data) coxph(Surv(days, event) ~ tment + alb + log2bili, data = data, ties = "breslow", init = beta,
  control = coxph.control(iter.max = 0))
consortium <- basehaz(consortium_at(kept), centered = FALSE)
# The same on the time grid: events moved to the end of their interval, censored times to its start.
grid <- (1:72) * 365.25 / 12
coarse <- kept
interval <- findInterval(coarse$days, c(0, grid), left.open = TRUE)
coarse$days <- ifelse(coarse$event == 1, grid[interval], c(0, grid)[interval])
coarse <- coarse[coarse$days > 0, ]
consortium_grid <- basehaz(consortium_at(coarse), centered = FALSE)
grid_cumhaz <- stepfun(consortium_grid$time, c(0, consortium_grid$hazard))(grid)
# Its 5-year risks for the median patient under each arm (point estimates: this fit's variance is not the stratified one).
median_patient <- data.frame(tment = c(0, 1), alb = median(kept$alb), log2bili = median(kept$log2bili))
grid_fit <- survfit(consortium_at(coarse), newdata = median_patient, ctype = 1, se.fit = FALSE)
grid_risk5 <- 1 - grid_fit$surv[findInterval(5 * 365.25, grid_fit$time), ]
# Absolute risks of a few patients by survfit: Breslow's hazard (ctype 1), the Tsiatis variance with
# the coefficients' covariance, intervals on the log(-log S) scale, at 1 to 5 years.
years <- (1:5) * 365.25
profiles <- data.frame(tment = c(0, 1, 0, 1), alb = c(38.71, 38.71, 30, 30), log2bili = c(4.27277, 4.27277, 7, 7), unit = c(2, 2, 4, 4))
profile_json <- sapply(seq_len(nrow(profiles)), function(i) {
  sf <- survfit(stratified, newdata = profiles[i, ], ctype = 1, conf.type = "log-log")
  at <- findInterval(years, sf$time)
  sprintf('{"tment": %g, "alb": %g, "log2bili": %g, "unit": %d, "time": [%s], "surv": [%s], "std_err": [%s], "lower": [%s], "upper": [%s]}',
    profiles$tment[i], profiles$alb[i], profiles$log2bili[i], profiles$unit[i], num(years), num(sf$surv[at]), num(sf$std.err[at]),
    num(sf$lower[at]), num(sf$upper[at]))
})
baseline_json <- sprintf('{"coefficients": [%s], "covariance": [%s], "strata": [%s], "consortium": {"time": [%s], "breslow": [%s]}, "consortium_grid": {"grid": [%s], "breslow": [%s], "median_patient": {"alb": %.12g, "log2bili": %.12g, "risk_5y": [%s]}}, "profiles": [%s]}',
  num(beta), num(t(stratified$var)), paste(strata_json, collapse = ", "), num(consortium$time), num(consortium$hazard),
  num(grid), num(grid_cumhaz), median_patient$alb[1], median_patient$log2bili[1], num(grid_risk5), paste(profile_json, collapse = ", "))
writeLines(sprintf('{"source": "R %s, survival %s", "data": "Pbc3.csv md5 5243afb7fadcadf6b6881b63b3abdbf3", "rows_complete": %d, "stratified_efron": %s, "pooled_efron": %s, "stratified_breslow": %s, "stratified_concordance": %.12g, "stratified_efron_baseline": %s}',
  paste(R.version$major, R.version$minor, sep = "."), packageVersion("survival"), nrow(kept),
  fit_json(stratified), fit_json(pooled), fit_json(breslow), conc$concordance, baseline_json),
  "survival/reference/pbc3-coxph.json")
