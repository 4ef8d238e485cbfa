"""SQLAlchemy 2 typed models, one module per entity family; imported here so Alembic sees them all."""

from guide.models.after_move import CourtesyVisit, MoveExpense, SurveyAnswer, SurveyInvitation
from guide.models.audit import AuditEntry
from guide.models.auth import SignInCode, SignInGuard, SignInLink, SignInTry, UserSession
from guide.models.budget import BudgetFacts
from guide.models.feedback import PageFeedback
from guide.models.household import Consent, ConsentKind, ContactNote, Household, HouseholdPhone, Operation
from guide.models.plan import PlanChange, PlanItem, PlanItemKind
from guide.models.privacy import HouseholdStatistic
from guide.models.proposal import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Proposal,
    ProposalStatus,
)
from guide.models.requests import (
    LetterPdf,
    MediationCase,
    MediationStatus,
    RefusalMotive,
    RequestAddition,
    RequestKind,
    RequestPhoto,
    WrittenRequest,
)
from guide.models.sms import SmsInbound, SmsMessage, SmsSession
from guide.models.staff import Role, StaffUser

__all__ = [
    "CourtesyVisit", "MoveExpense", "SurveyAnswer", "SurveyInvitation",
    "AuditEntry", "SignInCode", "SignInGuard", "SignInLink", "SignInTry", "BudgetFacts", "PageFeedback", "Consent",
    "ConsentKind",
    "ContactNote", "Household", "HouseholdPhone", "Operation", "Appointment", "AppointmentKind",
    "AppointmentStatus", "Proposal", "ProposalStatus", "SmsMessage", "SmsInbound", "SmsSession", "Role",
    "StaffUser", "HouseholdStatistic", "MediationCase", "PlanChange", "PlanItem", "PlanItemKind",
    "MediationStatus", "RefusalMotive", "RequestAddition", "RequestKind", "RequestPhoto", "WrittenRequest",
    "UserSession", "LetterPdf",
]
