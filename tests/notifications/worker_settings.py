"""Settings for the `visible worker` the notification tests start: the test settings, with
email sent by SMTP to the server of VISIBLE_EMAIL_HOST and VISIBLE_EMAIL_PORT (the test's own)
instead of the tests' in-memory outbox. GOV.UK Notify's settings come from the environment, as
in production."""

from visible.config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
