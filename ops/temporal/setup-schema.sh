#!/bin/sh
# Creates Temporal's two databases in the compose file's PostgreSQL and brings their schemas to the versions the
# admin-tools image ships (the same release as the temporalio/server image): the job Temporal's own compose files
# give the admin-tools image now that temporalio/auto-setup is deprecated. Safe to run on every `up`: an existing
# database is kept and update-schema only applies the missing versions.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port="${DB_PORT:-5432}"
schemas=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"; }
for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  kind="${pair##*:}"
  echo "temporal-schema: database $db ($kind)"
  sql --db "$db" create || echo "temporal-schema: $db exists"
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$schemas/$kind/versioned"
done
echo 'temporal-schema: done'
