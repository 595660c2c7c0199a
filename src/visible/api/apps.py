from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "visible.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from . import (
            auth,  # noqa: F401  (registers the OpenAPI description of the bearer scheme)
            signals,  # noqa: F401  (a leaver's API clients are revoked with their access)
        )
