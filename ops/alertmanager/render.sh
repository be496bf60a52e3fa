#!/bin/sh
# Fill alertmanager.yml.tmpl's ${NAME} placeholders from the environment (defaults below),
# write the result to $ALERTMANAGER_CONFIG and, unless RENDER_ONLY is set, start
# Alertmanager with it. Busybox sh + sed: the prom/alertmanager image has nothing more.
set -eu
SRC="${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/src/alertmanager.yml.tmpl}"
OUT="${ALERTMANAGER_CONFIG:-/tmp/alertmanager.yml}"
: "${ALERT_EMAIL_TO:=root@localhost}"
: "${ALERT_EMAIL_FROM:=alertmanager@localhost}"
: "${ALERT_SMTP_SMARTHOST:=localhost:25}"
: "${ALERT_SMTP_USERNAME:=}"
: "${ALERT_SMTP_PASSWORD:=}"
: "${ALERT_SMTP_REQUIRE_TLS:=true}"
: "${ALERT_WEBHOOK_URL:=http://127.0.0.1:9/not-configured}"
: "${ALERT_REPEAT_INTERVAL:=4h}"
: "${RUNBOOK_BASE_URL:=https://example.invalid/mastertrade/blob/main}"
escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g' -e 's/"/\\\\"/g'; }
script=""
for name in ALERT_EMAIL_TO ALERT_EMAIL_FROM ALERT_SMTP_SMARTHOST ALERT_SMTP_USERNAME ALERT_SMTP_PASSWORD \
    ALERT_SMTP_REQUIRE_TLS ALERT_WEBHOOK_URL ALERT_REPEAT_INTERVAL RUNBOOK_BASE_URL; do
  eval "value=\${$name}"
  script="${script}s|\\\${${name}}|$(escape "$value")|g;"
done
sed -e "$script" "$SRC" > "$OUT"
[ -n "${RENDER_ONLY:-}" ] && exit 0
exec /bin/alertmanager --config.file="$OUT" --storage.path=/alertmanager "$@"
