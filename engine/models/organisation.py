"""Who is who: regions, organisations (unit → department → finance desk), users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import OrgKind, Role
from engine.models.types import enum_type, utcnow


class Region(Base):
    """A province (or city) whose finance bureau runs the loop; configuration is keyed by it."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Organisation(Base):
    """A budget unit, a supervising department, a finance desk, the performance division, …"""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    # A unit's supervising department.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # A department's finance desk (second-level reviewer of its documents).
    finance_desk_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    functional_class: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organisation | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Organisation]] = relationship(
        foreign_keys=[parent_id], back_populates="parent"
    )
    finance_desk: Mapped[Organisation | None] = relationship(
        remote_side=[id], foreign_keys=[finance_desk_id]
    )


class User(Base):
    """A person with one role in one organisation."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Every login session carries this number; raising it (logout, a new password,
    # deactivation) ends all of the user's sessions at once.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where messages are also sent when the e-mail channel is configured (none: the app only).
    email: Mapped[str | None] = mapped_column(String(254))

    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
