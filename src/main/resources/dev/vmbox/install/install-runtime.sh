#!/bin/sh
# vmbox guest installer, run as root (sudo) over SSH after the runtime bundle and the model were
# uploaded into the staging folder and their sha256 checked. Installs both read-only for the runtime
# user, then (re)starts the sandboxed runtime unit. It never touches the network.
#   install-runtime.sh STAGE RUNTIME_DIR MODEL_STORE
# STAGE holds runtime.tar.gz (the runtime's release archive) and model/ (files laid out as the
# model store expects them). Everything lands owned by root, directories 0755, files 0644
# (executables 0755): the runtime user can read and run, never write.
set -eu
stage=$1
runtime_dir=$2
model_store=$3
umask 022

case "$runtime_dir" in /opt/vmbox/runtime/*) ;; *) echo "refusing runtime dir $runtime_dir" >&2; exit 2 ;; esac
case "$model_store" in /var/lib/vmbox/models*) ;; *) echo "refusing model store $model_store" >&2; exit 2 ;; esac
[ -f "$stage/runtime.tar.gz" ] || { echo "no runtime bundle in $stage" >&2; exit 2; }

systemctl stop vmbox-runtime.service 2>/dev/null || true

# The runtime: unpack into a fresh folder (no owners from the archive, no absolute or .. paths:
# GNU tar refuses both by default), then swap it in.
new="$runtime_dir.new.$$"
rm -rf "$new"
mkdir -p "$new"
tar -xzf "$stage/runtime.tar.gz" -C "$new" --no-same-owner --no-same-permissions --no-overwrite-dir
chown -R root:root "$new"
chmod -R u+rwX,go+rX,go-w "$new"
rm -rf "$runtime_dir"
mv "$new" "$runtime_dir"

# The model: copy into the store, read-only for everyone but root.
if [ -d "$stage/model" ]; then
  mkdir -p "$model_store"
  cp -R "$stage/model/." "$model_store/"
  chown -R root:root "$model_store"
  find "$model_store" -type d -exec chmod 0755 {} +
  find "$model_store" -type f -exec chmod 0644 {} +
fi

rm -rf "$stage"
systemctl daemon-reload
systemctl enable vmbox-runtime.service >/dev/null 2>&1
systemctl restart vmbox-runtime.service
# Give the unit a moment and fail loudly when it does not stay up.
i=0
while [ $i -lt 30 ]; do
  if systemctl is-active --quiet vmbox-runtime.service; then exit 0; fi
  if systemctl is-failed --quiet vmbox-runtime.service; then break; fi
  i=$((i + 1)); sleep 1
done
echo "vmbox-runtime.service is not running:" >&2
systemctl status --no-pager vmbox-runtime.service 2>&1 | tail -n 15 >&2 || true
journalctl -u vmbox-runtime.service --no-pager -n 20 2>&1 >&2 || true
exit 1
