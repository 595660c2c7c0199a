"""Pages for the returns app."""

urlpatterns: list = []
