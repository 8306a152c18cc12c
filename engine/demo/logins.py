"""Demo accounts: one shared password for the demo province's users, and who to log in as."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.identity.passwords import hash_password
from engine.identity.permissions import USER_ROLES
from engine.models import User

# Printed by `budgetloop demo`; only ever set on users that have no password of their own.
DEMO_PASSWORD = "budgetloop-demo"


def grant_demo_passwords(session: Session) -> dict[str, str]:
    """Give passwordless users the demo password; return one login per role to try."""
    session.execute(
        update(User)
        .where(User.password_hash.is_(None))
        .values(password_hash=hash_password(DEMO_PASSWORD))
    )
    first = select(User.role, func.min(User.login)).where(User.active.is_(True)).group_by(User.role)
    found = dict(session.execute(first).all())
    return {role.value: found[role] for role in USER_ROLES if role in found}
