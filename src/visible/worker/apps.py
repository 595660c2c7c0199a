from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "visible.worker"
    label = "worker"
    verbose_name = "Background worker"
