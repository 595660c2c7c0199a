"""The request a staff page is given, typed.

Every page behind ``staff_view`` (web/common.py) gets Django's ``HttpRequest`` with one more
attribute, ``viewer``: who is asking (agencies/viewer.py), the one thing every policy, query
and action takes. ``staff_view`` puts it there if the context processor (web/context.py) has
not already; the API's authentication puts the API client's Viewer on the underlying Django
request under the same name (api/auth.py).

Views annotate their request as ``ViewerRequest``, so a type checker knows ``request.viewer``
is a ``Viewer`` rather than an attribute ``HttpRequest`` does not have.
"""

from __future__ import annotations

from django.http import HttpRequest

from visible.agencies.viewer import Viewer


class ViewerRequest(HttpRequest):
    """An ``HttpRequest`` that carries the ``Viewer`` acting on it. Never made: Django makes
    the request; this class only describes it to the type checker."""

    viewer: Viewer
