"""All URLs of the app, one module per area so each stays small."""

from . import entry, jobs, pdf, workflow

# Entry's reports/<pk>/<step>/ matches any one path segment, so it goes last: the fixed paths
# of the other areas (reports/<pk>/pdf/, reports/<pk>/approval/) must be tried first.
urlpatterns = [*workflow.urlpatterns, *pdf.urlpatterns, *jobs.urlpatterns, *entry.urlpatterns]
