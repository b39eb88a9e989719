"""Who does something, and from where: the one type every operation, policy rule and audit entry takes.

A person in the screens, the user behind an API token, or kcc itself (the worker, the CLI, a citizen's
web form) all act through an Actor. It holds what access checks, assignment and the audit log need —
never the Staff row, which takes five tables to load and would tie the rules to the ORM session.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kcc.models import Staff


@dataclass(frozen=True, eq=False)
class Actor:
    id: int | None
    username: str
    name: str = ""
    roles: frozenset[str] = frozenset()
    skill_levels: Mapping[int, str] = field(default_factory=dict)  # domain id → primary | secondary
    languages: tuple[str, ...] = ()
    team_ids: frozenset[int] = frozenset()
    revision: int = 0  # the staff row's revision this profile was read at (API token cache)
    origin: str = ""  # the request's address, or "cli" / "worker"
    channel: str = "system"  # web | api | cli | system
    not_serving: frozenset[int] = frozenset()  # skilled domains the floor lead has them off now (routing only)

    @classmethod
    def of(cls, staff: Staff, origin: str = "", channel: str = "web") -> Actor:
        return cls(staff.id, staff.username, staff.name, frozenset(staff.roles), dict(staff.skill_levels),
                   tuple(staff.languages), staff.team_ids, staff.revision or 0, origin, channel,
                   frozenset(skill.domain_id for skill in staff.skills if not skill.serving))

    @classmethod
    def system(cls, origin: str, name: str = "kcc") -> Actor:
        """kcc itself: the worker, the CLI, a citizen without an account."""
        return cls(None, name, origin=origin, channel="system")

    def at(self, origin: str, channel: str) -> Actor:
        """The same person, acting from this address through this channel."""
        return replace(self, origin=origin, channel=channel)

    def has_role(self, *roles: str) -> bool:
        """Admin may do everything a role may."""
        return "admin" in self.roles or bool(self.roles.intersection(roles))

    @property
    def domain_ids(self) -> list[int]:
        return list(self.skill_levels)

    @property
    def serving_levels(self) -> dict[int, str]:
        """The skilled domains whose queues they take now; what they may see is still every skilled domain."""
        return {domain_id: level for domain_id, level in self.skill_levels.items() if domain_id not in self.not_serving}
