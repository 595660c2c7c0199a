from django.http import HttpRequest
from django.urls import reverse

from visible.agencies.viewer import viewer_for
from visible.children import policy


def viewer(request: HttpRequest) -> dict:
    if not hasattr(request, "viewer"):
        request.viewer = viewer_for(request.user)
    current = request.viewer
    items = []
    if current.is_authenticated:
        path = request.path
        items.append(("Children", reverse("web:children"), path.startswith("/children") and not path.startswith("/children/new")))
        if policy.can_create(current):
            items.append(("Add a child", reverse("web:child-new"), path.startswith("/children/new")))
        if policy.can_see_counts(current):
            items.append(("Counts", reverse("web:counts"), path.startswith("/counts")))
    return {
        "viewer": current,
        "nav_items": [{"label": label, "href": href, "active": active} for label, href, active in items],
    }
