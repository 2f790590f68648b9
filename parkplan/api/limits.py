"""Request body limits: 413 (as JSON) for a body over the route's limit, read or declared.

A declared ``Content-Length`` over the limit is refused before anything is read; a body
without one (chunked) is counted as it streams in and refused as soon as it passes the limit.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parkplan.api.errors import error_response


def too_large_detail(limit_bytes: int) -> str:
    return f"the request body is larger than the limit of {limit_bytes / 1024 / 1024:.3g} MB"


class BodyLimitMiddleware:
    """Limit request bodies to ``limits_bytes[path]``, else ``default_bytes``."""

    def __init__(
        self, app: ASGIApp, *, default_bytes: int, limits_bytes: Mapping[str, int]
    ) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.limits_bytes = dict(limits_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits_bytes.get(scope["path"].rstrip("/"), self.default_bytes)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, too_large_detail(limit))(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large_detail(limit))
            return message

        await self.app(scope, receive_within_limit, send)
