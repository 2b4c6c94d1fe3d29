#!/bin/sh
# vmbox guest installer for a VM that boots a runtime image (the runtime is in the image, apt-verified when
# it was built): run as root (sudo) over SSH by the admin user, after the model was uploaded into that user's
# home and its sha256 checked there. Places the model read-only (0444 root:root) where the runtime's unit reads
# it, runs llama-server with one thread under software emulation (ggml's spinning worker threads collapse on
# emulated CPUs), both in /etc/vmbox/runtime.env, which the unit reads at each start (the image's seed unit
# reloaded systemd for the sizing drop-in at first boot, so nothing here needs a daemon-reload). vmbox starts the sandboxed unit next (under the fetch window only once egress is sealed); whether the runtime serves
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

# What the runtime's unit reads at every start (EnvironmentFile=): no daemon-reload, its drop-ins are unchanged.
install -d -m 0755 /etc/vmbox
env=/etc/vmbox/runtime.env.new
: > "$env"
if [ -n "$key" ]; then
    chown root:vmbox-llama "$key"
    chmod 0640 "$key"
    mv -f "$key" "$keyfile"
    echo "LLAMA_ARG_API_KEY_FILE=$keyfile" >> "$env"
else
    rm -f "$keyfile"
fi
if [ "$(systemd-detect-virt --vm 2>/dev/null || true)" = qemu ]; then
    # software emulation (no KVM): one thread; more collapse under emulation
    echo "LLAMA_ARG_THREADS=1" >> "$env"
    echo "threads: 1 (software emulation)"
fi
chmod 0644 "$env"
mv -f "$env" /etc/vmbox/runtime.env
