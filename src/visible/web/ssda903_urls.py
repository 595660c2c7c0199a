"""Pages for the ssda903 app."""

urlpatterns: list = []
