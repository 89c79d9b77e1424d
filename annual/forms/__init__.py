"""Forms of the report entry steps; one form per step, field names are cell paths."""

from .sections import BasicForm, NewReportForm, SectionForm, TableForm, TextSectionForm, form_class_for

__all__ = ["BasicForm", "NewReportForm", "SectionForm", "TableForm", "TextSectionForm", "form_class_for"]
