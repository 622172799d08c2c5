"""A socket server serving in a daemon thread: what the local DynamoDB and the local API Gateway share."""

import socketserver
import threading

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
