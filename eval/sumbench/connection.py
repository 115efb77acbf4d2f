"""One HTTP connection to an OpenAI-compatible server, and the retry policy around it:
which replies are retried (408, 429, 5xx, network faults, timeouts), how long to wait
(exponential backoff with full jitter, never sooner than the server's ``Retry-After``),
and how a server's address is shown (credentials removed).

Standard library HTTP (``http.client``): no dependency, and no second retry layer under
sumbench's own.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import random
import select
import socket
import ssl
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from sumbench.errors import SettingError

RETRYABLE_STATUS = frozenset({408, 429})  # and every 5xx; other 4xx are final
RETRY_AFTER_CAP_S = 60.0  # a server's Retry-After is honoured up to this long
BACKOFF_BASE_S = 0.5  # attempt k waits uniform(0, min(BACKOFF_CAP_S, base * 2**k))
BACKOFF_CAP_S = 30.0
ERROR_BODY_CHARS = 300  # of a server's error reply, quoted in the document's error


class RequestFailed(Exception):
    """One attempt failed; ``retry`` says whether another attempt may succeed."""

    def __init__(self, kind: str, message: str, *, retry: bool,
                 wait_s: float | None = None, status: int | None = None,
                 stale: bool = False) -> None:
        super().__init__(message)
        self.kind = kind  # e.g. http_429, timeout, connection, bad_response
        self.retry = retry
        self.wait_s = wait_s  # the server's Retry-After, capped
        self.status = status  # the HTTP status, when a reply came
        self.stale = stale  # a reused connection the server had closed: nothing answered


class Connection:
    """One persistent HTTP(S) connection to one base URL; reopened after any failure, and
    before reuse when the server has closed it."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        parts = urlsplit(base_url)
        self.prefix = parts.path.rstrip("/")
        self.secure = parts.scheme == "https"
        self.host, self.port = parts.hostname or "", parts.port
        self.timeout_s = timeout_s
        # user:password in the URL: HTTP basic auth, unless an API key is sent instead
        self.basic_auth = "Basic " + base64.b64encode(
            f"{parts.username}:{parts.password or ''}".encode()).decode() \
            if parts.username else None
        self._conn: http.client.HTTPConnection | None = None
        self.how = "new"  # the last request went on a new, a reused or a replaced one
        self.replaced = False  # it found the kept-alive connection closed, and replaced it

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.how, self.replaced = "new", False
        if self._conn is not None and self._conn.sock is not None:
            if readable(self._conn.sock):  # closed by the server, or bytes nobody asked for
                self.close()
                self.how, self.replaced = "replaced", True
            else:
                self.how = "reused"
        if self._conn is None:
            self._conn = (http.client.HTTPSConnection(self.host, self.port,
                                                      timeout=self.timeout_s,
                                                      context=ssl.create_default_context())
                          if self.secure else
                          http.client.HTTPConnection(self.host, self.port,
                                                     timeout=self.timeout_s))
        if self.basic_auth and "Authorization" not in headers:
            headers = {**headers, "Authorization": self.basic_auth}
        replied = False
        try:
            self._conn.request(method, self.prefix + path, body=body, headers=headers)
            response = self._conn.getresponse()
            replied = True
            data = response.read()
        except TimeoutError:
            self.close()
            raise RequestFailed("timeout", f"no reply within {self.timeout_s:g} s",
                                retry=True) from None
        except (ConnectionError, http.client.HTTPException, OSError) as err:
            self.close()
            # on a reused connection, closed or reset before any reply byte: the server
            # had closed it as the request went out (the check above came just too early)
            stale = self.how == "reused" and not replied and isinstance(err, ConnectionError)
            raise RequestFailed("connection", f"connection failed ({type(err).__name__}: "
                                f"{err})" + (" on a kept-alive connection the server had "
                                             "closed" if stale else ""),
                                retry=True, stale=stale) from None
        if response.getheader("connection", "").lower() == "close":
            self.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def readable(sock: socket.socket) -> bool:
    """Whether an idle socket has anything to read: end of file, a reset, or stray bytes.
    A kept-alive connection between requests should have none."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


def public_url(url: str) -> str:
    """The URL without any user:password part, for messages and results."""
    parts = urlsplit(url)
    if parts.username is None:
        return url.rstrip("/")
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return parts._replace(netloc=host).geturl().rstrip("/")


def checked_urls(name: str, urls: str | Sequence[str]) -> tuple[str, ...]:
    """Servers' API roots as a tuple (a Python caller may give one string), each an
    http(s) URL with a host; SettingError names the setting ``name`` otherwise."""
    found = (urls,) if isinstance(urls, str) else tuple(urls)
    for url in found:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingError(name, f"must be an http(s) URL such as "
                               f"http://127.0.0.1:8000/v1; got {public_url(url)!r}")
    return found


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_S)


def backoff(attempt: int, server_wait: float | None) -> float:
    """Full jitter (uniform up to the exponential ceiling), never less than Retry-After."""
    jitter = random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)))
    return max(jitter, server_wait or 0.0)


def snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:ERROR_BODY_CHARS] + ("..." if len(text) > ERROR_BODY_CHARS else "") \
        if text else "(empty body)"
