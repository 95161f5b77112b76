# Identity services for the integration tests, sourced by test/services.sh (start --identity):
#   - a SAML 2.0 IdP: SimpleSAMLphp 1.19 (Debian `simplesamlphp`) served by `php -S 127.0.0.1:<free port>`
#   - an LDAP directory: slapd 2.5 (Debian `slapd`) on ldaps://127.0.0.1:<free port> and, for StartTLS,
#     ldap://127.0.0.1:<another free port> (no operation there before StartTLS); its own cn=config
# Both hold the users of test/services/identity-users.txt. Keys and certificates are made with openssl
# on the first start of a state dir and kept, so the IdP metadata a test imported stays valid across
# restarts. See docs/dev-services.md ("Identity services").
# Uses the helpers of services.sh (log, die, need, live_pid, alive, terminate, wait_until, reported_port,
# STATE).

IDENTITY_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IDP_DIR="$STATE/idp"
IDP_PID="$IDP_DIR/php.pid"
IDP_LOG="$IDP_DIR/php-server.log"
IDP_WWW=/usr/share/simplesamlphp/www
LDAP_DIR="$STATE/ldap"
LDAP_PID="$LDAP_DIR/slapd.pid"
LDAP_LOG="$LDAP_DIR/slapd.log"
LDAP_TLS="$LDAP_DIR/tls"
LDAP_BASE='dc=airgap,dc=test'
LDAP_ADMIN_DN="cn=admin,$LDAP_BASE"
LDAP_READER_DN="cn=reader,$LDAP_BASE"
IDENTITY_USERS="$STATE/identity-users.txt"

random_secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Prints the fields of each user line of identity-users.txt: uid password groups mfa state name.
identity_users() { grep -vE '^[[:space:]]*(#|$)' "$IDENTITY_USERS"; }

# --- SAML IdP (SimpleSAMLphp) ------------------------------------------------------------------------

idp_url() { [[ -s "$IDP_DIR/baseurl" ]] && cat "$IDP_DIR/baseurl"; }
idp_entity_id() { grep -oE 'entityID="[^"]+"' "$IDP_DIR/idp-metadata.xml" | head -n 1 | cut -d'"' -f2; }
idp_ok() {
  local url
  url="$(idp_url)" || return 1
  curl -sf -o /dev/null --max-time 5 "$url/saml2/idp/metadata.php"
}

# The IdP's signing key and certificate (RSA 3072, SHA-256, 10 years), made once per state dir.
idp_keys() {
  [[ -s "$IDP_DIR/keys/idp.key" && -s "$IDP_DIR/keys/idp.crt" ]] && return 0
  need openssl openssl
  mkdir -p "$IDP_DIR/keys"
  openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -subj '/CN=Airgap Runner test IdP' \
    -keyout "$IDP_DIR/keys/idp.key" -out "$IDP_DIR/keys/idp.crt" 2>>"$IDP_LOG" || die "openssl could not make the IdP key"
  chmod 600 "$IDP_DIR/keys/idp.key"
}

start_idp() {
  if live_pid "$IDP_PID" >/dev/null && idp_ok; then
    log "SAML IdP already running on $(idp_url) (pid $(live_pid "$IDP_PID"))"
    return 0
  fi
  need php php-cli
  [[ -f "$IDP_WWW/saml2/idp/SSOService.php" ]] || die "SimpleSAMLphp not found: apt-get install --no-install-recommends simplesamlphp php-xml"
  php -m | grep -x dom >/dev/null || die "PHP has no DOM extension: apt-get install --no-install-recommends php-xml"
  if pid="$(live_pid "$IDP_PID")"; then terminate "$pid" 5; fi
  rm -f "$IDP_PID" "$IDP_DIR/baseurl"
  mkdir -p "$IDP_DIR"/{log,data,tmp,sessions,sp}
  [[ -s "$IDP_DIR/secretsalt" ]] || random_secret >"$IDP_DIR/secretsalt"
  [[ -s "$IDP_DIR/adminpassword" ]] || random_secret >"$IDP_DIR/adminpassword"
  idp_keys
  # A fresh copy of the configuration on each start, so the running IdP never depends on a work tree.
  rm -rf "$IDP_DIR/config"
  cp -r "$IDENTITY_SRC/simplesamlphp" "$IDP_DIR/config"
  cp "$IDENTITY_USERS" "$IDP_DIR/config/identity-users.txt"

  printf '\n==== %s: starting the SAML IdP\n' "$(date -u +%FT%TZ)" >>"$IDP_LOG"
  local start_line
  start_line=$(($(wc -l <"$IDP_LOG") + 1))
  # Port 0: the kernel picks a free port and php reports it. One process (no PHP_CLI_SERVER_WORKERS:
  # workers outlive a TERMed parent and keep the port); its event loop serves idle connections fine.
  SIMPLESAMLPHP_CONFIG_DIR="$IDP_DIR/config" setsid php \
    -d "session.save_path=$IDP_DIR/sessions" -d display_errors=0 -d log_errors=1 \
    -d "error_log=$IDP_DIR/log/php-errors.log" -d expose_php=0 \
    -S 127.0.0.1:0 -t "$IDP_WWW" </dev/null >>"$IDP_LOG" 2>&1 9>&- &
  echo $! >"$IDP_PID"
  local port
  port="$(reported_port "SAML IdP" "$IDP_PID" "$IDP_LOG" "$start_line" 'Development Server \(http://')" || die "SAML IdP failed to start"
  printf 'http://127.0.0.1:%s\n' "$port" >"$IDP_DIR/baseurl"
  wait_until "SAML IdP" "$IDP_PID" "$IDP_LOG" idp_ok || die "SAML IdP failed to start (logs: $IDP_LOG, $IDP_DIR/log/)"
  # The metadata a test imports from a file, as an admin would (the product never fetches it).
  curl -sf --max-time 10 -o "$IDP_DIR/idp-metadata.xml.tmp" "$(idp_url)/saml2/idp/metadata.php" &&
    mv -f "$IDP_DIR/idp-metadata.xml.tmp" "$IDP_DIR/idp-metadata.xml" || die "could not export the IdP metadata"
  log "SAML IdP up on $(idp_url) (pid $(live_pid "$IDP_PID"), SimpleSAMLphp, metadata $IDP_DIR/idp-metadata.xml)"
}

# --- LDAP directory (slapd) --------------------------------------------------------------------------

ldap_port() { [[ -s "$LDAP_DIR/port" ]] && tr -dc '0-9' <"$LDAP_DIR/port"; }
ldap_starttls_url() { [[ -s "$LDAP_DIR/starttls-port" ]] && printf 'ldap://127.0.0.1:%s\n' "$(tr -dc '0-9' <"$LDAP_DIR/starttls-port")"; }
port_taken() { grep -qiE "^ *[0-9]+: [0-9A-F]+:$(printf '%04X' "$1") [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
ldap_url() {
  local port
  port="$(ldap_port)" || return 1
  printf 'ldaps://127.0.0.1:%s\n' "$port"
}
# ldap_client CMD ARGS...: an OpenLDAP client that trusts only the test CA (LDAPTLS_* override
# /etc/ldap/ldap.conf and ~/.ldaprc).
ldap_client() { LDAPTLS_CACERT="$LDAP_TLS/ca.crt" LDAPTLS_REQCERT=demand "$@"; }
ldap_admin() {
  local cmd="$1"
  shift
  ldap_client "$cmd" -o nettimeout=5 -H "$(ldap_url)" -x -D "$LDAP_ADMIN_DN" -y "$LDAP_DIR/admin.password" "$@"
}
ldap_ok() { [[ -n "$(ldap_port)" ]] && ldap_admin ldapwhoami >/dev/null 2>&1; }

# A test CA and a server certificate for 127.0.0.1/localhost (EC P-256), made once per state dir.
ldap_tls() {
  [[ -s "$LDAP_TLS/server.crt" ]] && return 0
  need openssl openssl
  mkdir -p "$LDAP_TLS"
  (
    cd "$LDAP_TLS"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 -days 3650 -nodes \
      -subj '/CN=Airgap Runner test CA' -keyout ca.key -out ca.crt \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=127.0.0.1' \
      -keyout server.key -out server.csr
    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'extendedKeyUsage=serverAuth' \
      'keyUsage=critical,digitalSignature' 'basicConstraints=CA:FALSE' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
      -extfile server.ext -out server.crt
    rm -f server.csr server.ext
    chmod 600 ca.key server.key
  ) >>"$LDAP_LOG" 2>&1 || die "openssl could not make the LDAP certificates (log: $LDAP_LOG)"
}

# The cn=config of a private slapd: schemas, LDAPS with the test CA, one mdb database under
# $LDAP_DIR/data with the memberof overlay (users get memberOf, as in AD) and ppolicy (a locked account
# cannot bind, the OpenLDAP form of a disabled one).
ldap_config() {
  [[ -d "$LDAP_DIR/slapd.d/cn=config" ]] && return 0
  need slapadd slapd
  need slappasswd slapd
  [[ -s "$LDAP_DIR/admin.password" ]] || random_secret | tr -d '\n' >"$LDAP_DIR/admin.password"
  [[ -s "$LDAP_DIR/reader.password" ]] || random_secret | tr -d '\n' >"$LDAP_DIR/reader.password"
  chmod 600 "$LDAP_DIR"/*.password
  rm -rf "$LDAP_DIR/slapd.d" "$LDAP_DIR/data"
  mkdir -p "$LDAP_DIR/slapd.d" "$LDAP_DIR/data"
  sed -e "s#@LDAP_DIR@#$LDAP_DIR#g" -e "s#@BASE@#$LDAP_BASE#g" -e "s#@ADMIN_DN@#$LDAP_ADMIN_DN#g" \
    -e "s#@ADMIN_PW@#$(slappasswd -T "$LDAP_DIR/admin.password")#g" \
    "$IDENTITY_SRC/slapd/config.ldif" >"$LDAP_DIR/config.ldif"
  slapadd -n 0 -F "$LDAP_DIR/slapd.d" -l "$LDAP_DIR/config.ldif" >>"$LDAP_LOG" 2>&1 ||
    die "slapadd could not load the slapd configuration (log: $LDAP_LOG)"
  rm -f "$LDAP_DIR/seeded"
}

# The entries, added through slapd itself (not slapadd) so that the memberof overlay fills memberOf.
ldap_seed() {
  [[ -e "$LDAP_DIR/seeded" ]] && return 0
  local uid password groups mfa state name group members=() seed="$LDAP_DIR/seed.ldif"
  {
    sed -e "s#@BASE@#$LDAP_BASE#g" -e "s#@READER_PW@#$(slappasswd -T "$LDAP_DIR/reader.password")#g" \
      "$IDENTITY_SRC/slapd/base.ldif"
    while read -r uid password groups mfa state name; do
      printf '\ndn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n' \
        "$uid" "$LDAP_BASE" "$uid" "$name" "${name##* }"
      printf 'displayName: %s\nmail: %s@airgap.test\nuserPassword: %s\n' "$name" "$uid" "$(slappasswd -s "$password")"
      # ppolicy: 000001010000Z locks the account until an administrator unlocks it.
      [[ "$state" == active ]] || printf 'pwdAccountLockedTime: 000001010000Z\n'
    done < <(identity_users)
    # One groupOfNames per group named in the users file (it needs at least one member).
    for group in $(identity_users | awk '$3 != "-" { print $3 }' | tr ',' '\n' | sort -u); do
      mapfile -t members < <(identity_users | awk -v g="$group" '{ n = split($3, a, ","); for (i = 1; i <= n; i++) if (a[i] == g) print $1 }')
      printf '\ndn: cn=%s,ou=groups,%s\nobjectClass: groupOfNames\ncn: %s\n' "$group" "$LDAP_BASE" "$group"
      printf "member: uid=%s,ou=people,$LDAP_BASE\n" "${members[@]}"
    done
  } >"$seed"
  ldap_admin ldapadd -f "$seed" >>"$LDAP_LOG" 2>&1 || die "could not add the test entries to slapd (log: $LDAP_LOG)"
  touch "$LDAP_DIR/seeded"
}

start_slapd() {
  if live_pid "$LDAP_PID" >/dev/null && ldap_ok; then
    log "slapd already running on $(ldap_url) (pid $(live_pid "$LDAP_PID"))"
    return 0
  fi
  need slapd slapd
  need ldapwhoami ldap-utils
  if pid="$(live_pid "$LDAP_PID")"; then terminate "$pid" 10; fi
  rm -f "$LDAP_PID" "$LDAP_DIR/port" "$LDAP_DIR/starttls-port"
  mkdir -p "$LDAP_DIR"
  chmod 700 "$LDAP_DIR"
  ldap_tls
  ldap_config
  # slapd cannot listen on port 0 and report it: try free ports below the ephemeral range (so no
  # outgoing connection holds one), a few times in case another process takes one first.
  local attempt port port2 launcher deadline
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 12000))
    port2=$((20000 + RANDOM % 12000))
    if ((port == port2)) || port_taken "$port" || port_taken "$port2"; then continue; fi
    printf '\n==== %s: starting slapd on ports %s (LDAPS), %s (StartTLS)\n' "$(date -u +%FT%TZ)" "$port" "$port2" >>"$LDAP_LOG"
    # -d stats: stay in the foreground, log connections and binds (the air-gap checks can read them).
    setsid slapd -d stats -h "ldaps://127.0.0.1:$port/ ldap://127.0.0.1:$port2/" -F "$LDAP_DIR/slapd.d" </dev/null >>"$LDAP_LOG" 2>&1 9>&- &
    launcher=$!
    printf '%s\n' "$port" >"$LDAP_DIR/port"
    printf '%s\n' "$port2" >"$LDAP_DIR/starttls-port"
    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)) && alive "$launcher"; do
      if ldap_ok; then break 2; fi
      sleep 0.2
    done
    if alive "$launcher"; then
      kill -TERM "$launcher" 2>/dev/null || true
      log "slapd did not answer within ${START_TIMEOUT}s; last lines of $LDAP_LOG:"
      tail -n 25 "$LDAP_LOG" >&2 || true
      die "slapd failed to start"
    fi
    rm -f "$LDAP_DIR/port" "$LDAP_DIR/starttls-port"
    grep -q 'Address already in use' <(tail -n 5 "$LDAP_LOG") || {
      log "slapd exited during start-up; last lines of $LDAP_LOG:"
      tail -n 25 "$LDAP_LOG" >&2 || true
      die "slapd failed to start"
    }
  done
  [[ -n "$(ldap_port)" ]] || die "slapd found no free port in 5 tries"
  ldap_seed
  log "slapd up on $(ldap_url) (pid $(live_pid "$LDAP_PID"), base $LDAP_BASE, CA $LDAP_TLS/ca.crt)"
}

# --- used by services.sh -----------------------------------------------------------------------------

start_identity() {
  need openssl openssl
  cp "$IDENTITY_SRC/identity-users.txt" "$IDENTITY_USERS"
  start_idp
  start_slapd
}

identity_running() { live_pid "$IDP_PID" >/dev/null || live_pid "$LDAP_PID" >/dev/null; }

# export NAME=VALUE for eval and for test/run.mjs (which only strips quotes): commas and '=' as they
# are (%q would escape the commas of a DN), anything else unusual quoted by %q.
export_var() {
  if [[ "$2" =~ ^[A-Za-z0-9_./:=,@+-]*$ ]]; then
    printf 'export %s=%s\n' "$1" "$2"
  else
    printf 'export %s=%q\n' "$1" "$2"
  fi
}

identity_env() {
  if live_pid "$IDP_PID" >/dev/null && idp_ok; then
    export_var AIRGAP_TEST_IDP_URL "$(idp_url)"
    export_var AIRGAP_TEST_IDP_ENTITY_ID "$(idp_entity_id)"
    export_var AIRGAP_TEST_IDP_METADATA "$IDP_DIR/idp-metadata.xml"
    export_var AIRGAP_TEST_IDP_CERT "$IDP_DIR/keys/idp.crt"
    # The IdP's signing key, for tests that forge validly signed but wrong responses.
    export_var AIRGAP_TEST_IDP_KEY "$IDP_DIR/keys/idp.key"
    export_var AIRGAP_TEST_IDP_SP_DIR "$IDP_DIR/sp"
  fi
  if live_pid "$LDAP_PID" >/dev/null && ldap_ok; then
    export_var AIRGAP_TEST_LDAP_URL "$(ldap_url)"
    export_var AIRGAP_TEST_LDAP_STARTTLS_URL "$(ldap_starttls_url)"
    export_var AIRGAP_TEST_LDAP_CA "$LDAP_TLS/ca.crt"
    export_var AIRGAP_TEST_LDAP_BASE_DN "$LDAP_BASE"
    export_var AIRGAP_TEST_LDAP_USERS_DN "ou=people,$LDAP_BASE"
    export_var AIRGAP_TEST_LDAP_GROUPS_DN "ou=groups,$LDAP_BASE"
    export_var AIRGAP_TEST_LDAP_ADMIN_DN "$LDAP_ADMIN_DN"
    export_var AIRGAP_TEST_LDAP_ADMIN_PASSWORD_FILE "$LDAP_DIR/admin.password"
    export_var AIRGAP_TEST_LDAP_READER_DN "$LDAP_READER_DN"
    export_var AIRGAP_TEST_LDAP_READER_PASSWORD_FILE "$LDAP_DIR/reader.password"
  fi
  if identity_running; then
    export_var AIRGAP_TEST_IDENTITY_USERS "$IDENTITY_USERS"
  fi
}

identity_status() {
  local pid
  if pid="$(live_pid "$IDP_PID")" && idp_ok; then
    log "SAML IdP: running (pid $pid) $(idp_url)/saml2/idp/metadata.php"
  else
    log "SAML IdP: not running"
  fi
  if pid="$(live_pid "$LDAP_PID")" && ldap_ok; then
    log "slapd:    running (pid $pid) $(ldap_url)"
  else
    log "slapd:    not running"
  fi
}

# Prints "pid name" for each identity service that runs (for cmd_stop, which stops all at once).
identity_pids() {
  local pid
  if pid="$(live_pid "$IDP_PID")"; then printf '%s SAML-IdP\n' "$pid"; fi
  if pid="$(live_pid "$LDAP_PID")"; then printf '%s slapd\n' "$pid"; fi
  return 0
}

identity_forget() { rm -f "$IDP_PID" "$IDP_DIR/baseurl" "$LDAP_PID" "$LDAP_DIR/port" "$LDAP_DIR/starttls-port"; }

# The IdP serves its metadata, signed by the key in $IDP_DIR/keys and equal to the exported file; a
# user binds over LDAPS trusting only the test CA and sees its groups; a locked user cannot bind; a
# client that does not trust the test CA is refused; oathtool makes a TOTP code.
identity_smoke() {
  local url meta dn out
  if live_pid "$IDP_PID" >/dev/null && idp_ok; then
    url="$(idp_url)"
    meta="$IDP_DIR/tmp/smoke-metadata.xml"
    curl -sf --max-time 10 -o "$meta" "$url/saml2/idp/metadata.php" || die "GET $url/saml2/idp/metadata.php failed"
    grep -qF 'entityID="urn:airgap-runner:test-idp"' "$meta" || die "the IdP metadata does not name entity urn:airgap-runner:test-idp"
    grep -qF "Location=\"$url/saml2/idp/SSOService.php\"" "$meta" || die "the IdP metadata does not name its SSO URL $url/saml2/idp/SSOService.php"
    grep -qF "$(sed '1d;$d' "$IDP_DIR/keys/idp.crt" | tr -d '\n')" "$meta" || die "the IdP metadata does not carry the certificate in $IDP_DIR/keys/idp.crt"
    cmp -s "$meta" "$IDP_DIR/idp-metadata.xml" || die "the exported $IDP_DIR/idp-metadata.xml differs from what the IdP serves"
    rm -f "$meta"
    log "smoke: the SAML IdP serves its metadata with its signing certificate ($url)"
  fi
  if live_pid "$LDAP_PID" >/dev/null && ldap_ok; then
    url="$(ldap_url)"
    dn="uid=alice,ou=people,$LDAP_BASE"
    out="$(ldap_client ldapwhoami -o nettimeout=5 -H "$url" -x -D "$dn" -w alice-pass-1 2>&1)" || die "LDAPS bind as $dn failed: $out"
    [[ "$out" == "dn:$dn" ]] || die "ldapwhoami said '$out', expected 'dn:$dn'"
    out="$(ldap_client ldapsearch -o nettimeout=5 -o ldif-wrap=no -LLL -H "$url" -x -D "$dn" -w alice-pass-1 \
      -b "ou=groups,$LDAP_BASE" "(member=$dn)" cn 2>&1)" || die "group search as $dn failed: $out"
    [[ "$out" == *"cn: airgap-admins"* ]] || die "alice is not in airgap-admins: $out"
    out="$(ldap_client ldapsearch -o nettimeout=5 -o ldif-wrap=no -LLL -H "$url" -x -D "$dn" -w alice-pass-1 -b "$dn" -s base memberOf 2>&1)" ||
      die "memberOf read failed: $out"
    [[ "$out" == *"memberOf: cn=airgap-admins,ou=groups,$LDAP_BASE"* ]] || die "alice has no memberOf airgap-admins: $out"
    out="$(ldap_client ldapwhoami -ZZ -o nettimeout=5 -H "$(ldap_starttls_url)" -x -D "$dn" -w alice-pass-1 2>&1)" ||
      die "StartTLS bind as $dn on $(ldap_starttls_url) failed: $out"
    if ldap_client ldapwhoami -o nettimeout=5 -H "$(ldap_starttls_url)" -x -D "$dn" -w alice-pass-1 >/dev/null 2>&1; then
      die "a bind without StartTLS on $(ldap_starttls_url) was accepted"
    fi
    if ldap_client ldapwhoami -o nettimeout=5 -H "$url" -x -D "uid=dave,ou=people,$LDAP_BASE" -w dave-pass-1 >/dev/null 2>&1; then
      die "the locked account dave could bind"
    fi
    if LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt LDAPTLS_REQCERT=demand ldapwhoami -o nettimeout=5 -H "$url" -x \
      -D "$dn" -w alice-pass-1 >/dev/null 2>&1; then
      die "a client that does not trust the test CA could connect"
    fi
    log "smoke: slapd takes LDAPS ($url) and StartTLS ($(ldap_starttls_url)) binds with the test CA, alice sees airgap-admins; a bind without TLS, locked dave and an untrusting client are refused"
  fi
  if identity_running; then
    need oathtool oathtool
    out="$(oathtool --totp -b JBSWY3DPEHPK3PXP)" || die "oathtool failed"
    [[ "$out" =~ ^[0-9]{6}$ ]] || die "oathtool printed '$out', expected six digits"
    log "smoke: oathtool makes TOTP codes"
  fi
}
