#!/bin/sh
# vmbox guest installer for a VM that boots a runtime image (the runtime is in the image, apt-verified when
# it was built): run as root (sudo) over SSH by the admin user, after the model was uploaded into that user's
# home and its sha256 checked there. Places the model read-only (0444 root:root) where the runtime's unit reads
# it, runs llama-server with one thread under software emulation (ggml's spinning worker threads collapse on
# emulated CPUs) and reloads systemd (cloud-init wrote the sizing drop-in after systemd loaded the units). vmbox
# starts the sandboxed unit next (under the fetch window only once egress is sealed); whether the runtime serves
# is the health step's to find out, through the tunnel. It never touches the network.
#   install-model.sh UPLOADED_MODEL [UPLOADED_API_KEY]
# UPLOADED_API_KEY: the instance's API key (the one the host endpoint asks every client for); llama-server is
# given the same file (LLAMA_ARG_API_KEY_FILE), readable by the runtime's user only.
set -eu
model=$1
key=${2:-}
keyfile=/etc/vmbox/runtime-api-key
store=/var/lib/vmbox/models
unit=vmbox-runtime.service
dropins=/etc/systemd/system/$unit.d
umask 022

# only plain files the calling admin uploaded into their own home
home=$(getent passwd "${SUDO_USER:-}" | cut -d: -f6)
for f in "$model" ${key:+"$key"}; do
    case "$f" in "$home"/vmbox-*) ;; *) echo "refusing $f: not an upload in ${SUDO_USER:-?}'s home" >&2; exit 2 ;; esac
    case "$f" in *..*) echo "refusing $f" >&2; exit 2 ;; esac
    if [ -z "$home" ] || [ ! -f "$f" ] || [ -L "$f" ] || [ "$(stat -c %u "$f")" != "${SUDO_UID:-}" ]; then
        echo "no upload of ${SUDO_USER:-?} at $f" >&2; exit 2
    fi
done
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
if [ "$(systemd-detect-virt --vm 2>/dev/null || true)" = qemu ]; then
    printf '%s\n' '# vmbox: software emulation (no KVM): one thread; more collapse under emulation.' '[Service]' \
        'Environment=LLAMA_ARG_THREADS=1' > "$dropins/20-vmbox-emulated.conf"
    echo "threads: 1 (software emulation)"
else
    rm -f "$dropins/20-vmbox-emulated.conf"
fi
systemctl daemon-reload
