from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "visible.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (stamps the session when someone signs in)
