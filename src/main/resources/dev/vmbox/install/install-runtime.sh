#!/bin/sh
# vmbox guest installer, run as root (sudo) over SSH after the runtime archive and the model were
# uploaded into the staging folder and their sha256 checked there. Installs both read-only for the
# runtime user; it never starts the runtime (start-runtime.sh does, once egress is sealed where the
# policy asks for it) and never touches the network.
#   install-runtime.sh STAGE ARCHIVE_TYPE RUNTIME_DIR BINARY MODEL_STORE
# STAGE holds runtime.archive (tar.gz, tar.zst, or "bundle": a vLLM wheelhouse .tar.gz) and model/
# (files laid out as the model store expects them). BINARY is the runtime's main program, relative to
# RUNTIME_DIR (bin/ollama, llama-server, venv/bin/vllm). Everything lands owned by root, folders 0755,
# files 0644 or 0755: the runtime user can read and run, never write.
set -eu
stage=$1
archive=$2
runtime_dir=$3
binary=$4
model_store=$5
umask 022

case "$runtime_dir" in /opt/vmbox/runtime/*) ;; *) echo "refusing runtime dir $runtime_dir" >&2; exit 2 ;; esac
case "$model_store" in /var/lib/vmbox/models*) ;; *) echo "refusing model store $model_store" >&2; exit 2 ;; esac
case "$binary" in /*|*..*) echo "refusing binary path $binary" >&2; exit 2 ;; esac
[ -f "$stage/runtime.archive" ] || { echo "no runtime archive in $stage" >&2; exit 2; }

# Not running, and not started by a reboot either, until start-runtime.sh (after the seal under fetch-window).
systemctl disable --now vmbox-runtime.service >/dev/null 2>&1 || true

# Trust the bytes, not the name: a user bundle may be packed differently from the pinned release.
magic=$(head -c 4 "$stage/runtime.archive" | od -An -tx1 | tr -d ' \n')
case "$archive:$magic" in
  bundle:*) ;;
  *:1f8b*) archive=tar.gz ;;
  *:28b52ffd) archive=tar.zst ;;
  *) echo "the runtime archive is neither gzip nor zstd (starts with $magic)" >&2; exit 2 ;;
esac

new="$runtime_dir.new.$$"
rm -rf "$new"
mkdir -p "$new"
# GNU tar refuses absolute names and '..' members by default; owners in the archive are ignored.
case "$archive" in
  tar.gz) tar -xzf "$stage/runtime.archive" -C "$new" --no-same-owner --no-same-permissions ;;
  tar.zst)
    command -v zstd >/dev/null 2>&1 || { echo "the guest has no zstd to unpack the runtime (.tar.zst)" >&2; exit 3; }
    tar --zstd -xf "$stage/runtime.archive" -C "$new" --no-same-owner --no-same-permissions ;;
  bundle)
    # A wheelhouse made with `pip download`: install offline into a venv, nothing from the network.
    mkdir -p "$new/wheels"
    tar -xzf "$stage/runtime.archive" -C "$new/wheels" --no-same-owner --no-same-permissions
    python3 -m venv "$new/venv"
    wheels=$(find "$new/wheels" -name '*.whl' -exec dirname {} \; | sort -u | head -n 1)
    # wheels only: a source package would run its setup.py here, as root
    "$new/venv/bin/pip" install --no-index --only-binary=:all: --find-links "$wheels" vllm >/dev/null
    rm -rf "$new/wheels" ;;
  *) echo "unknown runtime archive type $archive" >&2; exit 2 ;;
esac

# Release archives differ in their top folder (bin/ollama at the root, llama-bNNNN/llama-server ...):
# if the binary is not where the unit expects it, take the folder that holds it as the root.
if [ ! -f "$new/$binary" ]; then
  found=$(find "$new" -type f -path "*/$binary" | head -n 1)
  [ -n "$found" ] || { echo "the runtime archive has no $binary" >&2; exit 3; }
  top=${found%/"$binary"}
  moved="$runtime_dir.top.$$"
  mv "$top" "$moved"
  rm -rf "$new"
  mv "$moved" "$new"
fi
# nothing in the archive may point outside it or carry set-id bits
if [ -L "$new/$binary" ]; then echo "the runtime's $binary is a symbolic link; refusing it" >&2; exit 3; fi
find "$new" -type l | while read -r link; do
  case "$(readlink -f "$link")" in "$new"/*) ;; *) echo "refusing $link: it points outside the runtime" >&2; exit 3 ;; esac
done
chown -R root:root "$new"
chmod -R u+rwX,go+rX,go-w,a-st "$new"
chmod 0755 "$new/$binary"
rm -rf "$runtime_dir"
mv "$new" "$runtime_dir"

if [ -d "$stage/model" ]; then
  mkdir -p "$model_store"
  cp -R "$stage/model/." "$model_store/"
  chown -R root:root "$model_store"
  find "$model_store" -type d -exec chmod 0755 {} +
  find "$model_store" -type f -exec chmod 0644 {} +
fi

rm -rf "$stage"
systemctl daemon-reload
