"""The domain model: typed SQLAlchemy 2 tables, one module per area."""

from engine.models.attachments import Attachment, AttachmentBlob, TaskDraft
from engine.models.audit import AuditEvent, AuditHead
from engine.models.base import Base
from engine.models.department import (
    DepartmentEvaluation,
    DepartmentIndicator,
    DepartmentMonitoring,
    DepartmentPlan,
)
from engine.models.evaluation import Evaluation, EvaluationFinding, EvaluationScore
from engine.models.ex_ante import ExAnteAssessment
from engine.models.fiscal import Allocation, BudgetAdjustment, FiscalYear, FundLine, Project
from engine.models.indicators import (
    FrameNode,
    Indicator,
    IndicatorFrame,
    IndicatorLibraryItem,
    TargetTable,
)
from engine.models.monitoring import Alert, MonitoringReport, MonitoringRow, MonitoringTask
from engine.models.notifications import Message, MessageDelivery, MessageMute
from engine.models.organisation import ApiToken, Organisation, Region, User
from engine.models.rectification import RectificationOrder
from engine.models.results import (
    AccountabilityAction,
    Disclosure,
    EvaluationClose,
    FundingDecision,
    PolicySetting,
    RuleSet,
)
from engine.models.workflow import (
    FinishedDiagram,
    HumanTask,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    ProcessSpec,
    Timer,
)

__all__ = [
    "AccountabilityAction",
    "Alert",
    "Allocation",
    "ApiToken",
    "Attachment",
    "AttachmentBlob",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BudgetAdjustment",
    "DepartmentEvaluation",
    "DepartmentIndicator",
    "DepartmentMonitoring",
    "DepartmentPlan",
    "Disclosure",
    "Evaluation",
    "EvaluationClose",
    "EvaluationFinding",
    "EvaluationScore",
    "ExAnteAssessment",
    "FiscalYear",
    "FrameNode",
    "FundLine",
    "FundingDecision",
    "Message",
    "MessageDelivery",
    "MessageMute",
    "FinishedDiagram",
    "HumanTask",
    "Incident",
    "Indicator",
    "IndicatorFrame",
    "IndicatorLibraryItem",
    "MonitoringReport",
    "MonitoringRow",
    "MonitoringTask",
    "Organisation",
    "PolicySetting",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessSpec",
    "Project",
    "RectificationOrder",
    "Region",
    "RuleSet",
    "TargetTable",
    "TaskDraft",
    "Timer",
    "User",
]
