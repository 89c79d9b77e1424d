"""All URLs of the app, one module per area so each stays small."""

from . import county, entry, pdf, workflow

# Entry's reports/<pk>/<step>/ matches any one path segment, so it goes last: the fixed paths
# of the other areas (reports/<pk>/pdf/, reports/<pk>/approval/) must be tried first.
urlpatterns = [*county.urlpatterns, *workflow.urlpatterns, *pdf.urlpatterns, *entry.urlpatterns]
