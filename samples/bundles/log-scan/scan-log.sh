#!/bin/sh
# Scans $LOG_FILE (a read-only mount of the file the operator picked) for $PATTERN.
set -u
. "$(dirname "$0")/results.sh"

file=${LOG_FILE:-}
pattern=${PATTERN:-error|fail|panic|oom}
max=${MAX_MATCHES:-50}
max=${max%.*}
severity=${SEVERITY:-3}
case_flag=-i
[ "${CASE_SENSITIVE:-false}" = "true" ] && case_flag=

if [ -z "$file" ] || [ ! -r "$file" ]; then
  add_issue 3 "Log file is not readable" "LOG_FILE names a readable file" "LOG_FILE=${file:-unset}" \
    "ls -l ${file:-\$LOG_FILE}" "Pick the log file again when starting the task."
  exit 0
fi

# The pattern is data: it is passed with -e, never spliced into a command line.
count=$(grep -E $case_flag -c -e "$pattern" "$file" 2>/dev/null)
status=$?
if [ "$status" -gt 1 ]; then
  add_issue 3 "The pattern is not a valid regular expression" "A valid grep -E pattern" "PATTERN=$pattern" \
    "grep -E -e '$pattern' FILE" "Fix PATTERN (extended regular expression syntax)."
  exit 0
fi
count=${count:-0}
lines=$(wc -l < "$file")
name=$(basename "$file")

if [ "$count" -gt 0 ]; then
  first=$(grep -E $case_flag -n -e "$pattern" "$file" | head -n 3 | cut -c1-200)
  add_issue "$severity" "Pattern \`$pattern\` found $count time(s) in \`$name\`" "No line matches \`$pattern\`" \
    "$count of $lines line(s) match" "grep -E $case_flag -n -e '$pattern' $name" \
    "Read the matching lines in the report and follow up on each distinct error." "$first"
fi
matches=$(grep -E $case_flag -n -e "$pattern" "$file" | head -n "$max" | cut -c1-300)
add_report p "Scanned $name: $lines line(s), $count matching \`$pattern\` (showing at most $max)."
[ -n "$matches" ] && add_report pre "$matches"
exit 0
