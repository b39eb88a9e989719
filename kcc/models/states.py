"""The states and kinds kcc knows, as StrEnums: code says `ContactStatus.waiting`, the database stores "waiting".

Members are named exactly as their value, so a member compares equal to the text read back from the
database and every database driver stores the same text. The tuples below feed the CHECK constraints.
"""
from __future__ import annotations

from enum import StrEnum


class ContactStatus(StrEnum):
    waiting = "waiting"
    in_progress = "in_progress"
    handover_offered = "handover_offered"
    resolved = "resolved"
    callback_scheduled = "callback_scheduled"  # terugbelverzoek
    abandoned = "abandoned"  # hung up or left while waiting


class HandoverState(StrEnum):
    offered = "offered"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"


class TaskState(StrEnum):
    open = "open"
    done = "done"


class Presence(StrEnum):
    """What an employee chooses; "busy" is not chosen: it is having a contact in progress."""

    available = "available"
    paused = "paused"
    offline = "offline"


class Channel(StrEnum):
    phone = "phone"
    counter = "counter"
    web = "web"
    email = "email"


class Outcome(StrEnum):
    answered = "answered"  # in one go
    referred_external = "referred_external"  # warmly referred to another organisation
    callback_done = "callback_done"


class RoutingMethod(StrEnum):
    choice = "choice"  # phone menu or host
    router = "router"
    fallback = "fallback"  # triage in algemeen


class Turnaway(StrEnum):
    """Why the host advised a lobby visitor instead of giving a ticket."""

    missing = "missing"  # something to bring is missing: come back, make an appointment
    not_at_counter = "not_at_counter"  # the counter does not handle this topic
    closed = "closed"  # the counter is closed now


VISITOR_NEEDS = ("interpreter", "wheelchair", "reading")  # help a lobby visitor may ask for

ROLES = ("host", "agent", "lead", "senior", "specialist", "admin", "integration")
SKILL_LEVELS = ("primary", "secondary")
CHANNELS = tuple(Channel)
CONTACT_STATUSES = tuple(ContactStatus)
PRESENCE_STATES = tuple(Presence)
OUTCOMES = tuple(Outcome)
HANDOVER_STATES = tuple(HandoverState)
TASK_STATES = tuple(TaskState)
ROUTING_METHODS = tuple(RoutingMethod)
TURNAWAY_REASONS = tuple(Turnaway)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: the column holds one of these values."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class AppointmentStatus(StrEnum):
    """An appointment at the counter: booked, then checked in by the host (a ticket), or cancelled."""

    booked = "booked"
    checked_in = "checked_in"
    cancelled = "cancelled"


APPOINTMENT_STATUSES = tuple(AppointmentStatus)


class SignalStatus(StrEnum):
    """A front-line signal (knelpunt) on the seniors' board, in the order it moves."""

    new = "new"
    analysing = "analysing"
    action_agreed = "action_agreed"
    done = "done"
    not_doing = "not_doing"  # with the reason


SIGNAL_STATUSES = tuple(SignalStatus)


class FeedbackAnswer(StrEnum):
    """The one KTO question, "Bent u goed geholpen?"."""

    yes = "yes"
    partly = "partly"
    no = "no"


FEEDBACK_ANSWERS = tuple(FeedbackAnswer)
MOODS = ("green", "yellow", "red")  # the weekly mood check
COACHING_KINDS = ("top", "goal")  # a top (what went well) or a learning goal
