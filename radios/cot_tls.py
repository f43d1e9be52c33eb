"""TLS to a TAK server: the client context from a CoT link's files, and its failures in words.

TAK servers take clients on TLS (port 8089 by default) and almost always ask for a client
certificate signed by their own CA. ``client_context`` builds the ``ssl.SSLContext`` from a
``LinkConfig``: ``ca_file`` (the CA that signed the server; the system's CAs without it),
``cert_file`` and ``key_file`` (ours; the key may sit inside ``cert_file``), and the key's
passphrase read at load from ``key_password_file``. ``explain`` turns what ``ssl`` raises
into one sentence naming the file to check. Pure: no socket is opened here.
"""

from __future__ import annotations

import ssl

from radios.config import LinkConfig


class TlsSetupError(ValueError):
    """The TLS files of a CoT link cannot be used; the message names the file and the fix."""


def client_context(config: LinkConfig) -> ssl.SSLContext:
    """A TLS client context that checks the server against ``ca_file`` and shows our certificate."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if config.ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(config.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise TlsSetupError(f"link {config.id}: ca_file {config.ca_file} is not a PEM CA certificate "
                                f"({_reason(exc)}); give the CA that signed the TAK server's certificate") from None
    if config.cert_file is None:
        if config.key_file is not None:
            raise TlsSetupError(f"link {config.id}: key_file is set but no cert_file; "
                                "add the client certificate the TAK server issued")
        return context
    password, asked = config.key_password, []

    def passphrase() -> str:   # called by ssl only for an encrypted key
        asked.append(True)
        if password is None:
            raise _KeyNeedsPassphrase()
        return password

    try:
        context.load_cert_chain(str(config.cert_file), str(config.key_file) if config.key_file else None,
                                password=passphrase)
    except _KeyNeedsPassphrase:
        raise TlsSetupError(f"link {config.id}: the client key is encrypted but no passphrase is set; "
                            "add key_password_file with the key's passphrase") from None
    except (OSError, ssl.SSLError) as exc:
        problem = ("the passphrase does not open the key" if asked and "mismatch" not in str(exc).lower()
                   else f"the client certificate or key cannot be loaded ({_reason(exc)})")
        raise TlsSetupError(f"link {config.id}: {problem}; check cert_file, key_file and key_password_file") from None
    return context


def explain(exc: BaseException, where: str) -> str:
    """What a TLS failure with the TAK server at ``where`` means, and what to check."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"the TAK server at {where} is not trusted ({exc.verify_message}); "
                "check that ca_file holds the CA that signed its certificate")
    if isinstance(exc, ssl.SSLEOFError):
        return f"the TAK server at {where} closed the TLS connection"
    text = _reason(exc).lower()
    if any(words in text for words in ("certificate required", "unknown ca", "bad certificate",
                                       "certificate unknown", "handshake failure")):
        return (f"the TAK server at {where} refused our client certificate ({_reason(exc)}); "
                "check cert_file and key_file: the server's CA must have issued them")
    return f"TLS with the TAK server at {where} failed ({_reason(exc)}); check the url's port is its TLS port"


class _KeyNeedsPassphrase(Exception):
    pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.replace("_", " ").lower()
    return str(exc) or type(exc).__name__
