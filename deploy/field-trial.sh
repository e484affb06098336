#!/usr/bin/env bash
# Field-trial phase F with Apache Bench (Debian `apache2-utils`): 100 requests, 10 concurrent, on the
# token endpoint (client_secret_post) and on GET /api/v1/agents, against a RUNNING server. Prints a
# markdown table; deploy/field-trial.sh > bench/results/field-trial-f.md records it for the site.
#
#   IDP=http://localhost:3000 ADMIN_ID=… ADMIN_SECRET=… deploy/field-trial.sh
# (ADMIN_ID / ADMIN_SECRET default to data/bootstrap-credentials.json, as after `npm start`.)
set -euo pipefail
IDP=${IDP:-http://localhost:3000}
ADMIN_ID=${ADMIN_ID:-$(jq -r .clientId data/bootstrap-credentials.json)}
ADMIN_SECRET=${ADMIN_SECRET:-$(jq -r .clientSecret data/bootstrap-credentials.json)}
N=${N:-100}
C=${C:-10}
for tool in ab curl jq; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install apache2-utils curl jq)" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An organization, an agent allowed to read agents, and its credential.
admin_token=$(curl -sf -u "$ADMIN_ID:$ADMIN_SECRET" -d grant_type=client_credentials "$IDP/oauth2/token" | jq -r .access_token)
org=$(curl -sf "$IDP/api/v1/organizations" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  -d "{\"name\":\"Field trial\",\"slug\":\"field-trial-$RANDOM$RANDOM\"}" | jq -r .organizationId)
agent=$(curl -sf "$IDP/api/v1/agents" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' -d '{
  "organizationId": "'"$org"'", "name": "field-trial", "agentType": "custom", "version": "1.0.0",
  "capabilities": ["agents:read"], "owner": "ops", "deploymentEnv": "staging", "scopes": ["agents:read"]}' | jq -r .agentId)
credential=$(curl -sf -X POST "$IDP/api/v1/agents/$agent/credentials" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' -d '{}')
client_id=$(jq -r .clientId <<<"$credential")
client_secret=$(jq -r .clientSecret <<<"$credential")
printf 'grant_type=client_credentials&client_id=%s&client_secret=%s' "$client_id" "$client_secret" > "$work/token.form"
token=$(curl -sf "$IDP/oauth2/token" --data-binary @"$work/token.form" | jq -r .access_token)

# ab prints "Requests per second:", "Time per request:" (mean), "Non-2xx responses:" and the percentiles.
run() { # name, ab arguments…
  local name=$1; shift
  ab -q -l -n "$N" -c "$C" "$@" > "$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  local rps p50 p95 p99 failed non2xx
  rps=$(awk '/^Requests per second:/ {print $4}' "$work/out")
  p50=$(awk '$1 == "50%" {print $2}' "$work/out")
  p95=$(awk '$1 == "95%" {print $2}' "$work/out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/out")
  failed=$(awk '/^Failed requests:/ {print $3}' "$work/out")
  non2xx=$(awk '/^Non-2xx responses:/ {print $3}' "$work/out")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$N" "$C" "$rps" "$p50" "$p95" "$p99" "${failed:-0} / ${non2xx:-0}"
}

echo "| request | n | c | req/s | p50 ms | p95 ms | p99 ms | failed / non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
run '`POST /oauth2/token` (client_secret_post)' -p "$work/token.form" -T application/x-www-form-urlencoded "$IDP/oauth2/token"
run '`GET /api/v1/agents` (Bearer)' -H "Authorization: Bearer $token" "$IDP/api/v1/agents"
