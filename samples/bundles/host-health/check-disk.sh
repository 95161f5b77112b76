#!/bin/sh
# Disk usage of the filesystems the task can see. Read-only: only df.
set -u
. "$(dirname "$0")/results.sh"

threshold=${DISK_USAGE_THRESHOLD_PERCENT:-90}
paths=${DISK_PATHS:-/}
summary=""
for path in $paths; do
  # POSIX output: Filesystem 1024-blocks Used Available Capacity Mounted-on
  line=$(df -P "$path" 2>/dev/null | awk 'NR == 2 { print $1, $2, $3, $4, $5, $6 }')
  if [ -z "$line" ]; then
    add_issue 3 "Cannot read disk usage of \`$path\`" "df reports $path" "df found no filesystem at $path" \
      "df -P $path" "Check DISK_PATHS: list mount points visible in the task container."
    continue
  fi
  set -- $line
  used_pct=${5%\%}
  summary="${summary}$(printf '%-24s %6s%% used  %12s KiB free  (%s)' "$6" "$used_pct" "$4" "$1")
"
  if [ "$used_pct" -gt "${threshold%.*}" ]; then
    sev=3
    [ "$used_pct" -ge 95 ] && sev=2
    [ "$used_pct" -ge 99 ] && sev=1
    add_issue "$sev" "Filesystem \`$6\` is ${used_pct}% full" "Usage at or below ${threshold}%" \
      "${used_pct}% used, $4 KiB available on $1" "df -P $6" \
      "Free space on $6: remove old logs, images or core dumps, or grow the filesystem." \
      "filesystem=$1 mount=$6 blocks=$2 used=$3 available=$4"
  fi
done
add_report pre "$(printf 'Disk usage (threshold %s%%)\n%s' "$threshold" "$summary")"
