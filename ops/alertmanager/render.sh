#!/bin/sh
# Fill alertmanager.yml.tmpl's ${NAME} placeholders from the environment (defaults below),
# write the result to $ALERTMANAGER_CONFIG and, unless RENDER_ONLY is set, start
# Alertmanager with it. Busybox sh + awk: the prom/alertmanager image has nothing more.
#
# Every placeholder sits inside a YAML double-quoted string, and every value is escaped
# for one: backslash, double quote and control characters (newline, tab, ...) become YAML
# escapes, so any secret renders to itself. ALERT_SMTP_REQUIRE_TLS is the one unquoted
# value: it must be true or false.
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
case "$ALERT_SMTP_REQUIRE_TLS" in
  true|false) ;;
  *) echo "render.sh: ALERT_SMTP_REQUIRE_TLS must be true or false, not '$ALERT_SMTP_REQUIRE_TLS'" >&2; exit 2 ;;
esac
export ALERT_EMAIL_TO ALERT_EMAIL_FROM ALERT_SMTP_SMARTHOST ALERT_SMTP_USERNAME ALERT_SMTP_PASSWORD \
  ALERT_SMTP_REQUIRE_TLS ALERT_WEBHOOK_URL ALERT_REPEAT_INTERVAL RUNBOOK_BASE_URL
# Values travel through ENVIRON, never through a sed or awk program's text.
awk '
function escaped(value,    out, i, c) {
  out = ""
  for (i = 1; i <= length(value); i++) {
    c = substr(value, i, 1)
    if (c == "\\") out = out "\\\\"
    else if (c == "\"") out = out "\\\""
    else if (c == "\n") out = out "\\n"
    else if (c == "\r") out = out "\\r"
    else if (c == "\t") out = out "\\t"
    else if (c < " ") out = out sprintf("\\x%02x", ord[c])
    else out = out c
  }
  return out
}
BEGIN { for (i = 1; i < 32; i++) ord[sprintf("%c", i)] = i }
{
  line = $0; result = ""
  while (match(line, /\$\{[A-Z_]+\}/)) {
    name = substr(line, RSTART + 2, RLENGTH - 3)
    if (!(name in ENVIRON)) { print "render.sh: no value for " name > "/dev/stderr"; exit 2 }
    result = result substr(line, 1, RSTART - 1) escaped(ENVIRON[name])
    line = substr(line, RSTART + RLENGTH)
  }
  print result line
}' "$SRC" > "$OUT"
[ -n "${RENDER_ONLY:-}" ] && exit 0
exec /bin/alertmanager --config.file="$OUT" --storage.path=/alertmanager "$@"
