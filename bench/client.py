"""A small HTTP/1.1 client for the benchmark: one keep-alive connection per caller, a
request timed from sending to the last byte of the body."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    body: bytes
    ms: float
    error: str = ""


class Client:
    """Requests as one signed-in user: a session cookie for pages, a bearer token for the API."""

    def __init__(self, port: int, *, session: str = "", token: str = "", timeout: float = 30):
        self.port = port
        self.session = session
        self.token = token
        self.timeout = timeout
        self.con: http.client.HTTPConnection | None = None

    def get(self, url: str, *, htmx: bool = False) -> Answer:
        headers = {"Accept-Language": "en"}
        if url.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            headers["Cookie"] = f"sessionid={self.session}"
        if htmx:
            headers["HX-Request"] = "true"
        for attempt in range(2):  # a keep-alive connection the server closed: open another
            if self.con is None:
                self.con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.con.request("GET", url, headers=headers)
                response = self.con.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 0 and isinstance(
                    exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                ):
                    continue
                return Answer(0, b"", (time.perf_counter() - started) * 1000, repr(exc))
            ms = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Answer(response.status, body, ms)
        return Answer(0, b"", 0.0, "no connection")

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
