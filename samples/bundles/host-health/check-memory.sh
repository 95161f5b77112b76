#!/bin/sh
# Memory and load from /proc (the host's view: /proc/meminfo and /proc/loadavg are not namespaced).
set -u
. "$(dirname "$0")/results.sh"

min_pct=${MEMORY_AVAILABLE_MIN_PERCENT:-10}
load_max=${LOAD_PER_CPU_MAX:-2}

total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ -z "$total" ] || [ -z "$avail" ] || [ "$total" -eq 0 ]; then
  add_issue 3 "Cannot read memory statistics" "/proc/meminfo lists MemTotal and MemAvailable" \
    "MemTotal=${total:-missing} MemAvailable=${avail:-missing}" "cat /proc/meminfo" "Run the task on a Linux host with /proc mounted."
  exit 0
fi
avail_pct=$((avail * 100 / total))
cpus=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null || echo 1)
[ "$cpus" -gt 0 ] || cpus=1
read -r load1 load5 load15 _ < /proc/loadavg
# Load per CPU, compared as integers in hundredths (busybox sh has no floating point).
load5_x100=$(echo "$load5" | awk '{ printf "%d", $1 * 100 }')
per_cpu_x100=$((load5_x100 / cpus))
max_x100=$(echo "$load_max" | awk '{ printf "%d", $1 * 100 }')

if [ "$avail_pct" -lt "${min_pct%.*}" ]; then
  sev=3
  [ "$avail_pct" -lt 5 ] && sev=2
  add_issue "$sev" "Host memory is low: ${avail_pct}% available" "At least ${min_pct}% of memory available" \
    "$((avail / 1024)) MiB of $((total / 1024)) MiB available" "grep -E 'MemTotal|MemAvailable' /proc/meminfo" \
    "Find the largest processes (ps, top) and stop or limit them; check for a memory leak." \
    "MemTotal=${total}kB MemAvailable=${avail}kB"
fi
if [ "$per_cpu_x100" -gt "$max_x100" ]; then
  add_issue 3 "Host load is high: ${load5} over ${cpus} CPU(s)" "5-minute load per CPU at most ${load_max}" \
    "load average $load1 $load5 $load15 on $cpus CPU(s)" "cat /proc/loadavg" \
    "Find what keeps the CPUs busy (top) or waiting on I/O (vmstat)."
fi
add_report table "$(printf 'metric\tvalue\nMemTotal (MiB)\t%s\nMemAvailable (MiB)\t%s\nAvailable (%%)\t%s\nLoad (1/5/15 min)\t%s %s %s\nCPUs\t%s' \
  "$((total / 1024))" "$((avail / 1024))" "$avail_pct" "$load1" "$load5" "$load15" "$cpus")"
