"""One bounded HTTP GET, for the commands that fetch outside a crawl (`sources check`,
`topic add --seed-url`).

urllib's timeout bounds each operation on the socket, so a server that sends one byte of
its status line every few seconds would hold the command for ever. Here the whole request
(connecting, status line, headers, redirects, body) has one deadline: when it passes, the
request's sockets are shut down, which ends any read waiting on them.
"""

import contextlib
import http.client
import socket
import threading
import urllib.error
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 20  # without a byte on the socket
TOTAL_SECONDS = 60.0  # for the whole request
MAX_BYTES = 10 * 1024 * 1024  # received
CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """No page: an HTTP error status (`status`), no answer, or a bound crossed."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


class TooMuch(FetchError):
    """A response over the time or size bound."""


def fetch(url: str, user_agent: str, seconds: float | None = None) -> tuple[int, bytes]:
    """The status and body of a GET of `url`, within `seconds` (TOTAL_SECONDS by default)
    from connecting to the last byte, and within MAX_BYTES."""
    seconds = TOTAL_SECONDS if seconds is None else seconds
    with _Deadline(seconds) as deadline:
        opener = urllib.request.build_opener(*deadline.handlers())
        try:
            request = urllib.request.Request(url, headers={"User-Agent": user_agent})
            with opener.open(request, timeout=min(TIMEOUT_SECONDS, seconds)) as response:
                status, body = response.status, _read_bounded(response)
        except urllib.error.HTTPError as error:
            raise FetchError(f"HTTP {error.code}", error.code) from None
        except TooMuch:
            raise
        except (OSError, ValueError, http.client.HTTPException) as error:
            if deadline.expired:
                raise TooMuch(f"slower than {seconds:g} s") from None
            raise FetchError(str(getattr(error, "reason", error)) or repr(error)) from None
        if deadline.expired:  # the shut-down socket read as the end of the body
            raise TooMuch(f"slower than {seconds:g} s")
    return status, body


def _read_bounded(response: Any) -> bytes:
    """The body, read in chunks; cut off past MAX_BYTES."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BYTES:
            raise TooMuch(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


class _Deadline:
    """Shuts down every socket a request opened once `seconds` have passed."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)

    def connect(
        self, address: Any, timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        """socket.create_connection, remembering the socket (before TLS wraps it)."""
        sock = socket.create_connection(address, timeout, source_address)
        with self._lock:
            if self.expired:  # a redirect followed after the deadline
                sock.close()
                raise TimeoutError("deadline passed")
            self._sockets.append(sock)
        return sock

    def handlers(self) -> list[urllib.request.BaseHandler]:
        """urllib's HTTP and HTTPS handlers, opening their sockets through `connect`."""
        deadline = self

        def connection(base: Any) -> Any:
            def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
                made = base(host, **kwargs)
                # The hook http.client opens its socket through (HTTPS wraps what it returns).
                made._create_connection = deadline.connect
                return made

            return make

        class HTTPHandler(urllib.request.HTTPHandler):
            def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
                return super().do_open(connection(http_class), req, **kwargs)

        class HTTPSHandler(urllib.request.HTTPSHandler):
            def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
                return super().do_open(connection(http_class), req, **kwargs)

        return [HTTPHandler(), HTTPSHandler()]
