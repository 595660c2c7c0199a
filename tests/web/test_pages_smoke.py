"""Every register page renders for the people who use it."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _sign_in


@pytest.mark.django_db
def test_record_pages_render_for_the_social_worker(signed_in, sw_a, make_child):
    child = make_child(
        sw_a,
        other_names=[("Nguyễn Văn Anh", "own_script")],
        given_names="Anh",
        family_name="Nguyen",
    )
    client = signed_in(sw_a)
    for name in (
        "child",
        "child-edit",
        "child-history",
        "photo-change",
        "name-add",
        "flag-add",
        "placement-add",
        "nrm-add",
        "age-assessment-add",
        "guardian-add",
    ):
        response = client.get(reverse(f"web:{name}", args=[child.pk]))
        assert response.status_code == 200, name
    assert "Nguyễn Văn Anh" in client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert client.get(reverse("web:children")).status_code == 200
    assert client.get(reverse("web:child-new")).status_code == 200
