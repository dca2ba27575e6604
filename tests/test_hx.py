"""The htmx layer: the fragment only for a targeted htmx request, Vary always, toasts and events in HX-Trigger."""

import json

import pytest

from webapp.hx import VARY_HEADERS, current_url, render, respond, wants_fragment

HTMX = {"HX-Request": "true", "HX-Target": "rows"}


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, False),
        (HTMX, True),
        ({**HTMX, "HX-Target": "elsewhere"}, False),
        ({**HTMX, "HX-Boosted": "true"}, False),
        ({**HTMX, "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_fragment_only_for_a_targeted_htmx_request(app, headers, fragment):
    with app.test_request_context(headers=headers):
        assert wants_fragment("rows") is fragment


FULL_VARY = {"hx-request", "hx-target", "hx-boosted", "hx-history-restore-request"}


def test_render_sets_vary_and_the_toast(app, db):
    with app.test_request_context(headers=HTMX):
        response = render("errors/error.html", "_banners.html", "rows", message="Saved.", banners=(), status=404)
        assert response.vary.as_set() == {h.lower() for h in VARY_HEADERS} and "<html" not in response.get_data(
            as_text=True
        )
        assert json.loads(response.headers["HX-Trigger"]) == {"toast": {"level": "success", "message": "Saved."}}


def test_respond_without_a_message_sends_only_the_events(app):
    with app.test_request_context():
        assert "HX-Trigger" not in respond("body").headers
        trigger = json.loads(
            respond("", 409, "danger", "No.", events={"deliveriesChanged": True}).headers["HX-Trigger"]
        )
        assert trigger == {"toast": {"level": "danger", "message": "No."}, "deliveriesChanged": True}


def vary_of(response):
    return {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true", "HX-Target": "delivery-rows"}, {"HX-Boosted": "true"}])
def test_pages_that_branch_on_htmx_vary_on_every_header_they_read(admin_client, headers):
    """A cache must not serve the fragment to a boosted link or a history restore, nor the page to a swap."""
    response = admin_client.get("/settings/deliveries/", headers=headers)
    assert response.status_code in (200, 286)  # 286: htmx's "stop polling", nothing left in flight
    assert vary_of(response) >= FULL_VARY


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_a_redirect_or_a_section_chosen_by_htmx_varies_too(admin_client, org, headers):
    from webapp.api.services import tokens_of

    token = tokens_of(org.id)[0]
    response = admin_client.post(f"/settings/tokens/{token.id}/revoke", headers=headers)
    assert response.status_code == (200 if headers else 302)
    assert vary_of(response) >= FULL_VARY


def test_the_module_does_not_shadow_the_extension():
    import webapp
    from webapp import extensions

    assert not hasattr(webapp, "htmx") or webapp.htmx is extensions.htmx


def test_reading_the_page_htmx_came_from_varies_on_it(app):
    """An answer that depends on HX-Current-URL (the live state out of band) must not be cached across pages."""
    with app.test_request_context(headers={"HX-Request": "true", "HX-Current-URL": "http://x/webhooks/settings"}):
        assert current_url() == "http://x/webhooks/settings"
        assert "hx-current-url" in vary_of(app.process_response(app.response_class("")))
    with app.test_request_context(headers={"HX-Request": "true", "HX-Current-URL": "http://x/"}):
        assert "hx-current-url" not in vary_of(app.process_response(app.response_class("")))
