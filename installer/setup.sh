#!/usr/bin/env bash
# Set up mcv on a fresh Debian 12 machine: system packages, a venv at .venv, mcv installed
# into it in editable mode. Idempotent: a rerun skips apt when everything is installed.
#
#   installer/setup.sh [--dev] [--no-apt] [--help]
#
# Run as root (or as a user with sudo). Every step announces itself on one line
# ("mcv setup: ...") and a failing step ends the script with a message naming it.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: installer/setup.sh [--dev] [--no-apt] [--help]

Sets up mcv in this checkout on Debian 12:
  1. system packages via apt (libvlc, mosquitto, socat, Xvfb, FFmpeg, Qt's xcb libraries,
     CJK fonts; skipped when all are already installed)
  2. a Python venv at .venv (from the python3 on PATH, which must be >= 3.11)
  3. pip install -e . into it

Options:
  --dev     also install the test tools: GStreamer RTSP server packages and
            pip install -e .[dev] (pytest, import-linter, ...)
  --no-apt  skip system packages (for machines whose packages are managed elsewhere)
  --help    show this help

Afterwards:  .venv/bin/mcv demo      (or, with --dev:  tests/run)
EOF
}

say() { printf 'mcv setup: %s\n' "$*"; }

# fail STEP MESSAGE...: name the failed step, say what to do, exit non-zero.
fail() {
    local step=$1
    shift
    printf 'mcv setup: FAILED at step "%s": %s\n' "$step" "$*" >&2
    exit 1
}

DEV=0
APT=1
for arg in "$@"; do
    case $arg in
        --dev) DEV=1 ;;
        --no-apt) APT=0 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            printf 'mcv setup: unknown option "%s"\n\n' "$arg" >&2
            usage >&2
            exit 2
            ;;
    esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
VENV="$REPO/.venv"

RUNTIME_PACKAGES=(
    libvlc5 libvlc-bin vlc-plugin-base vlc-plugin-video-output
    mosquitto mosquitto-clients socat xvfb xauth ffmpeg imagemagick fonts-noto-cjk
    # The gateway's SRT sender child sends video to HQ through libsrt (video/srt_library.py).
    libsrt1.5-gnutls
    libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
    libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-shape0
    libegl1 libgl1 libfontconfig1 libdbus-1-3
    # The demo's fake cameras: GStreamer's RTSP server, run by the system Python.
    gir1.2-gst-rtsp-server-1.0 python3-gi
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
)
DEV_PACKAGES=(
    gstreamer1.0-tools
    poppler-utils  # pdftotext reads the after-action report's PDF back in the tests
    binutils  # objdump, which PyInstaller needs to build the desktop bundle
    mpv  # the reference player next to mcv in tests/bench/bench_video.py
    xdotool  # a real mouse dragging streams onto the wall's tiles under Xvfb (tests/console/test_wall_pixels.py)
)

# python_ok PYTHON: true if PYTHON runs and is >= 3.11.
python_ok() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

# venv_ok: true if the python found on PATH can create a venv with pip. Debian ships the
# venv module in the standard library but ensurepip only in python3-venv, so
# "python3 -m venv --help" alone succeeds on a machine that cannot build a venv.
venv_ok() {
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1
}

venv_usable() {
    [[ -x $VENV/bin/python ]] && python_ok "$VENV/bin/python" \
        && "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

# --- step: python -----------------------------------------------------------------------
STEP=python
PYTHON_MISSING=0
if command -v python3 >/dev/null 2>&1; then
    say "python: checking $(command -v python3)"
    PY_VERSION=$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) \
        || fail $STEP "python3 on PATH ($(command -v python3)) does not run."
    python_ok python3 \
        || fail $STEP "python3 on PATH ($(command -v python3)) is Python $PY_VERSION; mcv needs >= 3.11." \
            "Put a Python 3.11+ first on PATH (Debian 12's /usr/bin/python3 is 3.11)."
elif ((APT)); then
    PYTHON_MISSING=1
    say "python: no python3 on PATH; will install Debian's python3 (3.11)"
else
    fail $STEP "no python3 on PATH and --no-apt given. Install Python >= 3.11 or rerun without --no-apt."
fi

# --- step: apt ----------------------------------------------------------------------------
STEP="system packages (apt)"
if ((APT)); then
    packages=("${RUNTIME_PACKAGES[@]}")
    ((DEV)) && packages+=("${DEV_PACKAGES[@]}")
    if ((PYTHON_MISSING)); then
        packages+=(python3 python3-venv)
    elif ! venv_usable && ! venv_ok; then
        packages+=(python3-venv)
    fi

    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        fail "$STEP" "dpkg-query/apt-get not found: this is not a Debian system." \
            "Install the packages listed in installer/setup.sh yourself and rerun with --no-apt."
    fi

    declare -A installed=()
    while read -r name status; do
        [[ $status == ii ]] && installed[$name]=1
    done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
    missing=()
    for p in "${packages[@]}"; do
        [[ -n ${installed[$p]:-} ]] || missing+=("$p")
    done

    if ((${#missing[@]} == 0)); then
        say "system packages: all ${#packages[@]} already installed, skipping apt"
    else
        SUDO=()
        if ((EUID != 0)); then
            command -v sudo >/dev/null 2>&1 \
                || fail "$STEP" "not root and sudo is not installed; rerun as root, or install" \
                    "these yourself and rerun with --no-apt: ${missing[*]}"
            SUDO=(sudo)
            [[ -t 0 ]] || SUDO=(sudo -n)
        fi
        say "system packages: installing ${#missing[@]} missing: ${missing[*]}"
        apt_opts=(-q -o DPkg::Lock::Timeout=300)
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null \
            || fail "$STEP" "apt-get update failed (network or apt sources?); see the output above."
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y \
            --no-install-recommends "${missing[@]}" </dev/null \
            || fail "$STEP" "apt-get install failed; see the output above. Packages: ${missing[*]}"
    fi
else
    say "system packages: skipped (--no-apt)"
fi

# --- step: venv ---------------------------------------------------------------------------
STEP="venv"
if venv_usable; then
    say "venv: using $VENV ($("$VENV/bin/python" -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])'))"
else
    command -v python3 >/dev/null 2>&1 \
        || fail "$STEP" "no python3 on PATH even after installing it; check PATH."
    python_ok python3 \
        || fail "$STEP" "python3 on PATH ($(command -v python3)) is older than 3.11."
    venv_ok || fail "$STEP" "$(command -v python3) cannot create a venv (no venv/ensurepip module)." \
        "For Debian's python3: apt-get install python3-venv (or rerun without --no-apt);" \
        "for another Python (pyenv, ...) rebuild it with ensurepip or put /usr/bin/python3 first on PATH."
    # The real interpreter, not a pyenv shim, so the venv survives PATH changes.
    base_python=$(python3 -c 'import sys; print(sys.executable)')
    if [[ -e $VENV ]]; then
        say "venv: $VENV is broken or too old; recreating it from $base_python"
    else
        say "venv: creating $VENV from $base_python"
    fi
    "$base_python" -m venv --clear "$VENV" \
        || fail "$STEP" "\"$base_python -m venv $VENV\" failed; see the output above."
fi

# --- step: pip ----------------------------------------------------------------------------
STEP="pip install"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
target="."
((DEV)) && target=".[dev]"
say "pip: upgrading pip, then pip install -e $target"
"$VENV/bin/python" -m pip install -q --upgrade pip \
    || fail "$STEP" "upgrading pip in $VENV failed (network or PyPI mirror?); see the output above."
"$VENV/bin/python" -m pip install -q -e "$target" \
    || fail "$STEP" "pip install -e $target failed; see the output above."

# --- step: check --------------------------------------------------------------------------
STEP="check"
say "check: .venv/bin/mcv --version"
mcv_version=$("$VENV/bin/mcv" --version) \
    || fail "$STEP" "$VENV/bin/mcv --version failed after installing; see the output above."
say "check: $mcv_version installed"

if ((DEV)); then
    say "done — run tests/run"
else
    say "done — run .venv/bin/mcv demo"
fi
