from django.http import HttpRequest

from visible.agencies.viewer import viewer_for


def viewer(request: HttpRequest) -> dict:
    if not hasattr(request, "viewer"):
        request.viewer = viewer_for(request.user)
    return {"viewer": request.viewer}
