#!/usr/bin/env bash
# Build the mcv desktop bundle with PyInstaller: one folder, started as DIST/mcv/mcv.
#
#   installer/build_bundle.sh [--dist DIR] [--work DIR] [--help]
#
# Needs the dev tools (installer/setup.sh --dev: PyInstaller in .venv, objdump from
# binutils). The bundle carries Python, Qt, PyAV/FFmpeg, python-vlc and paho-mqtt; the
# vehicle PC still needs libvlc (libvlc5 vlc-plugin-base) and, for a local broker,
# mosquitto, as installer/setup.sh installs them. What goes in is in installer/mcv.spec.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: installer/build_bundle.sh [--dist DIR] [--work DIR] [--help]

Builds the desktop bundle into DIR/mcv (default: dist/mcv in the checkout).
  --dist DIR  where the bundle folder goes (default: dist)
  --work DIR  PyInstaller's scratch folder (default: build/pyinstaller)
  --help      show this help
USAGE
}

say() { printf 'mcv bundle: %s\n' "$*"; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIST="$REPO/dist"
WORK="$REPO/build/pyinstaller"
while (($#)); do
    case $1 in
        --dist) DIST=${2:?--dist needs a folder}; shift 2 ;;
        --work) WORK=${2:?--work needs a folder}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'mcv bundle: unknown option "%s"\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done

PYINSTALLER="$REPO/.venv/bin/pyinstaller"
if [[ ! -x $PYINSTALLER ]]; then
    say "$PYINSTALLER not found; run installer/setup.sh --dev first" >&2
    exit 1
fi
if ! command -v objdump >/dev/null 2>&1; then
    say "objdump not found; PyInstaller needs it on Linux: apt-get install binutils" >&2
    exit 1
fi

started=$SECONDS
say "building $DIST/mcv (log: $WORK/build.log)"
mkdir -p "$WORK"
if ! "$PYINSTALLER" --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" \
    "$REPO/installer/mcv.spec" >"$WORK/build.log" 2>&1; then
    tail -n 20 "$WORK/build.log" >&2
    say "FAILED: PyInstaller exited non-zero; the full log is $WORK/build.log" >&2
    exit 1
fi
"$DIST/mcv/mcv" --version >/dev/null \
    || { say "FAILED: the built $DIST/mcv/mcv --version does not run" >&2; exit 1; }
say "built $DIST/mcv ($(du -sh "$DIST/mcv" | cut -f1)) in $((SECONDS - started)) s"
