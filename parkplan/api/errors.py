"""JSON errors: ``{"error": code, "detail": one line}``; never a traceback or a server path.

An answer may add ``"problem"``: a stable word for what went wrong (``crs``, ``name_taken``...)
that the pages put into sentences in their language (:class:`ProblemError`).

Errors of the libraries and the application are the client's doing (bad data, bad study,
busy study) and map to 4xx codes; anything else is a 500 with a generic message, logged with
its traceback on the server only.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi import HTTPException as RouteError
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from equalisation.errors import EqualisationError
from geo.errors import GeoError
from parkplan.api.security import security_headers
from parkplan.errors import BusyError, ParkplanError
from webmap.errors import AssetError, BrowserError, WebmapError

log = logging.getLogger(__name__)

#: Status codes of the known errors, most specific first.
STATUS_OF_ERROR: list[tuple[type[Exception], int]] = [
    (BusyError, 409),
    (BrowserError, 503),
    (AssetError, 503),
    (GeoError, 422),
    (EqualisationError, 422),
    (WebmapError, 422),
    (ParkplanError, 400),
]

#: An absolute path of two or more parts (the API's own routes, ``/api/...``, are kept).
_POSIX_PATH = re.compile(r"(?<![\w:/.~-])(?!/api/)(?:/[^\s'\"/,;()]+){2,}/?")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\[^\s'\",;()]+")


class Redactor:
    """Remove server paths from messages: known roots become a label, other paths their name."""

    def __init__(self, roots: dict[str, Path]) -> None:
        pairs = [
            (str(path), label)
            for label, root in roots.items()
            for path in {Path(root), Path(root).resolve()}
        ]
        self._roots = sorted(pairs, key=lambda pair: -len(pair[0]))

    def __call__(self, message: object) -> str:
        text = " ".join(str(message).split())
        for path, label in self._roots:
            text = text.replace(path, label)
        text = _POSIX_PATH.sub(lambda m: Path(m.group(0).rstrip("/")).name, text)
        return _WINDOWS_PATH.sub(lambda m: m.group(0).rsplit("\\", 1)[-1], text)


#: The ``error`` field of the common answers (stable whatever Python's status phrases say).
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "content_too_large",
    422: "unprocessable_content",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def error_code(status: int) -> str:
    """``404`` -> ``"not_found"``."""
    if status in ERROR_CODES:
        return ERROR_CODES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")


class ProblemError(RouteError):
    """An HTTP error with a ``problem``: a stable word the pages turn into a sentence."""

    def __init__(
        self, status: int, detail: str, problem: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, detail, headers)
        self.problem = problem


def error_response(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    problem: str | None = None,
) -> JSONResponse:
    """The JSON body of every error answer (with ``problem`` when there is one)."""
    body = {"error": error_code(status), "detail": detail}
    if problem is not None:
        body["problem"] = problem
    return JSONResponse(body, status_code=status, headers=headers)


def status_of(exc: Exception) -> int | None:
    """The status code of a known error, ``None`` for anything else."""
    return next((code for kind, code in STATUS_OF_ERROR if isinstance(exc, kind)), None)


def _describe_validation(exc: RequestValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    return "; ".join(problems[:5]) + (
        f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    )


def install_error_handlers(app: FastAPI, *, roots: dict[str, Path]) -> None:
    """Answer every error of ``app`` as JSON, with server paths removed."""
    redact = Redactor(roots | {"<tmp>": Path(tempfile.gettempdir())})

    # Starlette types every handler as taking an Exception; it calls each with its own class
    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else error_code(exc.status_code)
        problem = exc.problem if isinstance(exc, ProblemError) else None
        return error_response(exc.status_code, redact(detail), headers=exc.headers, problem=problem)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, redact(_describe_validation(exc)))

    async def known_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_of(exc)
        if status is None:
            return await internal_error(request, exc)
        log.info("%s %s: %s", request.method, request.url.path, exc)
        return error_response(status, redact(exc))

    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        response = error_response(500, "internal server error; the server log has the details")
        response.headers.update(security_headers(response.media_type))
        return response

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    for kind, _ in STATUS_OF_ERROR:
        app.add_exception_handler(kind, known_error)
    app.add_exception_handler(Exception, internal_error)
