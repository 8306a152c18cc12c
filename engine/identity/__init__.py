"""The identity area: users, logins, passwords, API tokens, roles, permissions and row scopes.

What lives here (tables stay in engine/models, the shared kernel every area reads):

- `permissions` — the one table of role × permission × scope, and `may`/`require`;
- `access` — the rule of each scope, applied inside every query;
- `users`, `logins`, `passwords` — accounts, API tokens, logging in, lockout.

Every other area may import `permissions` and `access`: they are the documented interface
through which areas ask who may do what (docs/architecture.md).
"""

from __future__ import annotations

from bpmn import role_aliases
from engine.identity.permissions import TABLE


def register(operations: object) -> None:
    """Teach the BPMN layer the roles and what people call them (lanes, candidate groups).

    The area has no service operations or forms: `operations` is unused.
    """
    for row in TABLE:
        if row.has_accounts:
            role_aliases.register_role(row.role.value, row.labels)
