#!/usr/bin/env bash
# Real services for the integration tests (see docs/dev-services.md):
#   - dockerd (Debian docker.io) on a private unix socket, no bridge, no iptables, no TCP listener
#   - the CNCF distribution registry (Debian docker-registry) on 127.0.0.1:<free port>
#   - with --podman: `podman system service` on a private unix socket
#   - with --identity: a SAML 2.0 IdP (SimpleSAMLphp) and slapd (LDAPS) on 127.0.0.1, oathtool for TOTP
#     (test/services/identity.sh)
#   - with --remote: remote engine nodes and an SSH target host, each in a network namespace of its own
#     (a dockerd and a podman service behind sshd, a dockerd with --tlsverify), a softhsm2 token and an
#     image with an ssh client built by mmdebstrap (test/services/remote.sh)
# Everything lives under one state dir, ${AIRGAP_SERVICES_DIR:-/tmp/airgap-services}.
#
#   eval "$(test/services.sh start [--podman] [--identity] [--remote])"   start (or reuse), export the env vars
#   test/services.sh env                          print the exports again
#   test/services.sh status                       what runs; exit 0 when dockerd and registry answer
#   test/services.sh smoke                        build a FROM-scratch busybox image, run it on each engine;
#                                                 sign in to the identity services when they run;
#                                                 with --remote, reach every node and the SSH target
#   test/services.sh stop                         stop everything, unmount, remove sockets (idempotent)
#   test/services.sh clean                        stop, then delete the state dir
#
# stdout carries only the `export ...` lines; every message goes to stderr.
set -euo pipefail

STATE="${AIRGAP_SERVICES_DIR:-/tmp/airgap-services}"
STATE="${STATE%/}"
START_TIMEOUT="${AIRGAP_SERVICES_TIMEOUT:-60}"

DOCKER_SOCK="$STATE/docker.sock"
DOCKERD_PID="$STATE/dockerd.pid"
DOCKERD_LOG="$STATE/dockerd.log"
DOCKER_DRIVER_FILE="$STATE/docker-storage-driver"
REGISTRY_PID="$STATE/registry.pid"
REGISTRY_LOG="$STATE/registry.log"
REGISTRY_CONF="$STATE/registry.yml"
REGISTRY_PORT_FILE="$STATE/registry.port"
PODMAN_SOCK="$STATE/podman.sock"
PODMAN_PID="$STATE/podman.pid"
PODMAN_LOG="$STATE/podman.log"
PODMAN_DIR="$STATE/podman"
ENV_FILE="$STATE/env"
# shellcheck source=services/identity.sh
source "$(dirname "${BASH_SOURCE[0]}")/services/identity.sh"
# shellcheck source=services/remote.sh
source "$(dirname "${BASH_SOURCE[0]}")/services/remote.sh"

log() { printf 'services: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# --- process helpers ---------------------------------------------------------------------------------

# Prints the pid in a pidfile if that process is alive AND its command line mentions our state dir
# (guards against a stale pidfile whose pid was reused by an unrelated process).
live_pid() {
  local file="$1" pid
  [[ -s "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -F -- "$STATE/" >/dev/null || return 1
  printf '%s\n' "$pid"
}

# True while the process exists and is not a zombie (init here may take a while to reap orphans).
alive() {
  local line
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  line="${line##*) }"
  [[ "${line:0:1}" != Z ]]
}

# Sends TERM, waits up to $2 seconds, then KILL.
terminate() {
  local pid="$1" wait_s="${2:-20}" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < wait_s * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid did not exit after ${wait_s}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# Last resort after a daemon was killed: its helpers whose command line names our state dir, and
# everything below them (the containers). Only these names, never anything else.
#   sweep_processes dockerd|podman|all
# KILLs the given pids and everything below them (a shim's containers, an sshd's sessions).
kill_trees() {
  local stat pid line rest ppid queue kid
  declare -A children=()
  for stat in /proc/[0-9]*/stat; do
    pid="${stat#/proc/}"
    pid="${pid%/stat}"
    { read -r line <"$stat"; } 2>/dev/null || continue
    rest="${line##*) }" # fields after "(comm)": state ppid ...
    ppid="${rest#* }"
    ppid="${ppid%% *}"
    children[$ppid]+="$pid "
  done
  queue=("$@")
  while ((${#queue[@]} > 0)); do
    kill -KILL "${queue[0]}" 2>/dev/null || true
    for kid in ${children[${queue[0]}]:-}; do queue+=("$kid"); done
    queue=("${queue[@]:1}")
  done
}

sweep_processes() {
  local which="${1:-all}" pattern where pid comm cmd stat victims=() found=0
  case "$which" in
    dockerd) pattern='^(dockerd|containerd|containerd-shim.*|runc)$' where="$STATE/(docker|exec)/" ;;
    podman) pattern='^(podman|conmon|runc)$' where="$STATE/podman" ;;
    *) pattern='^(dockerd|containerd|containerd-shim.*|runc|docker-registry|podman|conmon|php[0-9.]*|slapd)$' where="$STATE/" ;;
  esac
  for stat in /proc/[0-9]*/stat; do
    pid="${stat#/proc/}"
    pid="${pid%/stat}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || continue
    [[ "$comm" =~ $pattern ]] || continue
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || continue
    [[ "$cmd" =~ $where ]] && victims+=("$pid:$comm")
  done
  local v
  for v in "${victims[@]}"; do
    pid="${v%%:*}"
    log "killing leftover ${v#*:} (pid $pid) and its children"
    kill_trees "$pid"
    found=1
  done
  if ((found)); then sleep 0.5; fi
  return 0
}

# Unmounts everything mounted under $1 (default: the state dir), deepest first: overlay2 layers, shm,
# netns files, the bind mount c/storage makes of its own overlay folder; so that `rm -rf STATE` works.
unmount_all() {
  local dir="${1:-$STATE}" mp i mps
  # Mount points below $dir; with an argument also $dir itself (dockerd bind-mounts its data root
  # onto itself). The state dir itself is left alone: it may be a tmpfs the caller mounted.
  local sel='index($5, d "/") == 1'
  [[ $# -gt 0 ]] && sel='$5 == d || index($5, d "/") == 1'
  for i in 1 2 3; do
    mapfile -t mps < <(awk -v d="$dir" "$sel { print \$5 }" /proc/self/mountinfo | sort -r)
    ((${#mps[@]} == 0)) && return 0
    for mp in "${mps[@]}"; do
      mp="$(printf '%b' "$mp")" # mountinfo escapes spaces etc. as \040
      umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
    done
  done
  if awk -v d="$dir" "$sel { found = 1 } END { exit !found }" /proc/self/mountinfo; then
    log "WARNING: mounts remain under $dir:"
    awk -v d="$dir" "$sel { print \"  \" \$5 }" /proc/self/mountinfo >&2
  fi
}

# --- probes ------------------------------------------------------------------------------------------

sock_ping() { [[ -S "$1" ]] && [[ "$(curl -sS --max-time 3 --unix-socket "$1" http://localhost/_ping 2>/dev/null)" == OK ]]; }
docker_ok() { sock_ping "$DOCKER_SOCK"; }
podman_ok() { sock_ping "$PODMAN_SOCK"; }
registry_port() { [[ -s "$REGISTRY_PORT_FILE" ]] && tr -dc '0-9' <"$REGISTRY_PORT_FILE"; }
registry_ok() {
  local port
  port="$(registry_port)" || return 1
  [[ -n "$port" ]] && curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$port/v2/"
}

# wait_until NAME PIDFILE LOGFILE CHECK...: polls CHECK until it succeeds; fails if the process dies or
# START_TIMEOUT passes.
wait_until() {
  local name="$1" pidfile="$2" logfile="$3" deadline
  shift 3
  deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if "$@"; then return 0; fi
    if [[ -s "$pidfile" ]] && ! live_pid "$pidfile" >/dev/null; then
      log "$name exited during start-up; last lines of $logfile:"
      tail -n 25 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "$name did not answer within ${START_TIMEOUT}s; last lines of $logfile:"
  tail -n 25 "$logfile" >&2 || true
  return 1
}

# reported_port NAME PIDFILE LOGFILE FIRST_LINE TEXT: for a daemon told to listen on 127.0.0.1:0, waits
# until LOGFILE (from line FIRST_LINE on) shows TEXT followed by 127.0.0.1:PORT and prints PORT; fails,
# showing the log, if the process dies or START_TIMEOUT passes first.
reported_port() {
  local name="$1" pidfile="$2" logfile="$3" first="$4" text="$5" deadline=$((SECONDS + START_TIMEOUT)) port
  while ((SECONDS < deadline)); do
    port="$(tail -n "+$first" "$logfile" | grep -oE "${text}127\.0\.0\.1:[0-9]+" | head -n 1 | sed 's/.*://')" || true
    if [[ -n "$port" ]]; then
      printf '%s\n' "$port"
      return 0
    fi
    live_pid "$pidfile" >/dev/null || break
    sleep 0.1
  done
  log "$name did not report its port; last lines of $logfile:"
  tail -n 25 "$logfile" >&2 || true
  return 1
}

need() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found: apt-get install --no-install-recommends $pkg"
}

# --- dockerd -----------------------------------------------------------------------------------------

start_dockerd_with() {
  local driver="$1"
  rm -f "$DOCKER_SOCK" "$DOCKERD_PID"
  printf '\n==== %s: starting dockerd, storage driver %s\n' "$(date -u +%FT%TZ)" "$driver" >>"$DOCKERD_LOG"
  # Our own (empty) daemon.json so a developer's /etc/docker/daemon.json cannot change the daemon.
  # --containerd-namespace: if a system containerd runs at /run/containerd/containerd.sock, dockerd
  # 20.10 uses it instead of starting its own; the namespaces keep our containers apart from it.
  setsid dockerd \
    --config-file "$STATE/daemon.json" \
    --host "unix://$DOCKER_SOCK" \
    --data-root "$STATE/docker" \
    --exec-root "$STATE/exec" \
    --pidfile "$DOCKERD_PID" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --storage-driver "$driver" \
    --containerd-namespace airgap-services \
    --containerd-plugins-namespace airgap-services-plugins \
    --shutdown-timeout 5 \
    </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
  local launcher=$!
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if docker_ok; then
      printf '%s\n' "$driver" >"$DOCKER_DRIVER_FILE"
      return 0
    fi
    if ! alive "$launcher"; then
      log "dockerd with storage driver '$driver' exited: $(grep -E 'level=(fatal|error)|failed to start' "$DOCKERD_LOG" | tail -n 1 | cut -c1-300)"
      return 1
    fi
    sleep 0.2
  done
  log "dockerd did not answer /_ping within ${START_TIMEOUT}s; last lines of $DOCKERD_LOG:"
  tail -n 25 "$DOCKERD_LOG" >&2 || true
  kill -TERM "$launcher" 2>/dev/null || true
  return 2
}

start_dockerd() {
  if live_pid "$DOCKERD_PID" >/dev/null; then
    if wait_until dockerd "$DOCKERD_PID" "$DOCKERD_LOG" docker_ok; then
      log "dockerd already running (pid $(live_pid "$DOCKERD_PID"))"
      return 0
    fi
    die "dockerd (pid $(live_pid "$DOCKERD_PID")) runs but does not answer; run '$0 stop' and retry"
  fi
  need dockerd docker.io
  # Left over from a dockerd that was killed (e.g. the session ended): its helpers and mounts.
  sweep_processes dockerd
  unmount_all "$STATE/docker"
  unmount_all "$STATE/exec"
  [[ -s "$STATE/daemon.json" ]] || printf '{}\n' >"$STATE/daemon.json"

  local drivers=() d rc
  if [[ -n "${AIRGAP_DOCKER_STORAGE_DRIVER:-}" ]]; then
    drivers=("$AIRGAP_DOCKER_STORAGE_DRIVER")
  else
    [[ -s "$DOCKER_DRIVER_FILE" ]] && drivers+=("$(cat "$DOCKER_DRIVER_FILE")")
    drivers+=(overlay2)
    command -v fuse-overlayfs >/dev/null 2>&1 && [[ -e /dev/fuse ]] && drivers+=(fuse-overlayfs)
    drivers+=(vfs)
  fi
  local tried=" "
  for d in "${drivers[@]}"; do
    [[ "$tried" == *" $d "* ]] && continue
    tried+="$d "
    rc=0
    start_dockerd_with "$d" || rc=$?
    if ((rc == 0)); then
      log "dockerd up on unix://$DOCKER_SOCK (pid $(live_pid "$DOCKERD_PID" || echo '?'), storage driver $d)"
      return 0
    fi
    ((rc == 1)) || die "dockerd failed to start (log: $DOCKERD_LOG)"
    unmount_all "$STATE/docker"
    unmount_all "$STATE/exec"
  done
  log "last lines of $DOCKERD_LOG:"
  tail -n 25 "$DOCKERD_LOG" >&2 || true
  die "dockerd failed with every storage driver tried:$tried(log: $DOCKERD_LOG)"
}

# --- registry ----------------------------------------------------------------------------------------

start_registry() {
  if live_pid "$REGISTRY_PID" >/dev/null && registry_ok; then
    log "registry already running on 127.0.0.1:$(registry_port) (pid $(live_pid "$REGISTRY_PID"))"
    return 0
  fi
  need docker-registry docker-registry
  if pid="$(live_pid "$REGISTRY_PID")"; then terminate "$pid" 5; fi
  rm -f "$REGISTRY_PID" "$REGISTRY_PORT_FILE"
  mkdir -p "$STATE/registry"
  # Port 0: the kernel picks a free port (no race); the registry logs "listening on 127.0.0.1:PORT".
  cat >"$REGISTRY_CONF" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: airgap-test-registry
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  printf '\n==== %s: starting registry\n' "$(date -u +%FT%TZ)" >>"$REGISTRY_LOG"
  local start_line
  start_line=$(($(wc -l <"$REGISTRY_LOG") + 1))
  setsid docker-registry serve "$REGISTRY_CONF" </dev/null >>"$REGISTRY_LOG" 2>&1 9>&- &
  echo $! >"$REGISTRY_PID"
  local port
  port="$(reported_port registry "$REGISTRY_PID" "$REGISTRY_LOG" "$start_line" 'listening on ')" || die "registry failed to start"
  printf '%s\n' "$port" >"$REGISTRY_PORT_FILE"
  wait_until registry "$REGISTRY_PID" "$REGISTRY_LOG" registry_ok || die "registry failed to start"
  log "registry up on 127.0.0.1:$port (pid $(live_pid "$REGISTRY_PID"), storage $STATE/registry)"
}

# --- podman ------------------------------------------------------------------------------------------

podman_args() {
  local driver="$1"
  printf '%s\n' --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp" \
    --volumepath "$PODMAN_DIR/volumes" --network-config-dir "$PODMAN_DIR/networks" \
    --cgroup-manager cgroupfs --events-backend file --runtime runc --storage-driver "$driver"
}

start_podman_with() {
  local driver="$1" args
  rm -f "$PODMAN_SOCK" "$PODMAN_PID"
  mkdir -p "$PODMAN_DIR/tmp" "$PODMAN_DIR/networks"
  # Private storage.conf/registries.conf: a developer's /etc/containers config cannot leak in, nothing
  # is ever looked up on docker.io, and the test registry counts as plain-HTTP ("insecure").
  cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "$driver"
runroot = "$PODMAN_DIR/run"
graphroot = "$PODMAN_DIR/root"
EOF
  local port
  port="$(registry_port 2>/dev/null)" || port=""
  {
    echo 'unqualified-search-registries = []'
    if [[ -n "$port" ]]; then
      printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port"
    fi
  } >"$PODMAN_DIR/registries.conf"
  mapfile -t args < <(podman_args "$driver")
  printf '\n==== %s: starting podman service, storage driver %s\n' "$(date -u +%FT%TZ)" "$driver" >>"$PODMAN_LOG"
  CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$PODMAN_DIR/registries.conf" \
    TMPDIR="$PODMAN_DIR/tmp" \
    setsid podman "${args[@]}" system service --time=0 "unix://$PODMAN_SOCK" \
    </dev/null >>"$PODMAN_LOG" 2>&1 9>&- &
  echo $! >"$PODMAN_PID"
  if wait_until podman "$PODMAN_PID" "$PODMAN_LOG" podman_ok; then
    printf '%s\n' "$driver" >"$PODMAN_DIR/storage-driver"
    return 0
  fi
  if pid="$(live_pid "$PODMAN_PID")"; then terminate "$pid" 5; fi
  return 1
}

start_podman() {
  if live_pid "$PODMAN_PID" >/dev/null && podman_ok; then
    log "podman service already running (pid $(live_pid "$PODMAN_PID"))"
    return 0
  fi
  need podman podman
  need runc runc
  if pid="$(live_pid "$PODMAN_PID")"; then terminate "$pid" 5; fi
  sweep_processes podman
  unmount_all "$PODMAN_DIR"
  local drivers=() d tried=" "
  if [[ -n "${AIRGAP_PODMAN_STORAGE_DRIVER:-}" ]]; then
    drivers=("$AIRGAP_PODMAN_STORAGE_DRIVER")
  else
    [[ -s "$PODMAN_DIR/storage-driver" ]] && drivers+=("$(cat "$PODMAN_DIR/storage-driver")")
    drivers+=(overlay vfs)
  fi
  for d in "${drivers[@]}"; do
    [[ "$tried" == *" $d "* ]] && continue
    tried+="$d "
    if start_podman_with "$d"; then
      log "podman service up on unix://$PODMAN_SOCK (pid $(live_pid "$PODMAN_PID"), storage driver $d)"
      return 0
    fi
    log "podman service with storage driver '$d' failed"
  done
  die "podman service failed with every storage driver tried:$tried(log: $PODMAN_LOG)"
}

# --- env ---------------------------------------------------------------------------------------------

write_env() {
  local tmp="$ENV_FILE.tmp"
  {
    printf 'export DOCKER_HOST=%q\n' "unix://$DOCKER_SOCK"
    printf 'export AIRGAP_TEST_REGISTRY=%q\n' "127.0.0.1:$(registry_port)"
    if live_pid "$PODMAN_PID" >/dev/null && podman_ok; then
      printf 'export AIRGAP_TEST_PODMAN_HOST=%q\n' "unix://$PODMAN_SOCK"
    fi
    identity_env
    remote_env
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# --- commands ----------------------------------------------------------------------------------------

lock_state() {
  exec 9>"$STATE/.lock"
  flock -w 180 9 || die "another '$0' is busy with $STATE (lock held for 180s)"
}

check_state_path() {
  [[ "$STATE" == /* ]] || die "AIRGAP_SERVICES_DIR must be an absolute path (got '$STATE')"
  [[ "$STATE" != / && "$STATE" != /tmp && "$STATE" != /root && "$STATE" != /home ]] ||
    die "refusing to use '$STATE' as the state dir; pick a dedicated folder"
  # containerd's ttrpc socket lives at STATE/exec/containerd/containerd.sock.ttrpc; unix socket paths
  # are limited to 107 bytes.
  ((${#STATE} <= 64)) || die "state dir path too long (${#STATE} > 64 chars) for unix sockets: $STATE"
}

cmd_start() {
  local with_podman=0 with_identity=0 with_remote=0 arg
  for arg in "$@"; do
    case "$arg" in
      --podman) with_podman=1 ;;
      --identity) with_identity=1 ;;
      --remote) with_remote=1 ;;
      *) usage ;;
    esac
  done
  [[ "$(id -u)" == 0 ]] || die "must run as root (dockerd and podman here run rootful)"
  need curl curl
  need flock util-linux
  check_state_path
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  lock_state
  local t0=$SECONDS
  start_dockerd
  start_registry
  ((with_podman)) && start_podman
  ((with_identity)) && start_identity
  # The remote nodes are extra: if they fail, the engine and registry still serve the other tests
  # (those that need a node say they skip), and `smoke` reports the failure.
  if ((with_remote)); then
    rm -f "$REMOTE_DIR/failed"
    if ! (start_remote); then
      log "WARNING: the remote nodes did not start (see above); tests that need them will say they skip"
      mkdir -p "$REMOTE_DIR"
      : >"$REMOTE_DIR/failed"
    fi
  fi
  write_env
  log "ready in $((SECONDS - t0))s; env written to $ENV_FILE"
  cat "$ENV_FILE"
}

cmd_env() {
  docker_ok && registry_ok || die "services are not running; run '$0 start'"
  write_env
  cat "$ENV_FILE"
}

cmd_status() {
  local ok=0 pid
  if pid="$(live_pid "$DOCKERD_PID")" && docker_ok; then
    log "dockerd:  running (pid $pid) unix://$DOCKER_SOCK, storage driver $(cat "$DOCKER_DRIVER_FILE" 2>/dev/null || echo '?')"
  else
    log "dockerd:  not running"
    ok=1
  fi
  if pid="$(live_pid "$REGISTRY_PID")" && registry_ok; then
    log "registry: running (pid $pid) http://127.0.0.1:$(registry_port)/v2/"
  else
    log "registry: not running"
    ok=1
  fi
  if pid="$(live_pid "$PODMAN_PID")" && podman_ok; then
    log "podman:   running (pid $pid) unix://$PODMAN_SOCK"
  else
    log "podman:   not running"
  fi
  identity_status
  remote_status
  return "$ok"
}

# Force-removes every container of our dockerd, through the API (no docker CLI needed).
docker_remove_all() {
  local ids id
  ids="$(curl -sS --max-time 10 --unix-socket "$DOCKER_SOCK" 'http://localhost/containers/json?all=1' |
    grep -oE '"Id":"[0-9a-f]{64}"' | cut -d'"' -f4)" || return 0
  for id in $ids; do
    curl -sS -o /dev/null --max-time 30 -X DELETE --unix-socket "$DOCKER_SOCK" \
      "http://localhost/containers/$id?force=1&v=1" || true
  done
}

cmd_stop() {
  [[ -d "$STATE" ]] || {
    log "nothing to stop ($STATE does not exist)"
    return 0
  }
  lock_state
  local pid name i pids=() names=()
  # Podman's service does not stop containers when it exits (conmon keeps them), so remove them first.
  if live_pid "$PODMAN_PID" >/dev/null && podman_ok && command -v podman >/dev/null 2>&1; then
    podman --url "unix://$PODMAN_SOCK" rm --all --force --time 0 >/dev/null 2>&1 || true
    podman --url "unix://$PODMAN_SOCK" pod rm --all --force >/dev/null 2>&1 || true
  fi
  # dockerd would stop its containers on SIGTERM (5 s each for a PID 1 that ignores TERM); removing
  # them first is quicker. dockerd then takes its managed containerd down with it.
  if live_pid "$DOCKERD_PID" >/dev/null && docker_ok; then docker_remove_all; fi
  remote_stop
  # TERM all at once, then wait for each (KILL after its grace period).
  for name in podman dockerd registry; do
    case "$name" in
      podman) pid="$(live_pid "$PODMAN_PID")" || continue ;;
      dockerd) pid="$(live_pid "$DOCKERD_PID")" || continue ;;
      registry) pid="$(live_pid "$REGISTRY_PID")" || continue ;;
    esac
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$name")
  done
  while read -r pid name; do
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$name")
  done < <(identity_pids)
  for i in "${!pids[@]}"; do
    terminate "${pids[$i]}" 40
    log "${names[$i]} stopped"
  done
  sweep_processes
  unmount_all
  rm -f "$DOCKER_SOCK" "$PODMAN_SOCK" "$DOCKERD_PID" "$REGISTRY_PID" "$PODMAN_PID" "$REGISTRY_PORT_FILE" "$ENV_FILE"
  identity_forget
  remote_forget
  log "stopped (data and logs kept in $STATE; '$0 clean' deletes them)"
}

# Proves that containers really run: builds a FROM-scratch image holding Debian's static busybox, runs
# it hardened on dockerd, and (when the podman service runs) loads the same image there and runs it.
cmd_smoke() {
  docker_ok || die "dockerd is not running; run '$0 start'"
  need docker docker.io
  [[ -x /bin/busybox ]] || die "/bin/busybox not found: apt-get install busybox-static"
  local dir img=airgap-services-smoke:busybox out
  dir="$(mktemp -d)"
  SMOKE_DIR="$dir"
  trap 'rm -rf "$SMOKE_DIR"' EXIT
  cp /bin/busybox "$dir/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nUSER 65534:65534\n' >"$dir/Dockerfile"
  export DOCKER_HOST="unix://$DOCKER_SOCK"
  docker build -q -t "$img" "$dir" >/dev/null 2>"$dir/build.err" || {
    cat "$dir/build.err" >&2
    die "docker build failed"
  }
  local hardening=(--rm --network none --read-only --cap-drop ALL --security-opt no-new-privileges
    --user 65534:65534 --tmpfs /tmp --ulimit nofile=1024:1024 --ulimit nproc=256:256 --pids-limit 64 --memory 64m)
  out="$(docker run "${hardening[@]}" "$img" /bin/busybox echo hi)" || die "docker run failed"
  [[ "$out" == hi ]] || die "docker run printed '$out', expected 'hi'"
  log "smoke: dockerd built and ran a FROM-scratch busybox image"
  if live_pid "$PODMAN_PID" >/dev/null && podman_ok; then
    docker save "$img" -o "$dir/img.tar"
    podman --url "unix://$PODMAN_SOCK" load -q -i "$dir/img.tar" >/dev/null || die "podman load failed"
    out="$(podman --url "unix://$PODMAN_SOCK" run "${hardening[@]}" "localhost/$img" /bin/busybox echo hi)" ||
      die "podman run failed"
    [[ "$out" == hi ]] || die "podman run printed '$out', expected 'hi'"
    log "smoke: podman loaded the image and ran it"
  fi
  identity_smoke
  remote_smoke
}

cmd_clean() {
  cmd_stop
  check_state_path
  exec 9>&-
  rm -rf "$STATE"
  log "removed $STATE"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    clean) cmd_clean ;;
    smoke) cmd_smoke ;;
    *) usage ;;
  esac
}

main "$@"
