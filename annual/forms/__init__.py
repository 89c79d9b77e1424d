"""Forms of the report entry steps; one form per step, field names are cell paths."""

from .sections import (
    BasicForm, GridForm, NewReportForm, ProactiveForm, SectionForm, TextSectionForm, form_class_for,
)

__all__ = [
    "BasicForm", "GridForm", "NewReportForm", "ProactiveForm", "SectionForm", "TextSectionForm", "form_class_for",
]
