#!/bin/sh
# vmbox guest installer for a VM that boots a runtime image (the runtime is in the image, apt-verified when
# it was built): run as root (sudo) over SSH after the model was uploaded into the staging folder and its
# sha256 checked there. Places the model read-only (0444 root:root) where the runtime's unit reads it,
# runs llama-server with one thread under software emulation (ggml's spinning worker threads collapse on
# emulated CPUs), reloads systemd (cloud-init wrote the sizing drop-in after systemd loaded the units) and
# starts the sandboxed unit. Whether the runtime serves is the health step's to find out, through the
# tunnel. It never touches the network.
#   install-model.sh STAGED_MODEL [STAGED_API_KEY]
# STAGED_API_KEY: the instance's API key (the one the host endpoint asks every client for); llama-server is
# given the same file (LLAMA_ARG_API_KEY_FILE), readable by the runtime's user only.
set -eu
model=$1
key=${2:-}
keyfile=/etc/vmbox/runtime-api-key
store=/var/lib/vmbox/models
unit=vmbox-runtime.service
dropins=/etc/systemd/system/$unit.d
umask 022

case "$model" in /var/tmp/vmbox-model/*) ;; *) echo "refusing model path $model" >&2; exit 2 ;; esac
case "$model" in *..*) echo "refusing model path $model" >&2; exit 2 ;; esac
if [ ! -f "$model" ] || [ -L "$model" ]; then echo "no uploaded model at $model" >&2; exit 2; fi
if [ -n "$key" ]; then
    case "$key" in /var/tmp/vmbox-model/*) ;; *) echo "refusing key path $key" >&2; exit 2 ;; esac
    if [ ! -f "$key" ] || [ -L "$key" ]; then echo "no uploaded API key at $key" >&2; exit 2; fi
fi
[ -f "/etc/systemd/system/$unit" ] || { echo "this image has no $unit (is it a runtime image?)" >&2; exit 3; }

install -d -m 0755 -o root -g root /var/lib/vmbox "$store"
# same file system: a rename, never a second copy of a large model
chown root:root "$model"
chmod 0444 "$model"
mv -f "$model" "$store/model.gguf"

mkdir -p "$dropins"
if [ -n "$key" ]; then
    install -d -m 0755 /etc/vmbox
    chown root:vmbox-llama "$key"
    chmod 0640 "$key"
    mv -f "$key" "$keyfile"
    printf '%s\n' '# vmbox: the instance API key; llama-server checks it too (the host endpoint asks every client for it).' \
        '[Service]' "Environment=LLAMA_ARG_API_KEY_FILE=$keyfile" > "$dropins/30-vmbox-api-key.conf"
else
    rm -f "$keyfile" "$dropins/30-vmbox-api-key.conf"
fi
rm -rf "$(dirname "$model")"
if [ "$(systemd-detect-virt --vm 2>/dev/null || true)" = qemu ]; then
    printf '%s\n' '# vmbox: software emulation (no KVM): one thread; more collapse under emulation.' '[Service]' \
        'Environment=LLAMA_ARG_THREADS=1' > "$dropins/20-vmbox-emulated.conf"
    echo "threads: 1 (software emulation)"
else
    rm -f "$dropins/20-vmbox-emulated.conf"
fi
systemctl daemon-reload
systemctl restart "$unit"
