"""SQLAlchemy 2 models: the campaign's records, one module per area.

State lives in plain columns; lifecycle rules live in ``statemachines``. Every
row that a transition touches carries a ``version`` used as an optimistic lock.
Timestamps are naive UTC; business dates (the campaign's calendar) are ``Date``.
Importing this package registers every table on ``Base.metadata``.
"""

from storage.models.accounts import Account, WebSession
from storage.models.audit import AuditChain, Event
from storage.models.base import NAMING, Base, utcnow
from storage.models.campaign import Campaign, Category, Phase
from storage.models.cases import AccountabilityCase, CaseItem, Commendation
from storage.models.documents import DocCounter, Document
from storage.models.items import Attachment, DeadlineChange, Escalation, ProblemItem
from storage.models.operations import AnnualAssessment, Draw, DutyRun, Reminder, SatisfactionRound
from storage.models.org import OrgUnit, Person
from storage.models.programme import StudyAttendance, StudySession
from storage.models.opinions import Opinion
from storage.models.problem_lists import ItemPlan, ProblemList
from storage.models.reports import ReceiptLookup, Report
from storage.models.oversight import DrawSecret, Visit
from storage.models.publication import Publication

__all__ = [
    "NAMING",
    "Base",
    "utcnow",
    "Campaign",
    "Phase",
    "Category",
    "OrgUnit",
    "Person",
    "ProblemItem",
    "Attachment",
    "DeadlineChange",
    "Escalation",
    "AccountabilityCase",
    "CaseItem",
    "Commendation",
    "AuditChain",
    "Event",
    "DocCounter",
    "Document",
    "Reminder",
    "Draw",
    "SatisfactionRound",
    "AnnualAssessment",
    "DutyRun",
    "StudySession",
    "StudyAttendance",
    "Report",
    "ReceiptLookup",
    "ProblemList",
    "ItemPlan",
    "Opinion",
    "Account",
    "WebSession",
    "DrawSecret",
    "Visit",
    "Publication",
]
