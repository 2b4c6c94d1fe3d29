#!/bin/sh
# vmbox: starts the installed runtime, run as root (sudo) over SSH once install-runtime.sh placed it and, under
# the fetch-window policy, once egress is sealed (guest and hypervisor): the untrusted runtime never runs
# while the guest may reach the network. Enables the sandboxed unit for later boots and waits until it is
# active (or says why not, with its status and journal).
set -eu
unit=vmbox-runtime.service
systemctl daemon-reload
systemctl enable "$unit" >/dev/null 2>&1
systemctl restart "$unit"
i=0
while [ $i -lt 20 ]; do
  if systemctl is-failed --quiet "$unit"; then break; fi
  if [ $i -ge 3 ] && systemctl is-active --quiet "$unit"; then exit 0; fi
  i=$((i + 1)); sleep 1
done
echo "$unit is not running:" >&2
systemctl status --no-pager "$unit" 2>&1 | tail -n 12 >&2 || true
journalctl -u "$unit" --no-pager -n 15 2>&1 | tail -n 15 >&2 || true
exit 1
