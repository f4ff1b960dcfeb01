#!/bin/sh
# docker-compose's one-shot `setup` service (runs as root in the cohort image, before everything else):
# makes what the consortium needs once, into volumes, and leaves what exists alone (a second `up`
# changes nothing):
#   /ca        (volume ca, setup only)   the consortium CA and its key, the coordinator's certificate
#   /secrets   (volume secrets)          the coordinator's certificate and key, its operator and auditor
#                                        tokens, the database password, ca.pem, the clinics' cards
#   /public    (volume trust)            ca.pem alone: what clinics and Prometheus mount
#   /scrape    (volume scrape)           Prometheus' copy of the coordinator's metrics token
#   /clinics/S (volume clinic-S)         clinic S's keystore (its identity), later its ledger and outbox
# Secrets are random, written mode 600 and never printed; each file goes to the user that reads it
# (the cohort image's 10001, the postgres image's 999, Prometheus' 65534).
set -eu
COHORT="node /app/dist/cli/cohort.js"
COHORT_UID=10001
POSTGRES_UID=${POSTGRES_UID:-999}
PROMETHEUS_UID=${PROMETHEUS_UID:-65534}
umask 077

random_secret() { node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))"; }
write_secret() { [ -s "$1" ] || random_secret >"$1"; }

if [ ! -f /ca/ca.pem ]; then
  $COHORT certs init --dir /ca --hosts "${COHORT_COORDINATOR_HOSTS:-coordinator,localhost,127.0.0.1}"
fi
cp /ca/ca.pem /ca/coordinator.pem /ca/coordinator-key.pem /secrets/
write_secret /secrets/operator.token
write_secret /secrets/auditor.token
write_secret /secrets/db.password
write_secret /secrets/metrics.token
# The postgres image reads its password file as its own user.
cp /secrets/db.password /secrets/db.password.postgres
mkdir -p /secrets/cards

while read -r site _train _test; do
  case "$site" in '' | '#'*) continue ;; esac
  if [ ! -f "/clinics/$site/keystore/card.json" ]; then
    $COHORT keys init --keystore "/clinics/$site/keystore" --clinic-id "$site"
  fi
  cp "/clinics/$site/keystore/card.json" "/secrets/cards/$site.json"
  chown -R "$COHORT_UID:$COHORT_UID" "/clinics/$site"
done </deploy/clinics.txt

chown -R "$COHORT_UID:$COHORT_UID" /secrets
chown "$POSTGRES_UID" /secrets/db.password.postgres
chmod 711 /secrets
cp /secrets/metrics.token /scrape/metrics.token
chown "$PROMETHEUS_UID" /scrape/metrics.token
chmod 755 /scrape
cp /ca/ca.pem /public/ca.pem
chmod 644 /public/ca.pem
chmod 755 /public
echo "setup: the CA, the coordinator's certificate, tokens, database password and clinic identities are ready"
