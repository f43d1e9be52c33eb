"""Who may read a file that holds a secret: the rule every credential file must pass at config load.

A password, passphrase or private key kept in a file is only as private as the file. The
rule is PostgreSQL's for its key files: a file owned by the user mcv runs as must not be
readable or writable by group or others (``chmod 600``, ``400`` is fine too); a file owned by
root may also be read by its group (``chmod 640``, as ``docs/install.md`` installs the
service's password files: root-owned, group ``mcv``). Anything else, or a file owned by
another user, is refused. Certificates and CA files are public and are not checked here.
Pure decisions on a ``stat`` result; no IO but the one ``os.stat``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

ROOT_UID = 0
OWNER_ONLY = 0o077  # bits that must be clear on a file this user owns
ROOT_SHARED = 0o037  # on a root-owned file: group may read, nobody else anything
PRIVATE_KEY_MARK = b"PRIVATE KEY-----"  # PEM "-----BEGIN (ENCRYPTED |EC |RSA )PRIVATE KEY-----"


def secret_file_problem(path: Path, info: os.stat_result, uid: int) -> tuple[str, str] | None:
    """None when ``info`` (the stat of ``path``) keeps its secret from other users, else (problem, fix)."""
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid == uid:
        if mode & OWNER_ONLY:
            return (f"the file {path} holds a secret but other users may read or change it (mode {mode:03o})",
                    f"run chmod 600 {path}")
        return None
    if info.st_uid == ROOT_UID:
        if mode & ROOT_SHARED:
            return (f"the file {path} holds a secret but is open to more than root and its group "
                    f"(mode {mode:03o})", f"run chmod 640 {path} (or chmod 600 {path} and chown it to this user)")
        return None
    return (f"the file {path} holds a secret but belongs to another user (uid {info.st_uid})",
            f"give it to the user mcv runs as and run chmod 600 {path}")


def check_secret_file(path: Path) -> tuple[str, str] | None:
    """The rule above for the file at ``path`` (followed through symlinks) for the current user."""
    if not hasattr(os, "getuid"):  # not POSIX: file modes mean nothing here
        return None
    return secret_file_problem(path, path.stat(), os.getuid())


def holds_private_key(data: bytes) -> bool:
    """Whether a PEM file's bytes carry a private key (a certificate file may hold one too)."""
    return PRIVATE_KEY_MARK in data
