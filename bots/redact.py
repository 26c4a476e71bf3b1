"""Addresses without their secrets: what ``/healthz`` and the log show of a URL.

A feed URL may carry a token in its query (``?token=…``) or credentials before its host
(``https://user:pass@…``), and so may an error message that quotes one. What is shown keeps
the scheme, host, port and path; credentials and the query are dropped (``?…`` marks that
there was one), and so is the fragment.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

# A URL inside free text: a scheme, "://", then anything up to white space or a quote.
_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>`]+""")
_TRAILING = ".,:;!?)]}"


def redact_url(url: str) -> str:
    """``url`` without credentials, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    if not parts.netloc:
        return url.split("?", 1)[0].split("#", 1)[0]
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    return shown + ("?…" if parts.query else "")


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted."""
    if "://" not in text:
        return text
    return _URL.sub(_redact_match, text)


def _redact_match(match: re.Match[str]) -> str:
    # Punctuation right after a URL belongs to the sentence ("…/feed.xml: refused").
    url = match.group(0)
    core = url.rstrip(_TRAILING)
    return redact_url(core) + url[len(core) :]


class RedactUrls(logging.Filter):
    """A handler filter: no log line shows a URL's credentials or query.

    It covers every logger (ours and the libraries'), the message and any traceback, and the
    request path of uvicorn's access log (an OAuth callback's ``?code=…``).
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            args = list(record.args)
            if len(args) == 5 and isinstance(args[2], str):
                args[2] = args[2].split("?", 1)[0]
                record.args = tuple(args)
        message = record.getMessage()
        if "://" in message:
            record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(self._formatter.formatException(record.exc_info))
        return True
