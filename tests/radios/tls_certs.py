"""Certificates for the TLS tests, made by openssl in a folder: certificate authorities, and
certificates they sign (a server's for an IP address, a client's, one with its key under a
passphrase). Every key is EC P-256 and every certificate is valid for two days."""

from __future__ import annotations

import subprocess
from pathlib import Path

CURVE = "ec_paramgen_curve:prime256v1"


def openssl(*args: str, cwd: Path) -> None:
    """Run ``openssl`` with ``args`` in ``cwd``; a refusal raises ``CalledProcessError`` with its output."""
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def make_ca(folder: Path, name: str) -> None:
    """A certificate authority: ``name.key`` (no passphrase) and the self-signed ``name.crt``."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", CURVE, "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.crt", "-subj", f"/CN={name}", "-days", "2", cwd=folder)


def make_certificate(folder: Path, name: str, ca: str, ip: str | None = None, passphrase: str | None = None) -> None:
    """``name.key`` and ``name.crt`` signed by the authority ``ca`` in the same folder.

    With ``ip`` the certificate names that address (subjectAltName), as a server's must; with
    ``passphrase`` the key is encrypted under it.
    """
    key_protection = ["-passout", f"pass:{passphrase}"] if passphrase else ["-nodes"]
    openssl("req", "-newkey", "ec", "-pkeyopt", CURVE, *key_protection,
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
    (folder / f"{name}.ext").write_text(f"subjectAltName=IP:{ip}\n" if ip else "basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=folder)
