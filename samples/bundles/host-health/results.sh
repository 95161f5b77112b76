# Result helpers for the Airgap Runner output contract (docs/codebundle-format.md).
# Busybox sh; a script sources it with:  . "$(dirname "$0")/results.sh"
: "${AIRGAP_OUTPUT_DIR:=/airgap/output}"
: "${AIRGAP_TASK_NAME:=${AIRGAP_TASK_ID:-task}}"

# json_str TEXT: TEXT as a JSON string (quotes, backslashes, newlines, tabs escaped; other control
# characters dropped).
json_str() {
  printf '%s' "$1" | awk '
    BEGIN { RS = "\001"; out = "" }
    {
      s = $0
      gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\r/, "\\r", s)
      gsub(/[\001-\010\013\014\016-\037\177]/, "", s)
      gsub(/\n/, "\\n", s)
      out = out s
    }
    END { printf "\"%s\"", out }'
}

now_utc() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# add_issue SEVERITY TITLE EXPECTED ACTUAL REPRODUCE_HINT NEXT_STEPS [DETAILS]
# SEVERITY: 1 critical, 2 major, 3 minor, 4 informational.
add_issue() {
  case "$1" in 1|2|3|4) sev=$1 ;; *) sev=4 ;; esac
  printf '{"severity":%s,"title":%s,"expected":%s,"actual":%s,"reproduceHint":%s,"nextSteps":%s,"details":%s,"taskName":%s,"observedAt":%s}\n' \
    "$sev" "$(json_str "$2")" "$(json_str "$3")" "$(json_str "$4")" "$(json_str "$5")" "$(json_str "$6")" \
    "$(json_str "${7:-}")" "$(json_str "$AIRGAP_TASK_NAME")" "$(json_str "$(now_utc)")" >> "$AIRGAP_OUTPUT_DIR/issues.jsonl"
}

# add_report FMT TEXT   (FMT: p, pre, code, a, json or table)
add_report() {
  printf '{"obj":%s,"fmt":%s,"taskName":%s}\n' "$(json_str "$2")" "$(json_str "$1")" "$(json_str "$AIRGAP_TASK_NAME")" \
    >> "$AIRGAP_OUTPUT_DIR/report.jsonl"
}
