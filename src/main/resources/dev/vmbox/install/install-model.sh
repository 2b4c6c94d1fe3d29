#!/bin/sh
# vmbox guest installer for a VM that boots a runtime image (the runtime is in the image, apt-verified when
# it was built): run as root (sudo) over SSH after the model was uploaded into the staging folder and its
# sha256 checked there. Places the model read-only (0444 root:root) where the runtime's unit reads it,
# runs llama-server with one thread under software emulation (ggml's spinning worker threads collapse on
# emulated CPUs), reloads systemd (cloud-init wrote the sizing drop-in after systemd loaded the units) and
# starts the sandboxed unit. Whether the runtime serves is the health step's to find out, through the
# tunnel. It never touches the network.
#   install-model.sh STAGED_MODEL
set -eu
model=$1
store=/var/lib/vmbox/models
unit=vmbox-runtime.service
dropins=/etc/systemd/system/$unit.d
umask 022

case "$model" in /var/tmp/vmbox-model/*) ;; *) echo "refusing model path $model" >&2; exit 2 ;; esac
case "$model" in *..*) echo "refusing model path $model" >&2; exit 2 ;; esac
if [ ! -f "$model" ] || [ -L "$model" ]; then echo "no uploaded model at $model" >&2; exit 2; fi
[ -f "/etc/systemd/system/$unit" ] || { echo "this image has no $unit (is it a runtime image?)" >&2; exit 3; }

install -d -m 0755 -o root -g root /var/lib/vmbox "$store"
# same file system: a rename, never a second copy of a large model
chown root:root "$model"
chmod 0444 "$model"
mv -f "$model" "$store/model.gguf"
rm -rf "$(dirname "$model")"

mkdir -p "$dropins"
if [ "$(systemd-detect-virt --vm 2>/dev/null || true)" = qemu ]; then
    printf '%s\n' '# vmbox: software emulation (no KVM): one thread; more collapse under emulation.' '[Service]' \
        'Environment=LLAMA_ARG_THREADS=1' > "$dropins/20-vmbox-emulated.conf"
    echo "threads: 1 (software emulation)"
else
    rm -f "$dropins/20-vmbox-emulated.conf"
fi
systemctl daemon-reload
systemctl restart "$unit"
