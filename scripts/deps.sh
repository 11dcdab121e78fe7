#!/usr/bin/env bash
# Install everything ferry needs to build and to run its tests on Debian 12 (bookworm).
#
# Usage: scripts/deps.sh
#
# Idempotent: when every package is already installed it does nothing (not even apt-get
# update), so the test command can call it on every run. Runs as root, or through sudo.
# Package services (the system MariaDB and PostgreSQL) are not started by the install: the
# tests start their own throwaway servers with scripts/testbed.sh.
set -euo pipefail

readonly PACKAGES=(
  # build
  build-essential cmake pkg-config git ca-certificates clang-format
  libboost-dev libboost-program-options-dev libtomlplusplus-dev libsqlite3-dev
  libspdlog-dev nlohmann-json3-dev libcpp-httplib-dev
  # database clients the connectors link against
  libmariadb-dev libpq-dev
  # tests
  libgtest-dev libgmock-dev
  mariadb-server mariadb-client postgresql-15 postgresql-client-15
  procps iproute2 util-linux
)

die() {
  echo "deps.sh: error: $*" >&2
  exit 1
}

# Prints the packages of PACKAGES that are not installed, one per line.
missing_packages() {
  local pkg status
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != ii* ]]; then
      echo "$pkg"
    fi
  done
}

# Runs "$@" as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "installing packages needs root: run this script as root or install sudo"
  fi
}

# Keeps the package scripts from starting the system database servers during the install
# (as the Debian container images do): nothing here needs them, and on a 2-core CI machine
# they would only take memory. A policy-rc.d that is already there is left alone.
POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_OURS=0

block_service_starts() {
  if [[ ! -e "$POLICY_RC" ]]; then
    as_root sh -c "printf '#!/bin/sh\n# written by ferry scripts/deps.sh during apt-get install\nexit 101\n' > '$POLICY_RC' && chmod 755 '$POLICY_RC'"
    POLICY_RC_OURS=1
  fi
}

unblock_service_starts() {
  if [[ "$POLICY_RC_OURS" -eq 1 ]]; then
    as_root rm -f "$POLICY_RC"
    POLICY_RC_OURS=0
  fi
}

main() {
  command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian 12 only"

  local missing
  missing=$(missing_packages)
  if [[ -z "$missing" ]]; then
    echo "deps.sh: all ${#PACKAGES[@]} packages are installed"
    return 0
  fi

  local -a to_install
  mapfile -t to_install <<<"$missing"
  echo "deps.sh: installing ${#to_install[@]} package(s): ${to_install[*]}"

  trap unblock_service_starts EXIT
  block_service_starts
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${to_install[@]}"
  unblock_service_starts
  trap - EXIT

  missing=$(missing_packages)
  [[ -z "$missing" ]] || die "still not installed after apt-get install: ${missing//$'\n'/ }"
  echo "deps.sh: done"
}

main "$@"
