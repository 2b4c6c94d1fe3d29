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

# 1. Egress, over TCP, over UDP and over IPv6: an outbound connection (or datagram) must fail when
#    sealed. Targets: the default gateway (the first hop off the guest; on QEMU's user network it is the
#    host's own loopback), the cloud metadata address, DNS on the gateway and the resolvers, the
#    neighbours on the guest's own subnets, and documentation addresses that nothing on the internet
#    answers (192.0.2.1, 2001:db8::1: a guest whose egress were open sends them nowhere harmful).
#    Under open the guest may reach the internet by choice, never its host: the gateway and the
#    neighbours must refuse TCP connections (DNS excepted: a bridge's gateway is its DNS forwarder).
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
udp_sent() { timeout 2 bash -c "printf x >/dev/udp/$1/$2" 2>/dev/null; }
gw=$(ip -4 route show default 2>/dev/null | awk '/default/ {print $3; exit}')
gw6=$(ip -6 route show default 2>/dev/null | awk '/default/ {for (i = 1; i < NF; i++) if ($i == "via") v = $(i + 1); for (i = 1; i < NF; i++) if ($i == "dev") d = $(i + 1); print v "%" d; exit}')
dns=$(awk '/^nameserver/ {print $2}' /etc/resolv.conf /run/systemd/resolve/resolv.conf 2>/dev/null | grep -v '^127\.' | sort -u | head -n 3)
neighbours=""
for net in $(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | cut -d. -f1-3); do
  neighbours="$neighbours $net.1 $net.2"
done
route=${gw:+default route via $gw}
if [ "$policy" = sealed ] || [ "$policy" = fetch-window ]; then  # fetch-window is sealed once create is done
  targets="169.254.169.254:80 192.0.2.1:443"
  [ -n "$gw" ] && targets="$gw:53 $gw:80 $gw:443 $targets"
  for d in $dns; do case "$d" in *:*) ;; *) targets="$targets $d:53" ;; esac; done
  for n in $neighbours; do targets="$targets $n:80 $n:53"; done
  targets=$(printf '%s\n' $targets | awk '!seen[$0]++' | tr '\n' ' ')
  open=""
  for t in $targets; do tcp_open "${t%:*}" "${t##*:}" && open="$open $t"; done
  loaded=yes
  nft list chain inet vmbox output 2>/dev/null | grep -q 'vmbox: egress sealed' || loaded=no
  if [ "$loaded" = no ]; then
    say egress FAIL "the sealed nftables ruleset (table inet vmbox) is not loaded"
  elif [ -n "$open" ]; then
    say egress FAIL "TCP connections over IPv4 succeeded to:$open"
  else
    say egress PASS "TCP over IPv4 refused (tried ${targets% }; ${route:-no default route}); sealed nftables ruleset loaded"
  fi
  # UDP has no handshake: a datagram the guest's rules let out is "sent"; a sealed guest refuses to send it.
  utargets="169.254.169.254:53 192.0.2.1:53 192.0.2.1:123"
  [ -n "$gw" ] && utargets="$gw:53 $gw:123 $utargets"
  for d in $dns; do case "$d" in *:*) ;; *) utargets="$utargets $d:53" ;; esac; done
  for n in $neighbours; do utargets="$utargets $n:53"; done
  utargets=$(printf '%s\n' $utargets | awk '!seen[$0]++' | tr '\n' ' ')
  sent=""
  for t in $utargets; do udp_sent "${t%:*}" "${t##*:}" && sent="$sent $t"; done
  if [ "$loaded" = no ]; then say egress-udp FAIL "the sealed nftables ruleset (table inet vmbox) is not loaded"
  elif [ -n "$sent" ]; then say egress-udp FAIL "UDP datagrams left the guest to:$sent"
  else say egress-udp PASS "UDP refused by the guest before it left (tried ${utargets% })"; fi
  # IPv6: a global documentation address and the IPv6 default router, over TCP and UDP.
  v6targets="2001:db8::1"
  [ -n "$gw6" ] && v6targets="$v6targets $gw6"
  for d in $dns; do case "$d" in *:*) v6targets="$v6targets $d" ;; esac; done
  v6open=""
  for h in $v6targets; do
    tcp_open "$h" 443 && v6open="$v6open tcp/[$h]:443"
    tcp_open "$h" 80 && v6open="$v6open tcp/[$h]:80"
    udp_sent "$h" 53 && v6open="$v6open udp/[$h]:53"
    udp_sent "$h" 123 && v6open="$v6open udp/[$h]:123"
  done
  v6route=$(ip -6 route show default 2>/dev/null | head -n 1)
  if [ "$loaded" = no ]; then say egress-ipv6 FAIL "the sealed nftables ruleset (table inet vmbox) is not loaded"
  elif [ -n "$v6open" ]; then say egress-ipv6 FAIL "IPv6 traffic left the guest:$v6open"
  else say egress-ipv6 PASS "TCP and UDP over IPv6 refused (tried $v6targets; ${v6route:-no IPv6 default route})"; fi
else
  targets=""
  [ -n "$gw" ] && targets="$gw:22 $gw:80 $gw:443"
  for n in $neighbours; do targets="$targets $n:22 $n:80 $n:443"; done
  reached=""
  for t in $targets; do tcp_open "${t%:*}" "${t##*:}" && reached="$reached $t"; done
  if [ -n "$reached" ]; then
    say egress FAIL "policy is $policy, but the guest reached its host (gateway or neighbours):$reached"
  else
    say egress PASS "policy is $policy: egress to the internet is allowed by choice; the host is refused (tried ${targets:-no gateway}; ${route:-no default route})"
  fi
  say egress-udp PASS "policy is $policy: egress is allowed by choice"
  say egress-ipv6 PASS "policy is $policy: egress is allowed by choice"
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

# 3b. The runtime's own unit may talk to loopback only, whatever the egress policy (systemd's IP
#     firewall for the unit's cgroup: IPAddressDeny=any, IPAddressAllow=localhost).
ipdeny=$(systemctl show -p IPAddressDeny --value "$unit" 2>/dev/null)
ipallow=$(systemctl show -p IPAddressAllow --value "$unit" 2>/dev/null)
denies_all=no
case " $ipdeny " in *" 0.0.0.0/0 "*) case " $ipdeny " in *" ::/0 "*) denies_all=yes ;; esac ;; esac
wider=""
for a in $ipallow; do
  case "$a" in 127.*/8|127.*/9|127.*/1[0-9]|127.*/2[0-9]|127.*/3[0-2]|::1/128) ;; *) wider="$wider $a" ;; esac
done
if [ "$denies_all" = no ]; then say runtime-network FAIL "$unit does not deny every address: IPAddressDeny=${ipdeny:-(empty)}"
elif [ -n "$wider" ]; then say runtime-network FAIL "$unit may reach more than loopback: IPAddressAllow=$ipallow"
else say runtime-network PASS "$unit: IPAddressDeny=$ipdeny, IPAddressAllow=${ipallow:-(none)}: loopback only"; fi

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
