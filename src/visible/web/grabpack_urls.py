"""The Philomena Protocol grab pack: printable page and PDF."""

urlpatterns: list = []
