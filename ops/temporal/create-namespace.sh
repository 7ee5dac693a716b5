#!/bin/sh
# Registers the namespace the api and the worker use (TEMPORAL_NAMESPACE) once the server answers: the plain
# temporalio/server image creates none (auto-setup's DEFAULT_NAMESPACE did).
set -eu
: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}"
tries=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "temporal-namespace: $TEMPORAL_ADDRESS is not serving"; exit 1; }
  sleep 2
done
if temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" > /dev/null 2>&1; then
  echo "temporal-namespace: $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "${RETENTION:-7d}" --address "$TEMPORAL_ADDRESS"
  echo "temporal-namespace: $NAMESPACE created"
fi
