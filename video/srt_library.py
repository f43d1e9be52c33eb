"""libsrt through ctypes: the few calls an SRT caller needs, and its statistics' layout.

Debian's ``libsrt-gnutls.so.1.5`` (the library Debian's ffmpeg sends SRT with) is loaded on
first use; ``load()`` returns the library with its prototypes set, or raises
``SrtUnavailable`` with a sentence saying what to install. ``PerfMon`` is ``struct
CBytePerfMon`` of libsrt 1.5's ``srt.h``, field by field in its order (the layout is the
ABI: a wrong field shifts every one after it, which the tests would see as implausible
figures in a real transfer). Pure declarations and one loader; no sockets here.
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import c_char_p, c_double, c_int, c_int64, c_uint64, c_void_p

LIBRARY_NAMES = ("libsrt-gnutls.so.1.5", "libsrt-openssl.so.1.5", "libsrt.so.1.5")

# SRT_SOCKOPT (srt.h): the options a caller of the dispatch sets.
SRTO_SNDSYN, SRTO_SNDBUF, SRTO_SNDTIMEO, SRTO_MAXBW = 1, 5, 13, 16
SRTO_LATENCY, SRTO_INPUTBW, SRTO_OHEADBW, SRTO_PASSPHRASE, SRTO_PBKEYLEN = 23, 24, 25, 26, 27
SRTO_IPTTL, SRTO_IPTOS, SRTO_TLPKTDROP, SRTO_SNDDROPDELAY, SRTO_NAKREPORT = 29, 30, 31, 32, 33
SRTO_CONNTIMEO, SRTO_MININPUTBW = 36, 38
SRTO_LOSSMAXTTL, SRTO_RCVLATENCY, SRTO_PEERLATENCY = 42, 43, 44
SRTO_STREAMID, SRTO_PAYLOADSIZE, SRTO_TRANSTYPE = 46, 49, 50
SRTO_ENFORCEDENCRYPTION, SRTO_PEERIDLETIMEO = 53, 55
INT64_OPTIONS = frozenset({SRTO_MAXBW, SRTO_INPUTBW, SRTO_MININPUTBW})
STRING_OPTIONS = frozenset({SRTO_PASSPHRASE, SRTO_STREAMID})
SRTT_LIVE = 0

# SRT_ERRNO (srt.h): major × 1000 + minor.
SRT_ENOSERVER, SRT_ECONNREJ = 1001, 1002
SRT_ECONNLOST, SRT_ENOCONN = 2001, 2002
SRT_EASYNCSND, SRT_ETIMEOUT = 6001, 6003

# SRT_REJECT_REASON (srt.h), by number; 1000 and up are the server's own (1403: forbidden, …).
REJECT_NAMES = ("UNKNOWN", "SYSTEM", "PEER", "RESOURCE", "ROGUE", "BACKLOG", "IPE", "CLOSE", "VERSION",
                "RDVCOOKIE", "BADSECRET", "UNSECURE", "MESSAGEAPI", "CONGESTION", "FILTER", "GROUP", "TIMEOUT")
SRT_REJ_BADSECRET, SRT_REJ_UNSECURE, SRT_REJ_TIMEOUT = 10, 11, 16
SRT_REJC_PREDEFINED = 1000

LOG_CRIT = 2  # syslog's level: libsrt's own warnings would otherwise go to the gateway's stderr


class PerfMon(ctypes.Structure):
    """``struct CBytePerfMon`` (srt.h, libsrt 1.5), as ``srt_bstats`` fills it."""

    _fields_ = [
        # global measurements
        ("msTimeStamp", c_int64), ("pktSentTotal", c_int64), ("pktRecvTotal", c_int64),
        ("pktSndLossTotal", c_int), ("pktRcvLossTotal", c_int), ("pktRetransTotal", c_int),
        ("pktSentACKTotal", c_int), ("pktRecvACKTotal", c_int), ("pktSentNAKTotal", c_int),
        ("pktRecvNAKTotal", c_int), ("usSndDurationTotal", c_int64),
        ("pktSndDropTotal", c_int), ("pktRcvDropTotal", c_int), ("pktRcvUndecryptTotal", c_int),
        ("byteSentTotal", c_uint64), ("byteRecvTotal", c_uint64), ("byteRcvLossTotal", c_uint64),
        ("byteRetransTotal", c_uint64), ("byteSndDropTotal", c_uint64), ("byteRcvDropTotal", c_uint64),
        ("byteRcvUndecryptTotal", c_uint64),
        # local measurements (since the last clearing call)
        ("pktSent", c_int64), ("pktRecv", c_int64), ("pktSndLoss", c_int), ("pktRcvLoss", c_int),
        ("pktRetrans", c_int), ("pktRcvRetrans", c_int), ("pktSentACK", c_int), ("pktRecvACK", c_int),
        ("pktSentNAK", c_int), ("pktRecvNAK", c_int), ("mbpsSendRate", c_double), ("mbpsRecvRate", c_double),
        ("usSndDuration", c_int64), ("pktReorderDistance", c_int), ("pktRcvAvgBelatedTime", c_double),
        ("pktRcvBelated", c_int64),
        ("pktSndDrop", c_int), ("pktRcvDrop", c_int), ("pktRcvUndecrypt", c_int),
        ("byteSent", c_uint64), ("byteRecv", c_uint64), ("byteRcvLoss", c_uint64), ("byteRetrans", c_uint64),
        ("byteSndDrop", c_uint64), ("byteRcvDrop", c_uint64), ("byteRcvUndecrypt", c_uint64),
        # instant measurements
        ("usPktSndPeriod", c_double), ("pktFlowWindow", c_int), ("pktCongestionWindow", c_int),
        ("pktFlightSize", c_int), ("msRTT", c_double), ("mbpsBandwidth", c_double),
        ("byteAvailSndBuf", c_int), ("byteAvailRcvBuf", c_int),
        ("mbpsMaxBW", c_double), ("byteMSS", c_int),
        ("pktSndBuf", c_int), ("byteSndBuf", c_int), ("msSndBuf", c_int), ("msSndTsbPdDelay", c_int),
        ("pktRcvBuf", c_int), ("byteRcvBuf", c_int), ("msRcvBuf", c_int), ("msRcvTsbPdDelay", c_int),
        ("pktSndFilterExtraTotal", c_int), ("pktRcvFilterExtraTotal", c_int),
        ("pktRcvFilterSupplyTotal", c_int), ("pktRcvFilterLossTotal", c_int),
        ("pktSndFilterExtra", c_int), ("pktRcvFilterExtra", c_int), ("pktRcvFilterSupply", c_int),
        ("pktRcvFilterLoss", c_int), ("pktReorderTolerance", c_int),
        # new in 1.5.0
        ("pktSentUniqueTotal", c_int64), ("pktRecvUniqueTotal", c_int64),
        ("byteSentUniqueTotal", c_uint64), ("byteRecvUniqueTotal", c_uint64),
        ("pktSentUnique", c_int64), ("pktRecvUnique", c_int64),
        ("byteSentUnique", c_uint64), ("byteRecvUnique", c_uint64),
    ]


class SrtUnavailable(RuntimeError):
    """libsrt cannot be loaded; the message says what to install."""


_lock = threading.Lock()
_library: ctypes.CDLL | None = None


def load() -> ctypes.CDLL:
    """libsrt with its prototypes set and ``srt_startup`` done (any thread; once per process)."""
    global _library
    with _lock:
        if _library is not None:
            return _library
        for name in LIBRARY_NAMES:
            try:
                lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        else:
            raise SrtUnavailable("libsrt 1.5 is missing; install Debian's libsrt1.5-gnutls "
                                 "(installer/setup.sh) to send video to HQ by SRT")
        _declare(lib)
        lib.srt_setloglevel(LOG_CRIT)
        if lib.srt_startup() < 0:
            raise SrtUnavailable(f"libsrt did not start: {lib.srt_getlasterror_str().decode(errors='replace')}")
        _library = lib
        return lib


def _declare(lib: ctypes.CDLL) -> None:
    sock, status = c_int, c_int
    prototypes = {
        "srt_startup": (c_int, []),
        "srt_setloglevel": (None, [c_int]),
        "srt_create_socket": (sock, []),
        "srt_setsockflag": (status, [sock, c_int, c_void_p, c_int]),
        "srt_connect": (status, [sock, c_void_p, c_int]),
        "srt_sendmsg": (status, [sock, c_char_p, c_int, c_int, c_int]),
        "srt_bstats": (status, [sock, ctypes.POINTER(PerfMon), c_int]),
        "srt_close": (status, [sock]),
        "srt_getlasterror": (c_int, [ctypes.POINTER(c_int)]),
        "srt_getlasterror_str": (c_char_p, []),
        "srt_clearlasterror": (None, []),
        "srt_getrejectreason": (c_int, [sock]),
        "srt_rejectreason_str": (c_char_p, [c_int]),
    }
    for name, (result, arguments) in prototypes.items():
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments


def reject_name(code: int) -> str:
    """``BADSECRET`` for 10, ``SERVER 1403`` for a server's own code, ``REJECT 99`` for one unknown."""
    if 0 <= code < len(REJECT_NAMES):
        return REJECT_NAMES[code]
    if code >= SRT_REJC_PREDEFINED:
        return f"SERVER {code}"
    return f"REJECT {code}"
