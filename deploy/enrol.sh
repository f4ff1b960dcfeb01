#!/bin/sh
# docker-compose's one-shot `enrol` service: once the coordinator answers, the operator admits each
# clinic by its card, approving its site and record counts (deploy/clinics.txt). Enrolling the same
# card again is acknowledged as already enrolled, so a second `up` changes nothing.
set -eu
url=${COHORT_COORDINATOR_URL:-https://coordinator:8080}
while read -r site train test; do
  case "$site" in '' | '#'*) continue ;; esac
  node /app/dist/cli/cohort.js clinic enrol --coordinator-url "$url" --operator-token-file /secrets/operator.token \
    --card "/secrets/cards/$site.json" --site "$site" --num-train "$train" --num-test "$test"
done </deploy/clinics.txt
