"""The data model, one module per part (re-exported here). Citizens are stored with only what a task
needs: no BSN, date of birth or gender."""
from kcc.models.appointment import Appointment
from kcc.models.audit import AuditLog
from kcc.models.contact import Citizen, Contact, ContactEvent, LobbyTurnaway, RoutingCorrection, TicketCounter
from kcc.models.content import Domain, Team, Topic
from kcc.models.drawn import DrawnScreen
from kcc.models.feedback import Feedback
from kcc.models.handover import Handover
from kcc.models.indicators import IndicatorDay, LobbyDay, SettledDay
from kcc.models.mail import OutgoingMail
from kcc.models.signal import Signal, SignalContact, signal_domains
from kcc.models.staff import ApiToken, Desk, Skill, Staff, StaffLanguage, StaffRole, WebSession, team_members
from kcc.models.states import (
    APPOINTMENT_STATUSES,
    CHANNELS,
    CONTACT_STATUSES,
    FEEDBACK_ANSWERS,
    HANDOVER_STATES,
    OUTCOMES,
    PRESENCE_STATES,
    ROLES,
    ROUTING_METHODS,
    SIGNAL_STATUSES,
    SKILL_LEVELS,
    TASK_STATES,
    TURNAWAY_REASONS,
    VISITOR_NEEDS,
    AppointmentStatus,
    Channel,
    ContactStatus,
    FeedbackAnswer,
    HandoverState,
    Outcome,
    Presence,
    RoutingMethod,
    SignalStatus,
    TaskState,
    Turnaway,
)
from kcc.models.task import Task, TaskAttempt
from kcc.models.team import CoachingNote, ConversationGuide, MoodCheck

__all__ = [
    "DrawnScreen", "Feedback", "FEEDBACK_ANSWERS", "FeedbackAnswer", "MoodCheck", "CoachingNote", "ConversationGuide",
    "Signal", "SignalContact", "signal_domains", "SIGNAL_STATUSES", "SignalStatus",
    "Appointment", "APPOINTMENT_STATUSES", "AppointmentStatus",
    "AuditLog", "Citizen", "Contact", "ContactEvent", "LobbyTurnaway", "RoutingCorrection", "TicketCounter", "Domain", "Team",
    "Topic", "Handover", "IndicatorDay", "LobbyDay", "SettledDay", "OutgoingMail", "ApiToken", "Desk", "Skill", "Staff", "StaffLanguage", "StaffRole",
    "WebSession",
    "team_members", "Task", "TaskAttempt", "CHANNELS", "CONTACT_STATUSES", "HANDOVER_STATES", "OUTCOMES",
    "PRESENCE_STATES", "ROLES", "ROUTING_METHODS", "SKILL_LEVELS", "TASK_STATES", "Channel", "ContactStatus",
    "HandoverState", "Outcome", "Presence", "RoutingMethod", "TaskState", "TURNAWAY_REASONS", "VISITOR_NEEDS", "Turnaway",
]
