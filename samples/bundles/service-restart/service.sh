#!/bin/sh
# SIMULATED service status and restart: nothing outside the container is touched.
set -u
. "$(dirname "$0")/results.sh"

action=${1:-status}
service=${SERVICE_NAME:-}
case "$service" in
  ''|*[!A-Za-z0-9_.@-]*)
    add_issue 3 "SERVICE_NAME is missing or invalid" "A unit name such as nginx.service" "SERVICE_NAME=${service:-unset}" \
      "" "Set SERVICE_NAME when starting the task."
    exit 0 ;;
esac

case "$action" in
  status)
    add_report table "$(printf 'service\tstate\tsince\n%s\tactive (simulated)\t%s' "$service" "$(now_utc)")"
    ;;
  restart)
    reason=${AIRGAP_RUN_REASON:-}
    if [ -z "$reason" ]; then
      add_issue 2 "Restart of \`$service\` refused: no reason given" "A written reason for a read-write task" \
        "AIRGAP_RUN_REASON is empty" "" "Start the task again and give a reason."
      exit 2
    fi
    token_file=${AIRGAP_SECRETS_DIR:-/airgap/secrets}/service-token
    if [ -r "$token_file" ]; then token_state="delivered as a file ($(wc -c < "$token_file") bytes)"; else token_state="not delivered"; fi
    grace=${GRACE_SECONDS:-10}
    sleep 1
    add_report p "Restarted \`$service\` (SIMULATED: nothing was changed). Grace period ${grace%.*}s."
    add_report table "$(printf 'field\tvalue\nservice\t%s\nreason\t%s\nservice-token\t%s' "$service" "$reason" "$token_state")"
    add_issue 4 "Service \`$service\` was restarted (simulated)" "Service restarted on request" \
      "Restart simulated at $(now_utc)" "" "Check the service status with the Check Service Status task." "reason: $reason"
    ;;
  *)
    echo "unknown action: $action" >&2
    exit 64 ;;
esac
