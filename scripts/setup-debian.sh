#!/usr/bin/env bash
# One-time setup of a Debian 12 workstation or build machine for developing Airgap Runner:
# the Debian packages the tests use (engine, registry, podman, busybox, chromium, skopeo, openssl; for
# the identity services SimpleSAMLphp with PHP, slapd, ldap-utils, oathtool; for the remote engine nodes
# and SSH hosts openssh-server/-client, softhsm2, mmdebstrap, iproute2; strace for the e2e air-gap check)
# and the npm dependencies. Run as root (or with sudo) from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-debian: run as root (sudo $0): it installs Debian packages" >&2
  exit 1
fi

PACKAGES=(docker.io docker-registry podman netavark busybox-static chromium skopeo openssl ca-certificates curl
  simplesamlphp php-cli php-xml slapd ldap-utils oathtool zsh strace
  openssh-server openssh-client softhsm2 mmdebstrap iproute2 g++ make python3)
export DEBIAN_FRONTEND=noninteractive

# Installing docker.io, docker-registry, slapd, openssh-server and simplesamlphp (which pulls in apache2)
# must not start system-wide services; our tests start private ones (test/services.sh).
created_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '((created_policy)) && rm -f /usr/sbin/policy-rc.d; true' EXIT

echo "setup-debian: apt-get install ${PACKAGES[*]}" >&2
apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"

# The Electron binary is not downloadable on air-gapped build machines; the type definitions suffice
# for building and testing. Where Electron can be installed, run `npm ci` without this variable.
echo "setup-debian: npm ci" >&2
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
echo "setup-debian: done. Next: npm test" >&2
