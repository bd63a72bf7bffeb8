"""All tables, imported once so Alembic and the app see the same metadata."""

from app.models.calendar import CalendarDay, CalendarYear
from app.models.definitions import ProcessDefinition
from app.models.history import AppSetting, Event
from app.models.instances import Correlation, HumanTask, ProcessInstance, Timer
from app.models.org import ROLES, Unit, User, UserRole

__all__ = [
    "ROLES",
    "AppSetting",
    "CalendarDay",
    "CalendarYear",
    "Correlation",
    "Event",
    "HumanTask",
    "ProcessDefinition",
    "ProcessInstance",
    "Timer",
    "Unit",
    "User",
    "UserRole",
]
