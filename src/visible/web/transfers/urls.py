"""National Transfer Scheme transfers, the timeline, long-term missing cases, still missing."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("children/<int:pk>/nts-transfers", v.child_transfers, name="child-nts-transfers"),
    path("children/<int:pk>/timeline", v.timeline, name="child-timeline"),
    path("transfers", v.transfer_list, name="nts-transfers"),
    path("transfers/<int:pk>", v.transfer_page, name="nts-transfer"),
    path("transfers/<int:pk>/acknowledge", v.transfer_acknowledge, name="nts-acknowledge"),
    path("transfers/<int:pk>/arrival", v.transfer_arrival, name="nts-arrival"),
    path("transfers/<int:pk>/decline", v.transfer_decline, name="nts-decline"),
    path("transfers/<int:pk>/withdraw", v.transfer_withdraw, name="nts-withdraw"),
    path("episodes/<int:pk>/long-term", v.long_term, name="episode-long-term"),
    path(
        "episodes/<int:pk>/long-term/<str:what>",
        v.long_term_record,
        name="episode-long-term-record",
    ),
    path("still-missing", v.still_missing, name="still-missing"),
    path("national/still-missing", v.national_still_missing, name="national-still-missing"),
]
