#!/bin/sh
# vmbox verify: probes run as root inside the guest. Each prints one line:
#   PROBE <id> PASS|FAIL <what was seen>
# Arguments: EGRESS_POLICY RUNTIME_USER RUNTIME_PORT
# Nothing here changes the guest; the egress probe only tries to open connections, which a sealed
# guest must refuse.
set -u
policy=$1
runtime_user=$2
runtime_port=$3
unit=vmbox-runtime.service

say() { printf 'PROBE %s %s %s\n' "$1" "$2" "$3"; }

# 1. Egress: an outbound connection must fail when sealed. Targets: the default gateway (the first
#    hop off the guest), the cloud metadata address, and DNS on the gateway.
if [ "$policy" = sealed ] || [ "$policy" = fetch-window ]; then  # fetch-window is sealed once create is done
  gw=$(ip -4 route show default 2>/dev/null | awk '/default/ {print $3; exit}')
  dns=$(awk '/^nameserver/ {print $2}' /etc/resolv.conf 2>/dev/null | grep -v '^127\.' | head -n 2)
  targets="169.254.169.254:80"
  [ -n "$gw" ] && targets="$gw:53 $gw:80 $gw:443 $targets"
  for d in $dns; do case "$d" in *:*) ;; *) targets="$targets $d:53" ;; esac; done
  # the neighbours on the guest's own subnets (.1 and .2: where routers and hypervisor gateways sit),
  # so the probe means something even when the guest has no default route
  for net in $(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | cut -d. -f1-3); do
    targets="$targets $net.1:80 $net.2:80 $net.2:53"
  done
  open=""
  for t in $targets; do
    host=${t%:*}; port=${t#*:}
    if timeout 4 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then open="$open $t"; fi
  done
  route=${gw:+default route via $gw}
  if ! nft list chain inet vmbox output 2>/dev/null | grep -q 'vmbox: egress sealed'; then
    say egress FAIL "the sealed nftables ruleset (table inet vmbox) is not loaded"
  elif [ -n "$open" ]; then
    say egress FAIL "outbound connections succeeded to:$open"
  else
    say egress PASS "outbound connections refused (tried $targets; ${route:-no default route}); sealed nftables ruleset loaded"
  fi
else
  say egress PASS "policy is $policy: egress is allowed by choice"
fi

# 2. The runtime listens on loopback only, and nothing but sshd listens beyond loopback.
listeners=$(ss -Hltn 2>/dev/null | awk '{print $4}')
bad=""
runtime_seen=no
for l in $listeners; do
  addr=${l%:*}; port=${l##*:}
  case "$addr" in
    127.*|\[::1\]|::1) [ "$port" = "$runtime_port" ] && runtime_seen=yes ;;
    *) [ "$port" = 22 ] || bad="$bad $l" ;;
  esac
done
if [ -n "$bad" ]; then
  say loopback FAIL "listening beyond loopback:$bad"
elif [ "$runtime_seen" = no ]; then
  say loopback FAIL "nothing listens on 127.0.0.1:$runtime_port (is the runtime running?)"
else
  say loopback PASS "runtime on 127.0.0.1:$runtime_port; only sshd (22) listens beyond loopback"
fi

# 3. The runtime runs as its own unprivileged user, under its sandbox.
pid=$(systemctl show -p MainPID --value "$unit" 2>/dev/null)
if [ -z "$pid" ] || [ "$pid" = 0 ]; then
  say runtime-user FAIL "$unit is not running"
  say sandbox FAIL "$unit is not running"
else
  uid=$(awk '/^Uid:/ {print $3; exit}' "/proc/$pid/status" 2>/dev/null)
  user=$(getent passwd "$uid" | cut -d: -f1)
  if [ "$uid" = 0 ]; then say runtime-user FAIL "runs as root (pid $pid)"
  elif [ "$user" != "$runtime_user" ]; then say runtime-user FAIL "runs as $user, expected $runtime_user"
  else say runtime-user PASS "runs as $user (uid $uid), pid $pid"; fi
  props=$(systemctl show "$unit" -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p PrivateTmp \
    -p PrivateDevices -p CapabilityBoundingSet -p RestrictAddressFamilies -p MemoryMax -p TasksMax \
    -p SystemCallFilter -p IPAddressDeny 2>/dev/null)
  missing=""
  echo "$props" | grep -qx 'NoNewPrivileges=yes' || missing="$missing NoNewPrivileges"
  echo "$props" | grep -qx 'ProtectSystem=strict' || missing="$missing ProtectSystem=strict"
  echo "$props" | grep -Eqx 'ProtectHome=(yes|read-only|tmpfs)' || missing="$missing ProtectHome"
  echo "$props" | grep -qx 'PrivateTmp=yes' || missing="$missing PrivateTmp"
  echo "$props" | grep -qx 'CapabilityBoundingSet=' || missing="$missing CapabilityBoundingSet="
  echo "$props" | grep -q '^RestrictAddressFamilies=.' || missing="$missing RestrictAddressFamilies"
  echo "$props" | grep -q '^SystemCallFilter=.' || missing="$missing SystemCallFilter"
  echo "$props" | grep -Eq '^MemoryMax=[0-9]+$' || missing="$missing MemoryMax"
  echo "$props" | grep -Eq '^TasksMax=[0-9]+$' || missing="$missing TasksMax"
  if grep -q 'NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" 2>/dev/null; then :; else missing="$missing no_new_privs(kernel)"; fi
  if grep -q 'CapEff:[[:space:]]*0000000000000000' "/proc/$pid/status" 2>/dev/null; then :; else missing="$missing CapEff=0(kernel)"; fi
  if [ -n "$missing" ]; then say sandbox FAIL "not in effect:$missing"
  else say sandbox PASS "NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, no capabilities, address families and syscalls filtered, MemoryMax and TasksMax set (checked in the kernel too)"; fi
fi

# 4. No host folder is mounted.
mounts=$(awk '$3 ~ /^(9p|virtiofs|fuse\.sshfs|sshfs|nfs|nfs4|cifs|smb3|vboxsf|fuse\.reverse-sshfs)$/ {print $2 " (" $3 ")"}' /proc/mounts)
if [ -n "$mounts" ]; then say no-host-mounts FAIL "host shares mounted: $(echo $mounts)"
else say no-host-mounts PASS "no 9p, virtiofs, sshfs, NFS or SMB mounts"; fi

# 5. Password SSH is off (effective sshd configuration, not just the files).
# OpenSSH 10 prints the keywords in their documented case, older releases in lower case
cfg=$(sshd -T 2>/dev/null | tr "[:upper:]" "[:lower:]")
if [ -z "$cfg" ]; then say password-ssh FAIL "cannot read sshd's effective configuration"
elif echo "$cfg" | grep -qx 'passwordauthentication no' && echo "$cfg" | grep -Eqx '(kbdinteractiveauthentication|challengeresponseauthentication) no' \
     && echo "$cfg" | grep -qx 'permitrootlogin no'; then
  say password-ssh PASS "sshd: PasswordAuthentication no, KbdInteractiveAuthentication no, PermitRootLogin no"
else
  say password-ssh FAIL "sshd allows passwords or root: $(echo "$cfg" | grep -E '^(passwordauthentication|kbdinteractiveauthentication|permitrootlogin) ' | tr '\n' ' ')"
fi
