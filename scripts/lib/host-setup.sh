# Shared by scripts/test and scripts/quickstart: install Debian/Ubuntu packages that are missing,
# without letting package scripts start services (no systemd here, and libvirt's default NAT
# network must never start on its own).

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

log() { printf '%s\n' "$*" >&2; }

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# apt_install PKG... : installs the missing ones, services kept from starting during the install.
apt_install() {
  local missing=() p
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "setup: missing packages: ${missing[*]} (this script installs them on Debian/Ubuntu only; install them by hand)"
    return 1
  fi
  log "setup: installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && ours=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  local rc=$?
  if [ "$ours" = 1 ]; then $SUDO rm -f "$policy"; fi
  return $rc
}

install_build_tools() {
  local pkgs=()
  # the JDK, not only a JRE: scripts/release runs jlink and jdeps on its jmods
  command -v java >/dev/null 2>&1 && command -v jlink >/dev/null 2>&1 || pkgs+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
  [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
}

install_test_packages() {
  install_build_tools
  # sshd for the SSH/SFTP/tunnel tests; cloud-init for `cloud-init schema`; nftables for `nft -c`;
  # systemd for `systemd-analyze verify`; libvirt + QEMU + image tools for the provider and e2e tests.
  apt_install openssh-server openssh-client cloud-init nftables systemd \
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils \
    mmdebstrap e2fsprogs genisoimage xorriso cloud-image-utils \
    curl iproute2 python3 procps ca-certificates
  # the runtime image (vmbox image build --runtime llama.cpp): Debian's archive keyring that apt checks the Release
  # file with, gpgv that checks it again for the manifest
  apt_install debian-archive-keyring gpgv
  # the release test (ReleasePackagesIT): man pages (asciidoctor), the .deb's library dependencies (dpkg-dev),
  # `man` on the installed pages, `ruby -c` on the Homebrew formula
  apt_install asciidoctor dpkg-dev man-db ruby
  # the clients: fish evaluates `vmbox env --shell fish` (EnvCommandTest); Debian's Chromium and its
  # chromedriver (the same version, one source package) for the browser test of llama-server's chat page
  apt_install fish chromium chromium-driver
}

e2e_enabled() { [ "${CI:-}" = true ] || [ "${VMBOX_E2E:-}" = 1 ]; }

# libvirtd on a machine whose PID 1 is not systemd (containers, CI); on a systemd host the package
# already started it. Never lets libvirt's default NAT network autostart.
start_libvirtd() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl start libvirtd 2>/dev/null || true
    return 0
  fi
  $SUDO sh scripts/ci-start-libvirtd
}

# What the end-to-end tests need beyond packages: libvirtd running and the test image built (cached
# outside the repository, keyed by the recipe's content).
prepare_e2e() {
  start_libvirtd
  log "setup: test image: $($SUDO sh scripts/build-test-image)"
}
