#!/bin/sh
# vmbox: applies vmbox's own cloud-config (written by the data step before this one) with the guest's
# own cloud-init, module by module, in cloud-init's boot order. Lima runs provisioning at every start,
# so it runs once: the marker file says it is done (and the readiness probe waits for it).
set -eu
umask 022
cfg=/var/lib/vmbox/cloud-config.yaml
marker=/var/lib/vmbox/provisioned
if [ -f "$marker" ]; then
  exit 0
fi
if [ ! -s "$cfg" ]; then
  echo "vmbox: $cfg is missing: Lima did not deliver vmbox's cloud-config" >&2
  exit 1
fi
for module in write_files set_hostname update_hostname update_etc_hosts users_groups ssh set_passwords \
    runcmd package_update_upgrade_install write_files_deferred; do
  cloud-init --file "$cfg" single --name "$module" --frequency always
done
# cloud-init's runcmd module only writes the script; run it now (the scripts_user module would also
# run scripts that are not vmbox's).
runcmd=/var/lib/cloud/instance/scripts/runcmd
if [ -f "$runcmd" ]; then
  sh "$runcmd"
fi
# sshd picks up vmbox's host key and drop-in only when restarted.
systemctl restart ssh.service 2>/dev/null || systemctl restart sshd.service
touch "$marker"
