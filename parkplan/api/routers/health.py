"""``GET /api/health``: whether the server is up (public, reveals nothing about the study)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from parkplan.api.deps import ContextDep

router = APIRouter(prefix="/api/health", tags=["health"])


class Health(BaseModel):
    """The server's state."""

    status: str
    read_only: bool


@router.get("")
def health(context: ContextDep) -> Health:
    """The server answers; says whether writes are switched off."""
    return Health(status="ok", read_only=context.settings.read_only)
