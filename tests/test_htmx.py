"""The htmx layer: the fragment only for a targeted htmx request, Vary always, toasts and events in HX-Trigger."""

import json

import pytest

from webapp.htmx import render, respond, wants_fragment

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


def test_render_sets_vary_and_the_toast(app, db):
    with app.test_request_context(headers=HTMX):
        response = render("errors/error.html", "_banners.html", "rows", message="Saved.", banners=(), status=404)
        assert response.vary.as_set() == {"hx-request"} and "<html" not in response.get_data(as_text=True)
        assert json.loads(response.headers["HX-Trigger"]) == {"toast": {"level": "success", "message": "Saved."}}


def test_respond_without_a_message_sends_only_the_events(app):
    with app.test_request_context():
        assert "HX-Trigger" not in respond("body").headers
        trigger = json.loads(
            respond("", 409, "danger", "No.", events={"deliveriesChanged": True}).headers["HX-Trigger"]
        )
        assert trigger == {"toast": {"level": "danger", "message": "No."}, "deliveriesChanged": True}
