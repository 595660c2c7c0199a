"""The API's photograph (GET /api/v1/children/{id}/photo) sends what the web page shows: a JPEG
or PNG decided by its content, without metadata, even for a file stored before those rules."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from tests.children.test_photographs import jpeg_with_gps_position, saved_as

pytestmark = pytest.mark.django_db


def test_a_stored_eps_is_not_sent_and_a_jpeg_is_sent_without_its_gps_position(
    api_a, sw_a, make_child
):
    eps, jpeg = make_child(sw_a), make_child(sw_a)
    # Stored straight into the record, as uploads were before the photograph rules (the
    # content type used to come from the file's name).
    eps.photo.save("old.jpg", ContentFile(saved_as("EPS")))
    jpeg.photo.save("old.eps", ContentFile(jpeg_with_gps_position()))
    response = api_a.get(f"/api/v1/children/{eps.pk}/photo")
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no photograph of this child on Visible"
    response = api_a.get(f"/api/v1/children/{jpeg.pk}/photo")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG" and not image.getexif() and "comment" not in image.info
