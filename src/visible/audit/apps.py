from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "visible.audit"
    label = "audit"
    verbose_name = "Audit log"
