from django.apps import AppConfig


class AnnualConfig(AppConfig):
    name = "annual"
    verbose_name = "政府信息公开工作年度报告"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the lock guard (pre_save/pre_delete receivers) on every process start.
        from . import workflow  # noqa: F401
