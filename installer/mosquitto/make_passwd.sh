#!/bin/sh
# Make a mosquitto password file for the vehicle broker's roles (mcv.acl) or HQ's (mcv-hq.acl),
# and one private password file per role for the mcv side ([broker] password_file).
#
#   make_passwd.sh PASSWD SECRETS_DIR [USER...]
#
# USER defaults to the vehicle roles: mcv-gateway commander comms drone field. For each user
# a random password is made unless SECRETS_DIR/USER.password already holds one; each such
# file is mode 600 (mcv refuses a password file others may read). PASSWD gets every user
# with a hashed password (mosquitto_passwd -U), mode 640: give it to the broker's group
#   chgrp mosquitto PASSWD
# Passwords never appear on a command line (where ps would show them).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 PASSWD SECRETS_DIR [USER...]" >&2
    exit 2
fi
passwd=$1
secrets=$2
shift 2
[ $# -gt 0 ] || set -- mcv-gateway commander comms drone field
umask 077
mkdir -p "$secrets"
plain=$(mktemp "${passwd}.XXXXXX")
trap 'rm -f "$plain"' EXIT
for user in "$@"; do
    case $user in
        *[!A-Za-z0-9_-]*|"") echo "$0: '$user' is not a user name (letters, digits, '-', '_')" >&2; exit 2 ;;
    esac
    file=$secrets/$user.password
    if [ ! -s "$file" ]; then
        head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$file"
    fi
    chmod 600 "$file"
    printf '%s:%s\n' "$user" "$(head -n 1 "$file")" >>"$plain"
done
mosquitto_passwd -U "$plain"
chmod 640 "$plain"
mv "$plain" "$passwd"
trap - EXIT
echo "wrote $passwd ($# users) and their password files in $secrets"
