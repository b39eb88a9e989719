"""The wall display in the lobby (/lobby/scherm): the last tickets called and to which desk, how many wait per
domain and roughly how long — large, high contrast, and never a name or a question.

It opens without a login, for a browser in kiosk mode: with the display code the administrator set
(KCC_DISPLAY_CODE) in its address, or from the networks the administrator named (KCC_DISPLAY_NETWORKS).
A logged-in host or lead may open it too, to check what the hall sees.
"""
from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from kcc.config import Settings
from kcc.core.actor import Actor
from kcc.lobby.operations import Board

ROUGH_STEP_S = 5 * 60  # waits are told in steps of five minutes: a wall shows a rough wait, not a promise


def may_open(settings: Settings, code: str | None, address: str | None, viewer: Actor | None) -> bool:
    if viewer is not None and viewer.has_role("host", "lead", "admin"):
        return True
    if settings.display_code and code and hmac.compare_digest(code.encode(), settings.display_code.encode()):
        return True
    if address and settings.display_networks:
        try:
            where = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(where in network for network in settings.display_networks)
    return False


def rough_minutes(seconds: int | None) -> int | None:
    """The longest wait rounded up to five minutes (0: nobody waits); None when nobody waits."""
    if seconds is None:
        return None
    return max(1, -(-seconds // ROUGH_STEP_S)) * ROUGH_STEP_S // 60


@dataclass(frozen=True)
class Wall:
    """What the display shows, as JSON for its script: numbers and desks only."""

    municipality: str
    called: list[dict[str, str]]
    domains: list[dict[str, object]]

    @classmethod
    def of(cls, board: Board, municipality: str) -> Wall:
        return cls(municipality,
                   [{"ticket": c.ticket, "desk": c.desk, "at": c.at.isoformat()} for c in board.called],
                   [{"slug": slug, "name": name, "waiting": board.waiting.get(slug, 0),
                     "wait_min": rough_minutes(board.longest_s.get(slug)), "next": board.next_up.get(slug, [])}
                    for slug, name in board.names.items()])
