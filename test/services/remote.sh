# Remote engines and SSH test hosts for the integration tests (issues 17 and 18), sourced by
# test/services.sh (start --remote). Each node lives in a network namespace of its own, made here
# (`ip netns add`, a veth pair with a /30 out of 10.X.Y.0/24, X.Y derived from the state dir):
#   sd  a second dockerd reachable only through sshd (Debian openssh-server, private config and host
#       key): the client's key may only run `docker system dial-stdio` against that dockerd
#   sp  a Podman API service reachable only through sshd, as a forwarded unix socket
#       (direct-streamlocal, `ssh -L local.sock:remote.sock`); that key may open no session
#   tl  a dockerd with --tlsverify on tcp://10.X.Y.10:2376, CA, server and client certificates by openssl
#   tg  an sshd "target host" trusting the user CAs a test writes to TrustedUserCAKeys, principals per
#       AuthorizedPrincipalsFile; reachable from the host and from containers on the internal docker
#       network airgap-test-targets of the main dockerd (a bridge without an address on the host)
# plus a softhsm2 token (PKCS#11) and an image with an ssh client built from Debian's packages with
# mmdebstrap (cached under /var/cache/airgap-test-images). See docs/dev-services.md ("Remote engines").
# Uses the helpers of services.sh (log, die, need, live_pid, alive, terminate, wait_until, sock_ping,
# STATE, DOCKER_SOCK, DOCKER_DRIVER_FILE).

REMOTE_DIR="$STATE/remote"
REMOTE_NET_FILE="$REMOTE_DIR/net"
REMOTE_CLIENT="$REMOTE_DIR/client"
REMOTE_TLS="$REMOTE_DIR/tls"
REMOTE_HSM="$REMOTE_DIR/softhsm"
REMOTE_TARGET="$REMOTE_DIR/tg"
REMOTE_TARGET_NETWORK=airgap-test-targets
REMOTE_IMAGE_NAME=airgap-test-ssh:bookworm
REMOTE_IMAGE_CACHE="${AIRGAP_TEST_IMAGE_CACHE:-/var/cache/airgap-test-images}"
# What goes into the ssh image; the cache key is a hash of this line and the build steps' version.
REMOTE_IMAGE_PACKAGES=openssh-client,base-files,base-passwd,dash,coreutils
REMOTE_IMAGE_RECIPE="v1 bookworm extract $REMOTE_IMAGE_PACKAGES user=65534:65534"
REMOTE_NODES=(sd sp tl tg)

# --- names and addresses -----------------------------------------------------------------------------

# 8 hex digits of the state dir's path: namespace, interface and bridge names, and the subnet.
remote_hash() { printf '%s' "$STATE" | sha256sum | cut -c1-8; }

# Sets REMOTE_NET (10.X.Y), REMOTE_NS_<node> and REMOTE_IF_<node>. The subnet is chosen once per state
# dir (stable across restarts, so pinned addresses stay valid) and skips a 10.X.Y.0/24 the host already
# uses for an address or a route that is not ours.
remote_names() {
  local h
  h="$(remote_hash)"
  REMOTE_H="$h"
  REMOTE_BRIDGE="ag${h}br"
  local n
  for n in "${REMOTE_NODES[@]}"; do
    printf -v "REMOTE_NS_$n" 'agr-%s-%s' "$h" "$n"
    printf -v "REMOTE_IF_$n" 'ag%s%s' "$h" "$n"
  done
  if [[ -s "$REMOTE_NET_FILE" ]]; then
    REMOTE_NET="$(cat "$REMOTE_NET_FILE")"
    return 0
  fi
  local x=$((0x${h:0:2} % 100 + 100)) y=$((0x${h:2:2})) i
  for ((i = 0; i < 256; i++)); do
    REMOTE_NET="10.$x.$(((y + i) % 256))"
    if ! ip -4 -o addr show | grep -F " $REMOTE_NET." >/dev/null && ! ip -4 route show | grep -E "^$REMOTE_NET\." >/dev/null; then
      mkdir -p "$REMOTE_DIR"
      printf '%s\n' "$REMOTE_NET" >"$REMOTE_NET_FILE"
      return 0
    fi
  done
  die "no free 10.$x.*.0/24 subnet for the remote test nodes"
}

# Address of a node inside its namespace, and of the host end of its veth (/30 each).
remote_addr() {
  case "$1" in
    sd) printf '%s.2\n' "$REMOTE_NET" ;;
    sp) printf '%s.6\n' "$REMOTE_NET" ;;
    tl) printf '%s.10\n' "$REMOTE_NET" ;;
    tg) printf '%s.14\n' "$REMOTE_NET" ;;
  esac
}
remote_host_addr() {
  local a
  a="$(remote_addr "$1")"
  printf '%s.%s\n' "${a%.*}" "$((${a##*.} - 1))"
}
# The target host's address on the docker network airgap-test-targets (10.X.Y.64/26; containers get
# 10.X.Y.80-95; .65 is the gateway docker insists on, never assigned to anything).
remote_target_net_addr() { printf '%s.126\n' "$REMOTE_NET"; }

remote_ns() { local v="REMOTE_NS_$1"; printf '%s\n' "${!v}"; }
remote_if() { local v="REMOTE_IF_$1"; printf '%s\n' "${!v}"; }
# Runs a command in a node's network namespace only (same mount namespace, same filesystem).
remote_in() {
  local ns
  ns="$(remote_ns "$1")"
  shift
  nsenter --net="/run/netns/$ns" "$@"
}

# --- network namespaces --------------------------------------------------------------------------------

# Kills every process left in a namespace of ours (a killed session's sshd, dockerd, containerd, shims
# and their containers), then deletes the namespace; the veth pairs go with it.
remote_ns_delete() {
  local ns="$1" pids i
  [[ -e "/run/netns/$ns" ]] || return 0
  for i in 1 2 3; do
    mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
    ((${#pids[@]} > 0)) || break
    ((i == 1)) && log "killing processes left in network namespace $ns: ${pids[*]}"
    kill_trees "${pids[@]}"
    sleep 0.3
  done
  ip netns del "$ns" 2>/dev/null || log "WARNING: could not delete network namespace $ns"
}

remote_ns_create() {
  local node="$1" ns ifname addr host
  ns="$(remote_ns "$node")"
  ifname="$(remote_if "$node")"
  addr="$(remote_addr "$node")"
  host="$(remote_host_addr "$node")"
  if [[ -e "/run/netns/$ns" ]] && ip -n "$ns" -4 -o addr show dev eth0 2>/dev/null | grep -F " $addr/30" >/dev/null; then
    # Up again, in case a test cut the node off (`ip -n NS link set eth0 down`) and did not restore it.
    ip -n "$ns" link set eth0 up
    ip link set "$ifname" up
    return 0
  fi
  remote_ns_delete "$ns"
  ip link del "$ifname" 2>/dev/null || true
  ip netns add "$ns"
  ip link add "$ifname" type veth peer name "${ifname}n"
  ip link set "${ifname}n" netns "$ns"
  ip -n "$ns" link set "${ifname}n" name eth0
  ip -n "$ns" addr add "$addr/30" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip addr add "$host/30" dev "$ifname"
  ip link set "$ifname" up
}

# --- keys and certificates ---------------------------------------------------------------------------

# The product's client key (the tests import it into the vault) and the files that pin the nodes.
remote_client_keys() {
  mkdir -p "$REMOTE_CLIENT"
  [[ -s "$REMOTE_CLIENT/id_ed25519" ]] ||
    ssh-keygen -q -t ed25519 -N '' -C airgap-runner-test-client -f "$REMOTE_CLIENT/id_ed25519" || die "ssh-keygen failed"
  chmod 600 "$REMOTE_CLIENT/id_ed25519"
}

remote_host_key() {
  local dir="$1"
  [[ -s "$dir/ssh_host_ed25519_key" ]] ||
    ssh-keygen -q -t ed25519 -N '' -C "airgap-test-host-$(basename "$dir")" -f "$dir/ssh_host_ed25519_key" || die "ssh-keygen failed"
  chmod 600 "$dir/ssh_host_ed25519_key"
}

# known_hosts (every node and the target) and an ssh_config with one Host entry per node, for tests
# and tools that use OpenSSH's client: `ssh -F $AIRGAP_TEST_NODE_SSH_CONFIG node-sd`.
remote_client_files() {
  local kh="$REMOTE_CLIENT/known_hosts" cfg="$REMOTE_CLIENT/ssh_config" n dir
  : >"$kh.tmp"
  for n in sd sp tg; do
    dir="$REMOTE_DIR/$n"
    printf '%s %s\n' "$(remote_addr "$n")" "$(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$kh.tmp"
  done
  printf '%s %s\n' "$(remote_target_net_addr)" "$(cut -d' ' -f1,2 "$REMOTE_TARGET/ssh_host_ed25519_key.pub")" >>"$kh.tmp"
  mv -f "$kh.tmp" "$kh"
  {
    for n in sd sp tg; do
      cat <<EOF
Host node-$n $(remote_addr "$n")
  HostName $(remote_addr "$n")
  User root
  Port 22
EOF
    done
    cat <<EOF
Host *
  IdentityFile $REMOTE_CLIENT/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $kh
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  ConnectTimeout 10
  ServerAliveInterval 10
EOF
  } >"$cfg"
}

# A CA, a server certificate for the TLS node's address, and a client certificate (EC P-256, 30 days;
# made again when fewer than 2 days are left). Client files use Docker's names, so the folder works as
# DOCKER_CERT_PATH.
remote_tls_certs() {
  local addr="$1" d="$REMOTE_TLS"
  mkdir -p "$d/client" "$d/server"
  if [[ -s "$d/ca.pem" && -s "$d/server/cert.pem" && -s "$d/client/cert.pem" ]] &&
    openssl x509 -checkend 172800 -noout -in "$d/server/cert.pem" >/dev/null 2>&1 &&
    openssl x509 -noout -ext subjectAltName -in "$d/server/cert.pem" 2>/dev/null | grep -F "IP Address:$addr" >/dev/null; then
    return 0
  fi
  local serial ext
  ext="$(mktemp "$d/ext.XXXXXX")"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 30 -nodes \
      -subj '/CN=Airgap Runner test node CA' -keyout "$d/ca-key.pem" -out "$d/ca.pem" \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:%s\n' "$addr" >"$ext"
    serial="0x$(openssl rand -hex 12)"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -subj '/CN=airgap-test-node-tls' \
      -keyout "$d/server/key.pem" |
      openssl x509 -req -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -set_serial "$serial" -days 30 -sha256 -extfile "$ext" -out "$d/server/cert.pem"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$ext"
    serial="0x$(openssl rand -hex 12)"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -subj '/CN=airgap-runner-test-client' \
      -keyout "$d/client/key.pem" |
      openssl x509 -req -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -set_serial "$serial" -days 30 -sha256 -extfile "$ext" -out "$d/client/cert.pem"
  } >>"$d/openssl.log" 2>&1 || die "openssl could not make the TLS node's certificates (log: $d/openssl.log)"
  rm -f "$ext"
  cp "$d/ca.pem" "$d/client/ca.pem"
  chmod 600 "$d/ca-key.pem" "$d/server/key.pem" "$d/client/key.pem"
}

# --- sshd ----------------------------------------------------------------------------------------------

# Writes an sshd_config for a node: public key only, nothing but what the node is for. StrictModes is
# off because the state dir usually sits below /tmp (world-writable), which StrictModes rejects for
# AuthorizedKeysFile/AuthorizedPrincipalsFile; every file here is root's, in a 0700 dir.
remote_sshd_config() {
  local node="$1" dir="$REMOTE_DIR/$1" extra="$2"
  cat >"$dir/sshd_config.new" <<EOF
# Written by test/services.sh (remote.sh); sshd -f this -D -e, in network namespace $(remote_ns "$node")
Port 22
$extra
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
GSSAPIAuthentication no
PermitEmptyPasswords no
PermitUserEnvironment no
PermitUserRC no
PermitTTY no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
PermitTunnel no
GatewayPorts no
PrintMotd no
PrintLastLog no
Banner none
LogLevel VERBOSE
LoginGraceTime 20
ClientAliveInterval 15
MaxStartups 50:30:200
MaxSessions 50
EOF
}

remote_sshd_ok() {
  local node="$1" line
  line="$(remote_in "$node" timeout 5 bash -c "exec 3<>/dev/tcp/$2/22 && head -c 8 <&3" 2>/dev/null)" || return 1
  [[ "$line" == SSH-2.0* ]]
}

remote_start_sshd() {
  local node="$1" dir="$REMOTE_DIR/$1" addr="$2"
  # A changed config (a newer version of this script) means a restart.
  if cmp -s "$dir/sshd_config.new" "$dir/sshd_config"; then
    rm -f "$dir/sshd_config.new"
    if live_pid "$dir/sshd.pid" >/dev/null && remote_sshd_ok "$node" "$addr"; then return 0; fi
  else
    mv -f "$dir/sshd_config.new" "$dir/sshd_config"
  fi
  if pid="$(live_pid "$dir/sshd.pid")"; then terminate "$pid" 5; fi
  rm -f "$dir/sshd.pid"
  # Privilege separation needs /run/sshd (Debian's unit makes it; here nothing does).
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  sshd -t -f "$dir/sshd_config" 2>>"$dir/sshd.log" || die "sshd rejects $dir/sshd_config (log: $dir/sshd.log)"
  printf '\n==== %s: starting sshd\n' "$(date -u +%FT%TZ)" >>"$dir/sshd.log"
  remote_in "$node" setsid /usr/sbin/sshd -D -e -f "$dir/sshd_config" </dev/null >>"$dir/sshd.log" 2>&1 9>&- &
  wait_until "sshd ($node)" "$dir/sshd.pid" "$dir/sshd.log" remote_sshd_ok "$node" "$addr" || die "sshd of node $node failed to start"
}

# --- dockerd nodes -------------------------------------------------------------------------------------

# A dockerd in a node's namespace: data root under $STATE/remote/<node>, exec root $STATE/rx-<node>
# (short: containerd's socket path below it must stay under 108 bytes).
remote_start_dockerd() {
  local node="$1" dir="$REMOTE_DIR/$1" exec_root="$STATE/rx-$1"
  shift
  local sock="$dir/docker.sock"
  if live_pid "$dir/dockerd.pid" >/dev/null && sock_ping "$sock"; then return 0; fi
  if pid="$(live_pid "$dir/dockerd.pid")"; then terminate "$pid" 20; fi
  unmount_all "$dir/docker"
  unmount_all "$exec_root"
  rm -f "$sock" "$dir/dockerd.pid"
  [[ -s "$dir/daemon.json" ]] || printf '{}\n' >"$dir/daemon.json"
  local driver
  driver="$(cat "$DOCKER_DRIVER_FILE" 2>/dev/null || echo overlay2)"
  printf '\n==== %s: starting dockerd, storage driver %s\n' "$(date -u +%FT%TZ)" "$driver" >>"$dir/dockerd.log"
  remote_in "$node" setsid dockerd \
    --config-file "$dir/daemon.json" \
    --host "unix://$sock" "$@" \
    --data-root "$dir/docker" \
    --exec-root "$exec_root" \
    --pidfile "$dir/dockerd.pid" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --storage-driver "$driver" \
    --containerd-namespace "airgap-node-$node" \
    --containerd-plugins-namespace "airgap-node-$node-plugins" \
    --shutdown-timeout 5 \
    </dev/null >>"$dir/dockerd.log" 2>&1 9>&- &
  wait_until "dockerd ($node)" "$dir/dockerd.pid" "$dir/dockerd.log" sock_ping "$sock" || die "dockerd of node $node failed to start"
}

# A node is one unit: when its daemon or its sshd is not answering (a killed session, a crash), its
# namespace is deleted with everything in it, and the node starts over.
remote_node_reset() {
  local node="$1"
  shift
  if "$@"; then return 0; fi
  remote_ns_delete "$(remote_ns "$node")"
  unmount_all "$REMOTE_DIR/$node"
  unmount_all "$STATE/rx-$node"
  # The exec root is runtime state; a killed containerd's pidfile there (its pid maybe still a zombie,
  # or reused) makes the next dockerd wait for it ("containerd is still running") until it times out.
  rm -rf --one-file-system "$STATE/rx-$node"
  rm -f "$REMOTE_DIR/$node"/{sshd,dockerd,podman}.pid "$REMOTE_DIR/$node"/*.sock
}
remote_node_ok() {
  local node="$1" daemon="$2" dir="$REMOTE_DIR/$1"
  live_pid "$dir/sshd.pid" >/dev/null || [[ "$node" == tl ]] || return 1
  case "$daemon" in
    dockerd) live_pid "$dir/dockerd.pid" >/dev/null && sock_ping "$dir/docker.sock" ;;
    podman) live_pid "$dir/podman.pid" >/dev/null && sock_ping "$dir/podman.sock" ;;
    *) return 0 ;;
  esac
}

start_remote_sd() {
  local dir="$REMOTE_DIR/sd" addr
  addr="$(remote_addr sd)"
  mkdir -p "$dir"
  remote_node_reset sd remote_node_ok sd dockerd
  remote_ns_create sd
  remote_start_dockerd sd
  remote_host_key "$dir"
  # The client's key may do one thing: talk to this dockerd through `docker system dial-stdio` (what
  # `docker -H ssh://` and dockerode's ssh protocol run). `restrict`: no pty, forwarding, agent, rc.
  printf 'restrict,command="/usr/bin/docker -H unix://%s system dial-stdio" %s\n' "$dir/docker.sock" \
    "$(cat "$REMOTE_CLIENT/id_ed25519.pub")" >"$dir/authorized_keys"
  remote_sshd_config sd "ListenAddress $addr
AuthorizedKeysFile $dir/authorized_keys
AllowStreamLocalForwarding no
DisableForwarding yes"
  remote_start_sshd sd "$addr"
  log "remote node sd: dockerd through ssh://root@$addr (netns $(remote_ns sd))"
}

remote_tls_ok() {
  curl -sf -o /dev/null --max-time 3 --cacert "$REMOTE_TLS/ca.pem" --cert "$REMOTE_TLS/client/cert.pem" \
    --key "$REMOTE_TLS/client/key.pem" "https://$1:2376/_ping"
}

start_remote_tl() {
  local dir="$REMOTE_DIR/tl" addr
  addr="$(remote_addr tl)"
  mkdir -p "$dir"
  remote_node_reset tl remote_node_ok tl dockerd
  remote_ns_create tl
  remote_tls_certs "$addr"
  if live_pid "$dir/dockerd.pid" >/dev/null && ! remote_tls_ok "$addr"; then terminate "$(live_pid "$dir/dockerd.pid")" 20; fi
  remote_start_dockerd tl --host "tcp://$addr:2376" --tlsverify \
    --tlscacert "$REMOTE_TLS/ca.pem" --tlscert "$REMOTE_TLS/server/cert.pem" --tlskey "$REMOTE_TLS/server/key.pem"
  wait_until "dockerd (tl)" "$dir/dockerd.pid" "$dir/dockerd.log" remote_tls_ok "$addr" || die "the TLS node does not answer on https://$addr:2376"
  log "remote node tl: dockerd on tcp://$addr:2376 with --tlsverify (netns $(remote_ns tl))"
}

# --- podman node ---------------------------------------------------------------------------------------

start_remote_sp() {
  local dir="$REMOTE_DIR/sp" addr pd
  addr="$(remote_addr sp)"
  pd="$dir/podman"
  mkdir -p "$pd/tmp" "$pd/networks"
  remote_node_reset sp remote_node_ok sp podman
  remote_ns_create sp
  if ! { live_pid "$dir/podman.pid" >/dev/null && sock_ping "$dir/podman.sock"; }; then
    if pid="$(live_pid "$dir/podman.pid")"; then terminate "$pid" 5; fi
    unmount_all "$pd"
    rm -f "$dir/podman.sock" "$dir/podman.pid"
    local driver=overlay
    [[ -s "$PODMAN_DIR/storage-driver" ]] && driver="$(cat "$PODMAN_DIR/storage-driver")"
    [[ -n "${AIRGAP_PODMAN_STORAGE_DRIVER:-}" ]] && driver="$AIRGAP_PODMAN_STORAGE_DRIVER"
    printf '[storage]\ndriver = "%s"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' "$driver" "$pd" "$pd" >"$pd/storage.conf"
    printf 'unqualified-search-registries = []\n' >"$pd/registries.conf"
    # Two tries: once in a CI run the service exited at start-up without a word in its log (not seen again).
    local try
    for try in 1 2; do
      printf '\n==== %s: starting podman service, storage driver %s (try %s)\n' "$(date -u +%FT%TZ)" "$driver" "$try" >>"$dir/podman.log"
      CONTAINERS_STORAGE_CONF="$pd/storage.conf" CONTAINERS_REGISTRIES_CONF="$pd/registries.conf" TMPDIR="$pd/tmp" \
        nsenter --net="/run/netns/$(remote_ns sp)" setsid podman --root "$pd/root" --runroot "$pd/run" --tmpdir "$pd/tmp" --volumepath "$pd/volumes" \
        --network-config-dir "$pd/networks" --cgroup-manager cgroupfs --events-backend file --runtime runc \
        --storage-driver "$driver" system service --time=0 "unix://$dir/podman.sock" \
        </dev/null >>"$dir/podman.log" 2>&1 9>&- &
      echo $! >"$dir/podman.pid"
      if wait_until "podman (sp)" "$dir/podman.pid" "$dir/podman.log" sock_ping "$dir/podman.sock"; then break; fi
      ((try < 2)) || die "podman of node sp failed to start"
      if pid="$(live_pid "$dir/podman.pid")"; then terminate "$pid" 5; fi
      rm -f "$dir/podman.sock" "$dir/podman.pid"
    done
  fi
  remote_host_key "$dir"
  # The key may open forwarding channels (the Podman socket) and no session: its forced command refuses
  # every one. sshd checks streamlocal opens against the same permission set as TCP ones, so
  # AllowTcpForwarding must be `local` too, and PermitOpen cannot name a socket path (it splits at
  # '/'): root's key can reach any socket and, from inside this namespace, TCP. A real node uses a
  # dedicated user who owns a rootless Podman socket (docs/dev-services.md, "Remote engines").
  printf 'restrict,port-forwarding,command="/bin/false" %s\n' "$(cat "$REMOTE_CLIENT/id_ed25519.pub")" >"$dir/authorized_keys"
  remote_sshd_config sp "ListenAddress $addr
AuthorizedKeysFile $dir/authorized_keys
AllowStreamLocalForwarding local
AllowTcpForwarding local"
  remote_start_sshd sp "$addr"
  log "remote node sp: podman through ssh://root@$addr$dir/podman.sock (forwarded socket; netns $(remote_ns sp))"
}

# --- SSH target host (issue 18) ------------------------------------------------------------------------

# The internal docker network on the MAIN dockerd through which task containers reach the target: a
# bridge with no address on the host (inhibit_ipv4), so containers on it reach the target and nothing
# else; the target's namespace does not forward.
remote_target_network() {
  local subnet="$REMOTE_NET.64/26" out
  out="$(DOCKER_HOST="unix://$DOCKER_SOCK" docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}} {{index .Options "com.docker.network.bridge.name"}}' "$REMOTE_TARGET_NETWORK" 2>/dev/null)" || out=""
  if [[ "$out" != "$subnet $REMOTE_BRIDGE" ]]; then
    [[ -n "$out" ]] && DOCKER_HOST="unix://$DOCKER_SOCK" docker network rm "$REMOTE_TARGET_NETWORK" >/dev/null
    DOCKER_HOST="unix://$DOCKER_SOCK" docker network create --internal --driver bridge \
      --subnet "$subnet" --ip-range "$REMOTE_NET.80/28" --gateway "$REMOTE_NET.65" \
      -o "com.docker.network.bridge.name=$REMOTE_BRIDGE" -o com.docker.network.bridge.inhibit_ipv4=true \
      --label airgap-test=target-network "$REMOTE_TARGET_NETWORK" >/dev/null || die "could not create the docker network $REMOTE_TARGET_NETWORK"
  fi
  # The bridge exists once dockerd made it; plug the target's second interface into it.
  local ns tb="${REMOTE_IF_tg}b"
  ns="$(remote_ns tg)"
  if ! ip -n "$ns" link show eth1 >/dev/null 2>&1; then
    ip link del "$tb" 2>/dev/null || true
    ip link add "$tb" type veth peer name "${tb}n"
    ip link set "${tb}n" netns "$ns"
    ip -n "$ns" link set "${tb}n" name eth1
    ip -n "$ns" addr add "$(remote_target_net_addr)/26" dev eth1
    ip -n "$ns" link set eth1 up
  fi
  ip link set "$tb" master "$REMOTE_BRIDGE" up || die "could not attach the target to bridge $REMOTE_BRIDGE"
}

start_remote_tg() {
  local dir="$REMOTE_TARGET" addr
  addr="$(remote_addr tg)"
  mkdir -p "$dir/principals"
  remote_node_reset tg remote_node_ok tg none
  remote_ns_create tg
  remote_target_network
  remote_host_key "$dir"
  # Written by the tests: one CA public key per line; principals/<user> lists the principals that may
  # sign in as <user>. Both are read at every authentication (no reload needed).
  [[ -e "$dir/trusted_user_ca_keys" ]] || : >"$dir/trusted_user_ca_keys"
  [[ -e "$dir/principals/root" ]] || : >"$dir/principals/root"
  # A session can do one thing: print who signed in and with which certificate (ExposeAuthInfo), so a
  # task that reaches the target can prove it without being able to run anything on this machine.
  cat >"$dir/force-command.sh" <<'EOF'
#!/bin/sh
printf 'airgap-target: signed in as %s\n' "$(id -un)"
[ -n "$SSH_USER_AUTH" ] && cat "$SSH_USER_AUTH"
exit 0
EOF
  chmod 755 "$dir/force-command.sh"
  remote_sshd_config tg "ListenAddress $addr
ListenAddress $(remote_target_net_addr)
AuthorizedKeysFile none
TrustedUserCAKeys $dir/trusted_user_ca_keys
AuthorizedPrincipalsFile $dir/principals/%u
ExposeAuthInfo yes
ForceCommand $dir/force-command.sh
DisableForwarding yes
AllowStreamLocalForwarding no"
  remote_start_sshd tg "$addr"
  log "ssh target: $addr (host), $(remote_target_net_addr) on docker network $REMOTE_TARGET_NETWORK (netns $(remote_ns tg))"
}

# --- softhsm2 ------------------------------------------------------------------------------------------

remote_softhsm() {
  need softhsm2-util softhsm2
  [[ -f /usr/lib/softhsm/libsofthsm2.so ]] || die "/usr/lib/softhsm/libsofthsm2.so not found: apt-get install --no-install-recommends softhsm2"
  mkdir -p "$REMOTE_HSM/tokens"
  chmod 700 "$REMOTE_HSM/tokens"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$REMOTE_HSM" >"$REMOTE_HSM/softhsm2.conf"
  [[ -s "$REMOTE_HSM/pin" ]] || head -c 8 /dev/urandom | od -An -tu4 | tr -dc '0-9' | cut -c1-8 >"$REMOTE_HSM/pin"
  [[ -s "$REMOTE_HSM/so-pin" ]] || head -c 8 /dev/urandom | od -An -tu4 | tr -dc '0-9' | cut -c1-8 >"$REMOTE_HSM/so-pin"
  chmod 600 "$REMOTE_HSM/pin" "$REMOTE_HSM/so-pin"
  if ! SOFTHSM2_CONF="$REMOTE_HSM/softhsm2.conf" softhsm2-util --show-slots 2>/dev/null | grep -E 'Label: +airgap-test *$' >/dev/null; then
    SOFTHSM2_CONF="$REMOTE_HSM/softhsm2.conf" softhsm2-util --init-token --free --label airgap-test \
      --pin "$(cat "$REMOTE_HSM/pin")" --so-pin "$(cat "$REMOTE_HSM/so-pin")" >"$REMOTE_HSM/init.log" 2>&1 ||
      die "softhsm2-util could not initialise the token (log: $REMOTE_HSM/init.log)"
  fi
}

# --- the ssh client image --------------------------------------------------------------------------------

# Debian's mirror as this machine's apt has it (first bookworm source), and its proxy, if any.
remote_debian_mirror() {
  if [[ -n "${AIRGAP_TEST_DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "$AIRGAP_TEST_DEBIAN_MIRROR"
    return
  fi
  local uri
  uri="$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u != "" { print u; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)"
  [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" && $3 == "bookworm" { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list 2>/dev/null)"
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# Builds (once per cache key) a docker-save tar of a FROM-scratch image holding Debian's openssh-client
# and coreutils, extracted by mmdebstrap (no maintainer scripts run), user 65534:65534; then loads it
# into the main dockerd. Every state dir loads the same tar, so the image id is the same everywhere.
remote_ssh_image() {
  local key dir
  key="$(printf '%s' "$REMOTE_IMAGE_RECIPE" | sha256sum | cut -c1-16)"
  dir="$REMOTE_IMAGE_CACHE/$key"
  REMOTE_IMAGE_TAR="$dir/image.tar"
  mkdir -p "$REMOTE_IMAGE_CACHE"
  (
    exec 8>"$REMOTE_IMAGE_CACHE/.lock"
    flock -w 900 8 || die "the image cache $REMOTE_IMAGE_CACHE is locked by another build"
    [[ -s "$dir/image.tar" && -s "$dir/image.id" ]] && exit 0
    need mmdebstrap mmdebstrap
    local work t0=$SECONDS mirror proxy opts=()
    work="$(mktemp -d "$REMOTE_IMAGE_CACHE/build.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    mirror="$(remote_debian_mirror)"
    proxy="$(apt-config dump Acquire::http::Proxy 2>/dev/null | sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p' | head -n 1)"
    [[ -n "$proxy" ]] && opts+=(--aptopt="Acquire::http::Proxy \"$proxy\"")
    log "building the ssh test image with mmdebstrap from $mirror (once per cache key $key; 5-60 s)"
    mmdebstrap --quiet --variant=extract --include="$REMOTE_IMAGE_PACKAGES" --format=directory "${opts[@]}" \
      --aptopt='Acquire::Check-Valid-Until "false"' bookworm "$work/rootfs" "$mirror" >"$work/mmdebstrap.log" 2>&1 || {
      tail -n 20 "$work/mmdebstrap.log" >&2
      die "mmdebstrap could not build the ssh image from $mirror (set AIRGAP_TEST_DEBIAN_MIRROR to a reachable Debian mirror)"
    }
    # The extract variant runs no maintainer scripts: give it the passwd/group base-passwd would write.
    cp "$work/rootfs/usr/share/base-passwd/passwd.master" "$work/rootfs/etc/passwd"
    cp "$work/rootfs/usr/share/base-passwd/group.master" "$work/rootfs/etc/group"
    rm -rf "$work/rootfs/usr/share/"{doc,man,info,locale} "$work/rootfs/var/cache/apt/"* "$work/rootfs/var/lib/apt/lists/"*
    local id
    id="$(tar -C "$work/rootfs" --numeric-owner --sort=name -c . |
      DOCKER_HOST="unix://$DOCKER_SOCK" docker import --change 'USER 65534:65534' --change 'CMD ["/usr/bin/ssh","-V"]' - "$REMOTE_IMAGE_NAME")" ||
      die "docker import of the ssh image failed"
    DOCKER_HOST="unix://$DOCKER_SOCK" docker save -o "$work/image.tar" "$REMOTE_IMAGE_NAME" || die "docker save of the ssh image failed"
    rm -rf "$work/rootfs"
    mkdir -p "$dir"
    mv "$work/image.tar" "$dir/image.tar"
    printf '%s\n' "$id" >"$dir/image.id"
    printf '%s\n' "$REMOTE_IMAGE_RECIPE" >"$dir/recipe"
    log "ssh test image built in $((SECONDS - t0))s: $id ($(du -h "$dir/image.tar" | cut -f1))"
  ) || return 1
  REMOTE_IMAGE_ID="$(cat "$dir/image.id")"
  if ! DOCKER_HOST="unix://$DOCKER_SOCK" docker image inspect "$REMOTE_IMAGE_ID" >/dev/null 2>&1; then
    DOCKER_HOST="unix://$DOCKER_SOCK" docker load -q -i "$dir/image.tar" >/dev/null || die "docker load of $dir/image.tar failed"
  fi
}

# --- commands (called by services.sh) ------------------------------------------------------------------

start_remote() {
  need ip iproute2
  need nsenter util-linux
  need sshd openssh-server
  need ssh openssh-client
  need ssh-keygen openssh-client
  need openssl openssl
  need docker docker.io
  [[ -x /usr/bin/docker ]] || die "/usr/bin/docker not found (the nodes' forced command uses Debian's CLI): apt-get install docker.io"
  remote_names
  rm -f "$REMOTE_DIR/started"
  mkdir -p "$REMOTE_DIR"/{sd,sp,tl,tg}
  chmod 700 "$REMOTE_DIR"
  remote_client_keys
  start_remote_sd
  start_remote_sp
  start_remote_tl
  start_remote_tg
  remote_client_files
  remote_softhsm
  remote_ssh_image || log "WARNING: no ssh test image (tests that need it will say they skip)"
  : >"$REMOTE_DIR/started"
}

remote_running() {
  [[ -e "$REMOTE_DIR/started" ]] && live_pid "$REMOTE_DIR/sd/sshd.pid" >/dev/null
}

remote_env() {
  remote_running || return 0
  remote_names
  local sd sp tl
  sd="$(remote_addr sd)" sp="$(remote_addr sp)" tl="$(remote_addr tl)"
  printf 'export %s=%q\n' \
    AIRGAP_TEST_NODE_SSH_DOCKER "ssh://root@$sd:22" \
    AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY "$REMOTE_DIR/sd/ssh_host_ed25519_key.pub" \
    AIRGAP_TEST_NODE_SSH_DOCKER_NETNS "$(remote_ns sd)" \
    AIRGAP_TEST_NODE_SSH_DOCKER_DATA_ROOT "$REMOTE_DIR/sd/docker" \
    AIRGAP_TEST_NODE_SSH_PODMAN "ssh://root@$sp:22$REMOTE_DIR/sp/podman.sock" \
    AIRGAP_TEST_NODE_SSH_PODMAN_HOSTKEY "$REMOTE_DIR/sp/ssh_host_ed25519_key.pub" \
    AIRGAP_TEST_NODE_SSH_PODMAN_NETNS "$(remote_ns sp)" \
    AIRGAP_TEST_NODE_SSH_PODMAN_DATA_ROOT "$REMOTE_DIR/sp/podman" \
    AIRGAP_TEST_NODE_SSH_KEY "$REMOTE_CLIENT/id_ed25519" \
    AIRGAP_TEST_NODE_KNOWN_HOSTS "$REMOTE_CLIENT/known_hosts" \
    AIRGAP_TEST_NODE_SSH_CONFIG "$REMOTE_CLIENT/ssh_config" \
    AIRGAP_TEST_NODE_TLS "tcp://$tl:2376" \
    AIRGAP_TEST_NODE_TLS_CA "$REMOTE_TLS/ca.pem" \
    AIRGAP_TEST_NODE_TLS_CERT "$REMOTE_TLS/client/cert.pem" \
    AIRGAP_TEST_NODE_TLS_KEY "$REMOTE_TLS/client/key.pem" \
    AIRGAP_TEST_NODE_TLS_CERT_PATH "$REMOTE_TLS/client" \
    AIRGAP_TEST_NODE_TLS_SERVER_CERT "$REMOTE_TLS/server/cert.pem" \
    AIRGAP_TEST_NODE_TLS_NETNS "$(remote_ns tl)" \
    AIRGAP_TEST_NODE_TLS_DATA_ROOT "$REMOTE_DIR/tl/docker" \
    AIRGAP_TEST_TARGET_SSH "$(remote_target_net_addr)" \
    AIRGAP_TEST_TARGET_SSH_FROM_HOST "$(remote_addr tg)" \
    AIRGAP_TEST_TARGET_NETWORK "$REMOTE_TARGET_NETWORK" \
    AIRGAP_TEST_TARGET_USER root \
    AIRGAP_TEST_TARGET_HOSTKEY "$REMOTE_TARGET/ssh_host_ed25519_key.pub" \
    AIRGAP_TEST_TARGET_CA_KEYS "$REMOTE_TARGET/trusted_user_ca_keys" \
    AIRGAP_TEST_TARGET_PRINCIPALS_DIR "$REMOTE_TARGET/principals" \
    AIRGAP_TEST_TARGET_LOG "$REMOTE_TARGET/sshd.log" \
    AIRGAP_TEST_PKCS11_MODULE /usr/lib/softhsm/libsofthsm2.so \
    SOFTHSM2_CONF "$REMOTE_HSM/softhsm2.conf" \
    AIRGAP_TEST_PKCS11_TOKEN airgap-test \
    AIRGAP_TEST_PKCS11_PIN "$(cat "$REMOTE_HSM/pin")" \
    AIRGAP_TEST_PKCS11_SO_PIN "$(cat "$REMOTE_HSM/so-pin")"
  local key
  key="$(printf '%s' "$REMOTE_IMAGE_RECIPE" | sha256sum | cut -c1-16)"
  if [[ -s "$REMOTE_IMAGE_CACHE/$key/image.id" ]]; then
    printf 'export %s=%q\n' AIRGAP_TEST_SSH_IMAGE "$(cat "$REMOTE_IMAGE_CACHE/$key/image.id")" \
      AIRGAP_TEST_SSH_IMAGE_TAR "$REMOTE_IMAGE_CACHE/$key/image.tar"
  fi
}

remote_status() {
  [[ -d "$REMOTE_DIR" ]] || return 0
  remote_names
  local n pid what
  for n in sd sp tl tg; do
    what=""
    pid="$(live_pid "$REMOTE_DIR/$n/sshd.pid" 2>/dev/null)" && what+=" sshd $pid"
    pid="$(live_pid "$REMOTE_DIR/$n/dockerd.pid" 2>/dev/null)" && what+=" dockerd $pid"
    pid="$(live_pid "$REMOTE_DIR/$n/podman.pid" 2>/dev/null)" && what+=" podman $pid"
    log "node $n:  ${what:- not running} (netns $(remote_ns "$n"), $(remote_addr "$n"))"
  done
}

# Stops the nodes: containers removed through each engine's socket, daemons TERMed (KILL after their
# grace period), whatever is left in each namespace killed, the namespaces deleted. Runs before the
# main dockerd stops; remote_forget runs after it.
remote_stop() {
  [[ -d "$REMOTE_DIR" ]] || return 0
  remote_names
  local n f pid pids=() names=() id
  if sock_ping "$REMOTE_DIR/sp/podman.sock" && command -v podman >/dev/null 2>&1; then
    podman --url "unix://$REMOTE_DIR/sp/podman.sock" rm --all --force --time 0 >/dev/null 2>&1 || true
  fi
  for n in sd tl; do
    sock_ping "$REMOTE_DIR/$n/docker.sock" || continue
    for id in $(curl -sS --max-time 10 --unix-socket "$REMOTE_DIR/$n/docker.sock" 'http://localhost/containers/json?all=1' | grep -oE '"Id":"[0-9a-f]{64}"' | cut -d'"' -f4); do
      curl -sS -o /dev/null --max-time 30 -X DELETE --unix-socket "$REMOTE_DIR/$n/docker.sock" "http://localhost/containers/$id?force=1&v=1" || true
    done
  done
  for f in "$REMOTE_DIR"/{sd,sp,tl,tg}/{sshd,dockerd,podman}.pid; do
    pid="$(live_pid "$f")" || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$(basename "$(dirname "$f")") $(basename "$f" .pid)")
  done
  local i
  for i in "${!pids[@]}"; do
    terminate "${pids[$i]}" 30
    log "${names[$i]} stopped"
  done
  for n in "${REMOTE_NODES[@]}"; do remote_ns_delete "$(remote_ns "$n")"; done
  for n in sd tl; do
    unmount_all "$STATE/rx-$n"
    rm -rf --one-file-system "$STATE/rx-$n"
  done
  rm -f "$REMOTE_DIR/started" "$REMOTE_DIR"/*/{sshd,dockerd,podman}.pid "$REMOTE_DIR"/*/*.sock
}

# After the main dockerd stopped: its bridge for airgap-test-targets (dockerd leaves it behind).
remote_forget() {
  [[ -d "$REMOTE_DIR" ]] || return 0
  remote_names
  ip link del "$REMOTE_BRIDGE" 2>/dev/null || true
  ip link del "${REMOTE_IF_tg}b" 2>/dev/null || true
}

# --- smoke -----------------------------------------------------------------------------------------------

# Proves each piece answers the way the tests will use it. Fails (non-zero) on the first problem.
remote_smoke() {
  [[ -e "$REMOTE_DIR/failed" ]] && die "the remote nodes failed to start (start --remote printed why)"
  remote_running || return 0
  remote_names
  local tmp sd sp tl tg out
  tmp="$(mktemp -d)"
  REMOTE_SMOKE_TMP="$tmp"
  trap 'rm -rf "${SMOKE_DIR:-}" "$REMOTE_SMOKE_TMP"' EXIT
  sd="$(remote_addr sd)" sp="$(remote_addr sp)" tl="$(remote_addr tl)" tg="$(remote_addr tg)"

  # (1) docker -H ssh:// through sshd, the host key pinned: the docker CLI runs `ssh` from PATH and
  # has no option for ssh's config, so a wrapper adds -F.
  mkdir -p "$tmp/bin"
  printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$REMOTE_CLIENT/ssh_config" >"$tmp/bin/ssh"
  chmod 755 "$tmp/bin/ssh"
  out="$(PATH="$tmp/bin:$PATH" DOCKER_HOST="ssh://root@$sd" timeout 60 docker version --format '{{.Server.Version}}' 2>"$tmp/err")" ||
    { cat "$tmp/err" >&2; die "docker -H ssh://root@$sd version failed"; }
  log "smoke: docker over ssh://root@$sd answers (server $out)"
  # ... and a different pinned key is refused before anything is sent.
  ssh-keygen -q -t ed25519 -N '' -f "$tmp/other" && printf '%s %s\n' "$sd" "$(cut -d' ' -f1,2 "$tmp/other.pub")" >"$tmp/kh-wrong"
  if ssh -F "$REMOTE_CLIENT/ssh_config" -o UserKnownHostsFile="$tmp/kh-wrong" "root@$sd" true 2>"$tmp/err"; then
    die "ssh to $sd succeeded with a wrong pinned host key"
  fi
  grep -q 'HOST IDENTIFICATION HAS CHANGED\|Host key verification failed' "$tmp/err" || { cat "$tmp/err" >&2; die "ssh with a wrong pinned key failed for another reason"; }
  log "smoke: a wrong pinned host key for $sd is refused"

  # (2) Podman through a forwarded unix socket (what `podman --url ssh://` does).
  ssh -F "$REMOTE_CLIENT/ssh_config" -N -o ExitOnForwardFailure=yes -o StreamLocalBindUnlink=yes \
    -L "$tmp/podman.sock:$REMOTE_DIR/sp/podman.sock" "root@$sp" 2>"$tmp/fwd.err" &
  local fwd=$! i
  for ((i = 0; i < 100; i++)); do [[ -S "$tmp/podman.sock" ]] && break; sleep 0.1; done
  out="$(curl -sS --max-time 10 --unix-socket "$tmp/podman.sock" http://d/_ping 2>&1)" || true
  kill "$fwd" 2>/dev/null || true
  wait "$fwd" 2>/dev/null || true
  [[ "$out" == OK ]] || { cat "$tmp/fwd.err" >&2; die "podman through ssh://root@$sp (forwarded socket) did not answer /_ping: $out"; }
  out="$(ssh -F "$REMOTE_CLIENT/ssh_config" "root@$sp" id 2>&1)" && die "the podman node's key opened a session: $out"
  log "smoke: podman through a forwarded socket over ssh://root@$sp answers /_ping; its key opens no session"

  # (3) The TLS node: with the client certificate yes, without it no.
  remote_tls_ok "$tl" || die "the TLS node refused our client certificate"
  if curl -s -o /dev/null --max-time 5 --cacert "$REMOTE_TLS/ca.pem" "https://$tl:2376/_ping"; then
    die "the TLS node answered without a client certificate"
  fi
  out="$(DOCKER_HOST="tcp://$tl:2376" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$REMOTE_TLS/client" docker version --format '{{.Server.Version}}')" ||
    die "docker --tlsverify -H tcp://$tl:2376 version failed"
  log "smoke: the TLS node answers with the client certificate (server $out) and refuses without it"

  # (4) softhsm2.
  SOFTHSM2_CONF="$REMOTE_HSM/softhsm2.conf" softhsm2-util --show-slots 2>/dev/null | grep -E 'Label: +airgap-test *$' >/dev/null ||
    die "softhsm2-util --show-slots does not show the token airgap-test"
  log "smoke: softhsm2 token airgap-test present ($REMOTE_HSM/softhsm2.conf)"

  # (5) The ssh image, and a task container signing in to the target with a certificate from a
  # throwaway CA (added to the trusted keys and principals only for this check).
  local key
  key="$(printf '%s' "$REMOTE_IMAGE_RECIPE" | sha256sum | cut -c1-16)"
  [[ -s "$REMOTE_IMAGE_CACHE/$key/image.id" ]] || die "no ssh test image (start --remote could not build it)"
  local image hardening=(--rm --read-only --cap-drop ALL --security-opt no-new-privileges --user 65534:65534
    --tmpfs /tmp --ulimit nofile=1024:1024 --ulimit nproc=256:256 --pids-limit 64 --memory 64m)
  image="$(cat "$REMOTE_IMAGE_CACHE/$key/image.id")"
  out="$(DOCKER_HOST="unix://$DOCKER_SOCK" docker run "${hardening[@]}" --network none "$image" /usr/bin/ssh -V 2>&1)" ||
    die "the ssh image did not run: $out"
  log "smoke: the ssh image runs: $out"

  ssh-keygen -q -t ed25519 -N '' -C smoke-ca -f "$tmp/ca"
  ssh-keygen -q -t ed25519 -N '' -C smoke-task -f "$tmp/id"
  ssh-keygen -q -s "$tmp/ca" -I airgap-smoke -n airgap-smoke -V -1m:+5m -z 4242 "$tmp/id.pub"
  printf '%s %s\n' "$(remote_target_net_addr)" "$(cut -d' ' -f1,2 "$REMOTE_TARGET/ssh_host_ed25519_key.pub")" >"$tmp/known_hosts"
  chmod 444 "$tmp/id" "$tmp/id-cert.pub" "$tmp/known_hosts"
  chmod 755 "$tmp"
  local ca_line
  ca_line="$(cat "$tmp/ca.pub")"
  printf '%s\n' "$ca_line" >>"$REMOTE_TARGET/trusted_user_ca_keys"
  printf 'airgap-smoke\n' >>"$REMOTE_TARGET/principals/root"
  out="$(DOCKER_HOST="unix://$DOCKER_SOCK" docker run "${hardening[@]}" --network "$REMOTE_TARGET_NETWORK" \
    --mount "type=bind,src=$tmp,dst=/run/cred,readonly" "$image" /usr/bin/ssh -i /run/cred/id \
    -o CertificateFile=/run/cred/id-cert.pub -o UserKnownHostsFile=/run/cred/known_hosts -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=10 "root@$(remote_target_net_addr)" whatever 2>&1)" || true
  # Take the smoke CA and principal out again, whatever happened.
  grep -vxF "$ca_line" "$REMOTE_TARGET/trusted_user_ca_keys" >"$tmp/ca-keys" || true
  cat "$tmp/ca-keys" >"$REMOTE_TARGET/trusted_user_ca_keys"
  grep -vx airgap-smoke "$REMOTE_TARGET/principals/root" >"$tmp/principals" || true
  cat "$tmp/principals" >"$REMOTE_TARGET/principals/root"
  [[ "$out" == *"airgap-target: signed in as root"* && "$out" == *"ssh-ed25519-cert-v01@openssh.com"* ]] ||
    die "a container on $REMOTE_TARGET_NETWORK could not sign in to the target with a certificate: $out"
  log "smoke: a hardened container on network $REMOTE_TARGET_NETWORK signed in to the target with an SSH certificate"
  out="$(DOCKER_HOST="unix://$DOCKER_SOCK" docker run "${hardening[@]}" --network "$REMOTE_TARGET_NETWORK" "$image" \
    /usr/bin/ssh -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "root@$sd" true 2>&1)" &&
    die "a container on $REMOTE_TARGET_NETWORK reached node $sd"
  [[ "$out" == *"unreachable"* || "$out" == *"timed out"* ]] || die "unexpected answer from $sd: $out"
  log "smoke: that network reaches nothing else ($sd: ${out##*: })"
  rm -rf "$tmp"
}
