#!/usr/bin/env bash
# Install the mcv menu entry (installer/mcv.desktop) and its icon (resources/icons/mcv.svg)
# in the XDG data folders. Idempotent: a rerun rewrites the same two files.
#
#   installer/install_desktop.sh [--system] [--data-dir DIR] [--exec MCV] [--help]
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: installer/install_desktop.sh [--system] [--data-dir DIR] [--exec MCV] [--help]

Installs the menu entry and icon of the mcv console:
  DATA/applications/mcv.desktop
  DATA/icons/hicolor/scalable/apps/mcv.svg
where DATA is $XDG_DATA_HOME (default ~/.local/share), or /usr/share with --system.

  --system        for every user (as root): DATA is /usr/share
  --data-dir DIR  DATA is DIR (for packaging)
  --exec MCV      the mcv command the entry starts (default: mcv on PATH, else this
                  checkout's .venv/bin/mcv, else its bundle dist/mcv/mcv)
  --help          show this help
USAGE
}

say() { printf 'mcv desktop: %s\n' "$*"; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
MCV=""
while (($#)); do
    case $1 in
        --system) DATA=/usr/share; shift ;;
        --data-dir) DATA=${2:?--data-dir needs a folder}; shift 2 ;;
        --exec) MCV=${2:?--exec needs the mcv command}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'mcv desktop: unknown option "%s"\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done

if [[ -z $MCV ]]; then
    for candidate in "$(command -v mcv || true)" "$REPO/.venv/bin/mcv" "$REPO/dist/mcv/mcv"; do
        if [[ -n $candidate && -x $candidate ]]; then
            MCV=$candidate
            break
        fi
    done
    [[ -n $MCV ]] || { say "no mcv found; run installer/setup.sh or give --exec PATH" >&2; exit 1; }
fi
if [[ $MCV =~ [^A-Za-z0-9_./+-] ]]; then
    say "the mcv path \"$MCV\" has characters a .desktop Exec line would need quoted; use a plain path" >&2
    exit 1
fi

applications="$DATA/applications"
icons="$DATA/icons/hicolor/scalable/apps"
mkdir -p "$applications" "$icons"
# Every Exec line starts the chosen mcv, so the entry works without mcv on PATH.
sed "s#^Exec=mcv #Exec=$MCV #" "$REPO/installer/mcv.desktop" >"$applications/mcv.desktop.tmp"
chmod 644 "$applications/mcv.desktop.tmp"
mv -f "$applications/mcv.desktop.tmp" "$applications/mcv.desktop"
install -m 644 "$REPO/resources/icons/mcv.svg" "$icons/mcv.svg"
say "installed $applications/mcv.desktop (runs $MCV) and $icons/mcv.svg"

# Refresh the menu and icon caches where the tools exist; a missing cache is not an error.
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f $DATA/icons/hicolor/index.theme ]]; then
    gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
fi
