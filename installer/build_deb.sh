#!/usr/bin/env bash
# Wrap the desktop bundle in a Debian package: mcv_VERSION_ARCH.deb.
#
#   installer/build_deb.sh [--bundle DIR] [--out DIR] [--help]
#
# The package installs the bundle in /opt/mcv with /usr/bin/mcv pointing at it, the menu
# entry and icon, the systemd units (not enabled: the config comes first) and the vehicle
# broker's config in /etc/mcv/mosquitto. It depends on the system's libvlc and mosquitto,
# and recommends GStreamer's RTSP server, which `mcv demo` uses for its cameras.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: installer/build_deb.sh [--bundle DIR] [--out DIR] [--help]

  --bundle DIR  the built bundle folder holding mcv/ (default: dist; built with
                installer/build_bundle.sh when missing)
  --out DIR     where the .deb goes (default: dist)
  --help        show this help
USAGE
}

say() { printf 'mcv deb: %s\n' "$*"; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUNDLE="$REPO/dist"
OUT="$REPO/dist"
while (($#)); do
    case $1 in
        --bundle) BUNDLE=${2:?--bundle needs a folder}; shift 2 ;;
        --out) OUT=${2:?--out needs a folder}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'mcv deb: unknown option "%s"\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done

if [[ ! -x $BUNDLE/mcv/mcv ]]; then
    say "no bundle in $BUNDLE/mcv; building it"
    "$REPO/installer/build_bundle.sh" --dist "$BUNDLE"
fi
VERSION=$("$BUNDLE/mcv/mcv" --version | awk '{print $2}')
ARCH=$(dpkg --print-architecture)
mkdir -p "$OUT"
STAGE=$(mktemp -d "$OUT/.mcv-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
ROOT="$STAGE/mcv_${VERSION}_$ARCH"

mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/lib/systemd/system" "$ROOT/etc/mcv/mosquitto" \
    "$ROOT/usr/share/doc/mcv"
cp -a "$BUNDLE/mcv" "$ROOT/opt/mcv"
ln -s /opt/mcv/mcv "$ROOT/usr/bin/mcv"
"$REPO/installer/install_desktop.sh" --data-dir "$ROOT/usr/share" --exec /usr/bin/mcv >/dev/null
rm -f "$ROOT/usr/share/applications/mimeinfo.cache"  # the system's triggers build it
install -m 644 "$REPO"/installer/systemd/*.service "$ROOT/lib/systemd/system/"
install -m 644 "$REPO/installer/mosquitto/mcv-vehicle.conf" "$REPO/installer/mosquitto/mcv.acl" \
    "$ROOT/etc/mcv/mosquitto/"
install -m 644 "$REPO/resources/mcv.example.toml" "$REPO/docs/install.md" "$REPO/docs/security.md" \
    "$REPO/installer/mosquitto/mcv-bridge.conf.example" "$REPO/installer/mosquitto/mcv-hq.acl" \
    "$ROOT/usr/share/doc/mcv/"
install -m 755 "$REPO/installer/mosquitto/make_passwd.sh" "$ROOT/usr/share/doc/mcv/"

cat >"$ROOT/DEBIAN/control" <<CONTROL
Package: mcv
Version: $VERSION
Architecture: $ARCH
Maintainer: mcv developers <mcv@localhost>
Section: net
Priority: optional
Installed-Size: $(du -sk "$ROOT" | cut -f1)
Depends: libc6 (>= 2.36), libvlc5, vlc-plugin-base, vlc-plugin-video-output, mosquitto, adduser,
 libegl1, libgl1, libfontconfig1, libxkbcommon-x11-0
Recommends: mosquitto-clients, fonts-noto-cjk, ffmpeg, libsrt1.5-gnutls, python3-gi, gir1.2-gst-rtsp-server-1.0,
 gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad,
 gstreamer1.0-plugins-ugly
Description: console of an emergency mobile command vehicle
 Units on one map, live video, the state of every link, the incident log and
 messages to units, on every seat of the vehicle. Includes the headless gateway
 (mcv-gateway.service) and the vehicle broker's config (mcv-broker.service).
CONTROL
printf '%s\n' /etc/mcv/mosquitto/mcv-vehicle.conf /etc/mcv/mosquitto/mcv.acl >"$ROOT/DEBIAN/conffiles"

cat >"$ROOT/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if ! getent passwd mcv >/dev/null; then
        adduser --system --group --home /var/lib/mcv --no-create-home mcv
    fi
    adduser --quiet mcv dialout
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
    fi
    echo "mcv: services installed but not enabled; see /usr/share/doc/mcv/install.md"
fi
POSTINST
cat >"$ROOT/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl stop mcv-gateway.service mcv-broker.service || true
fi
PRERM
cat >"$ROOT/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
POSTRM
chmod 755 "$ROOT/DEBIAN/postinst" "$ROOT/DEBIAN/prerm" "$ROOT/DEBIAN/postrm"

started=$SECONDS
# zstd: a fraction of xz's time on this size, and Debian 12's dpkg reads it.
dpkg-deb --root-owner-group -Zzstd --build "$ROOT" "$OUT/" >/dev/null
say "built $OUT/mcv_${VERSION}_$ARCH.deb ($(du -h "$OUT/mcv_${VERSION}_$ARCH.deb" | cut -f1)) in $((SECONDS - started)) s"
