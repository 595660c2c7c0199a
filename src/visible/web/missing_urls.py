"""Pages for missing episodes, the missing-now board, alerts, safety plans and risk settings."""

urlpatterns: list = []
