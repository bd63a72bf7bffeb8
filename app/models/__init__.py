"""All tables, imported once so Alembic and the app see the same metadata."""

from app.models.audit import AuditAccess, AuditJob, Seal, SealLeaf
from app.models.calendar import CalendarDay, CalendarYear
from app.models.connection import ConnectionCode, ConnectionLookup
from app.models.customers import CLASSES, SUPPLY_STATUSES, Customer, CustomerPhone, CustomerView
from app.models.definitions import ProcessDefinition, ProcessDraft, ProcessRelease
from app.models.directory import CONFLICT_KINDS, ConflictDeclaration
from app.models.heartbeats import SchedulerHeartbeat
from app.models.history import AppSetting, Event
from app.models.incidents import Incident
from app.models.instances import CaseIndex, Correlation, HumanTask, ProcessInstance, Timer
from app.models.messages import UnmatchedMessage
from app.models.org import ROLES, LoginThrottle, OrgChange, Unit, User, UserRole
from app.models.outbox import OUTBOX_STATUSES, OutboxMessage

__all__ = [
    "AuditAccess",
    "AuditJob",
    "Seal",
    "SchedulerHeartbeat",
    "SealLeaf",
    "CLASSES",
    "CONFLICT_KINDS",
    "OUTBOX_STATUSES",
    "SUPPLY_STATUSES",
    "ConflictDeclaration",
    "Customer",
    "CustomerPhone",
    "CustomerView",
    "ROLES",
    "AppSetting",
    "CalendarDay",
    "CalendarYear",
    "CaseIndex",
    "ConnectionCode",
    "ConnectionLookup",
    "Correlation",
    "Event",
    "HumanTask",
    "Incident",
    "LoginThrottle",
    "OrgChange",
    "OutboxMessage",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessRelease",
    "ProcessInstance",
    "Timer",
    "UnmatchedMessage",
    "Unit",
    "User",
    "UserRole",
]
