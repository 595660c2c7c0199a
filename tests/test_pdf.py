"""Every PDF Visible makes goes through visible/pdf.py, whose URL fetcher reads data: URIs and
Visible's own static files and nothing else.

Proved for each of the three PDFs (the grab pack, the partnership's annual report, the
national tables), twice over:
- what people typed, written as markup (a note, a report's section, a collection's name
  holding an <img> of a server on this machine), is printed as text and nothing is fetched;
- markup slipped into the very HTML WeasyPrint is given (as if a template had failed to
  escape) asks for that server and for a file outside the static folders, and neither is read.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import pytest
import weasyprint
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import as_viewer, make_user
from visible import pdf
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.missing import actions as missing
from visible.missing import grabpack
from visible.missing.inputs import ReportMissingInput
from visible.national import actions as national
from visible.returns import actions as returns
from visible.returns import partnership

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def listener():
    """A web server on this machine that answers every request with an image, and notes it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret(tmp_path):
    """An image on the server's disk, outside the static folders."""
    path = tmp_path / "secret.png"
    path.write_bytes(png())
    return path


@pytest.fixture
def slipped_in(monkeypatch, listener, secret):
    """Every HTML handed to WeasyPrint gets an image from the listener, an image from a file
    outside the static folders and a stylesheet from the listener, as if unescaped."""
    url, _ = listener
    markup = (
        f'<img src="{url}/slipped.png" alt=""><img src="{secret.as_uri()}" alt="">'
        f'<link rel="stylesheet" href="{url}/slipped.css">'
    )
    real = weasyprint.HTML

    def html(*args, string, **kwargs):
        assert "</main>" in string  # every PDF template extends web/pdf_base.html
        return real(*args, string=string.replace("</main>", markup + "</main>"), **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", html)


def refused(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "visible.pdf"]


def assert_refused_and_nothing_read(caplog, listener, secret) -> None:
    url, asked = listener
    assert asked == []  # the server on this machine was never asked for anything
    messages = refused(caplog)
    assert any(f"{url}/slipped.png" in m for m in messages), messages
    assert any(f"{url}/slipped.css" in m for m in messages), messages
    assert any(secret.as_uri() in m for m in messages), messages


def images_in(document) -> list:
    """The <img> elements drawn (charts are inline SVG, drawn from the page itself)."""
    from weasyprint.formatting_structure import boxes

    return [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.InlineReplacedBox | boxes.BlockReplacedBox)
        and box.element_tag == "img"
    ]


def document_text(document) -> str:
    from weasyprint.formatting_structure import boxes

    words = [
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.TextBox)
    ]
    return re.sub(r"\s+", " ", " ".join(words))


def printed(text: str, document) -> bool:
    """``text`` is on the pages, whatever the line breaks in it."""
    return "".join(text.split()) in "".join(document_text(document).split())


# --- the fetcher itself ----------------------------------------------------------------------


def test_the_fetcher_reads_static_files_and_data_uris_and_refuses_everything_else(
    listener, secret, caplog
):
    fetcher = pdf.fetcher()
    stylesheet = fetcher.fetch(urljoin(pdf.static_url(), pdf.STYLESHEET))
    assert b"@page grab-pack" in stylesheet.read()
    assert fetcher.fetch("data:text/plain;base64,SGVsbG8=").read() == b"Hello"
    url, asked = listener
    outside = [
        f"{url}/leak.png",
        "http://169.254.169.254/latest/meta-data/",  # never tried: refused before any network
        secret.as_uri(),
        "file:///etc/hostname",
        urljoin(pdf.BASE_URL, "children/1/photo"),  # Visible's own pages: not static files
        "https://visible.invalid/static/%2e%2e/%2e%2e/config/settings/base.py",
        "https://visible.invalid/static/..%2fpdf.py",
        "https://elsewhere.invalid/static/css/print.css",  # static path, another host
        "ftp://127.0.0.1/x",
    ]
    for address in outside:
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(address)
    assert asked == []
    assert len(refused(caplog)) == len(outside)


def test_a_document_gets_static_files_and_not_the_network(listener, caplog):
    url, asked = listener
    document = pdf.document(
        f'<html><body class="app-pdf"><main><img src="{url}/x.png" alt="">'
        '<link rel="stylesheet" href="/static/css/print.css">'
        "<p>Words</p></main></body></html>"
    )
    assert asked == [] and not images_in(document)
    assert [m for m in refused(caplog)] == [f"PDF: refused to fetch {url}/x.png"]
    assert "Page 1 of 1" in document_text(document)  # the print stylesheet's page numbers


# --- the grab pack ---------------------------------------------------------------------------


@pytest.fixture
def episode(sw_a, make_child, listener):
    """A child reported missing, whose report's free text is written as markup."""
    url, _ = listener
    child = make_child(sw_a, given_names="Amina", family_name="Noor")
    episode, _ = missing.report_missing(
        as_viewer(sw_a),
        child,
        ReportMissingInput(
            category="M",
            last_seen_at=timezone.now() - dt.timedelta(hours=2),
            last_seen_place=f'<img src="{url}/place.png">',
            with_whom="",
            clothing=f'<img src="{url}/clothing.png">',
            circumstances=f"<script>fetch('{url}/script')</script>",
            reported_by_name="Carer (synthetic)",
            reported_by_role="carer",
            police_force=None,
            police_reported_at=None,
            police_reference="",
        ),
    )
    return episode


def test_the_grab_pack_prints_typed_markup_as_text_and_fetches_nothing(
    client, sw_a, episode, listener
):
    url, asked = listener
    client.force_login(sw_a)
    response = client.get(reverse("web:grab-pack-pdf", args=[episode.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    document = grabpack.pdf_document(grabpack.grab_pack_for(as_viewer(sw_a), episode))
    assert printed(f'<img src="{url}/clothing.png">', document)
    assert asked == [] and not images_in(document)


def test_the_grab_pack_fetcher_refuses_what_is_slipped_into_its_html(
    slipped_in, sw_a, episode, listener, secret, caplog
):
    document = grabpack.pdf_document(grabpack.grab_pack_for(as_viewer(sw_a), episode))
    assert_refused_and_nothing_read(caplog, listener, secret)
    assert not images_in(document)
    assert "OFFICIAL-SENSITIVE: contains personal data of a child" in document_text(document)


# --- the partnership's annual report -----------------------------------------------------------


@pytest.fixture
def report(council_a, manager_a, listener):
    url, _ = listener
    area, _ = returns.define_partnership(
        Viewer.system("test"), "Croydon Safeguarding Children Partnership", ["E09000008"]
    )
    returns.save_section(
        as_viewer(manager_a), area, 2024, "learning", f'<img src="{url}/learning.png">', None
    )
    return partnership.build_report(area, 2024)


def test_the_partnership_report_prints_typed_markup_as_text_and_fetches_nothing(report, listener):
    url, asked = listener
    document = partnership.pdf_document(report)
    assert printed(f'<img src="{url}/learning.png">', document)
    assert asked == [] and not images_in(document)


def test_the_partnership_report_fetcher_refuses_what_is_slipped_into_its_html(
    slipped_in, report, listener, secret, caplog
):
    document = partnership.pdf_document(report)
    assert_refused_and_nothing_read(caplog, listener, secret)
    assert not images_in(document)
    assert "OFFICIAL: aggregate figures" in document_text(document)


# --- the national tables -----------------------------------------------------------------------


@pytest.fixture
def analyst(db):
    body = Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    return make_user("analyst.national", body, Role.ANALYST)


@pytest.fixture
def collection(analyst, listener):
    url, _ = listener
    return national.open_collection(
        as_viewer(analyst),
        f'Missing children <img src="{url}/name.png">',
        dt.date(2024, 9, 1),
        dt.date(2025, 8, 31),
        dt.date(2025, 11, 30),
    )


def national_pdf(client, analyst, collection) -> bytes:
    client.force_login(analyst)
    response = client.get(reverse("web:national-export", args=[collection.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    return response.content


def test_the_national_tables_print_typed_markup_as_text_and_fetch_nothing(
    client, analyst, collection, listener, monkeypatch
):
    url, asked = listener
    documents = []
    real = pdf.document
    monkeypatch.setattr(pdf, "document", lambda html: documents.append(real(html)) or documents[-1])
    national_pdf(client, analyst, collection)
    (document,) = documents
    assert printed(f'Missing children <img src="{url}/name.png">: national tables', document)
    assert asked == [] and not images_in(document)


def test_the_national_tables_fetcher_refuses_what_is_slipped_into_their_html(
    slipped_in, client, analyst, collection, listener, secret, caplog
):
    caplog.set_level(logging.WARNING, logger="visible.pdf")
    national_pdf(client, analyst, collection)
    assert_refused_and_nothing_read(caplog, listener, secret)
