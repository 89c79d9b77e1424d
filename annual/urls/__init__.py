"""All URLs of the app, one module per area so each stays small."""

from . import entry, pdf, workflow

urlpatterns = [*entry.urlpatterns, *workflow.urlpatterns, *pdf.urlpatterns]
