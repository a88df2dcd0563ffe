"""Public data contract of tenderwatch: the models every component and downstream service shares."""

from schemas.tender import (
    EducationLevel,
    Extension,
    HoursRange,
    PayScale,
    ProfessionalsRange,
    Requirements,
    SelectionCriterion,
    Start,
    Tender,
    TenderStatus,
    Weekday,
)

__all__ = [
    "EducationLevel",
    "Extension",
    "HoursRange",
    "PayScale",
    "ProfessionalsRange",
    "Requirements",
    "SelectionCriterion",
    "Start",
    "Tender",
    "TenderStatus",
    "Weekday",
]
