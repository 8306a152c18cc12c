"""Who is acting: a user with a role in an organisation, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The subject of a command, as recorded in the audit log."""

    name: str
    role: str | None = None
    org_id: int | None = None
    user_id: int | None = None
    # Operators (the CLI, the ticker) act for the system and are not scoped to an organisation.
    operator: bool = False

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(name=name, operator=True)

    @classmethod
    def of_user(cls, user) -> Actor:
        return cls(
            name=f"user:{user.login}",
            role=user.role.value,
            org_id=user.organisation_id,
            user_id=user.id,
        )

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "org_id": self.org_id,
            "user_id": self.user_id,
            "operator": self.operator,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Actor:
        return cls(**data)
