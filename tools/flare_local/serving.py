"""A socket server serving in a daemon thread: what the local DynamoDB and the local API Gateway share; and which
function's handler is running (tests/support/iam.py attributes AWS calls by it)."""

import contextlib
import socketserver
import threading
from collections.abc import Iterator
from contextvars import ContextVar

# Connections the kernel queues before they are accepted. The standard library's 5 (and werkzeug's 128) reset
# bursts of connections that API Gateway would take: Alertmanager storms, CI pipelines (capped by somaxconn).
LISTEN_BACKLOG = 1024


class BackgroundServer:
    def __init__(self, server: socketserver.BaseServer, name: str) -> None:
        self.server = server
        server.socket.listen(LISTEN_BACKLOG)  # listening already: this only deepens its queue
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """Where this process reaches the server (a wildcard bind is reached on loopback)."""
        host, port = self.server.server_address[:2]
        host = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


# The function directory whose handler is running (set by whoever invokes handlers: the local gateway, the tests).
RUNNING_FUNCTION: ContextVar[str | None] = ContextVar("flare_running_function", default=None)


@contextlib.contextmanager
def running(function: str) -> Iterator[None]:
    """Calls made in this block are the function `function`'s (its functions/<directory> name)."""
    token = RUNNING_FUNCTION.set(function)
    try:
        yield
    finally:
        RUNNING_FUNCTION.reset(token)
