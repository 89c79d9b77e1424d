"""The Celery application: background jobs on Redis (see annual/jobs.py and annual/tasks.py).

Configured from Django settings under the CELERY_ prefix. Without CELERY_BROKER_URL in the
environment no broker is used at all: `annual.jobs.dispatch` runs jobs inline.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

app = Celery("reportsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
