"""All URLs of the app, one module per area so each stays small."""

from . import account, county, entry, jobs, pdf, publish, published, rollup, workbook, workflow

# Entry's reports/<pk>/<step>/ matches any one path segment, so it goes last: the fixed paths
# of the other areas (reports/<pk>/pdf/, reports/<pk>/approval/) must be tried first.
urlpatterns = [
    *account.urlpatterns,
    *county.urlpatterns,
    *workflow.urlpatterns,
    *rollup.urlpatterns,
    *pdf.urlpatterns,
    *jobs.urlpatterns,
    *publish.urlpatterns,
    *published.urlpatterns,
    *workbook.urlpatterns,
    *entry.urlpatterns,
]
