"""The figures of a known day are exactly what the definitions say, and the API, the CSV and the page agree."""

import csv
import io

import pytest

from tests import factories
from tests.analytics import scenario
from tests.conftest import DEFAULT_KEY, PD_TOKEN, VDP_KEY


def duration(median, p90):
    return {"median": median, "p90": p90}


NONE = duration(None, None)
TOTAL = {
    "paged": 5,
    "acknowledged": 4,
    "resolved": 2,
    "time_to_page": duration(60, 300),  # 30, 60, 60, 120, 300
    "time_to_acknowledge": duration(360, 600),  # 90, 240, 480, 600: mean of the middle two; rank ceil(3.6) = 4
    "time_to_resolve": duration(5340, 7200),  # 3480, 7200 (I1 was reopened)
    "sla": {"met": 1, "breached": 0, "open": 1},
}
BY_SERVICE = [
    {
        "key": "Platform",
        "paged": 3,
        "acknowledged": 3,
        "resolved": 1,
        "time_to_page": duration(60, 300),
        "time_to_acknowledge": duration(240, 600),
        "time_to_resolve": duration(7200, 7200),
        "sla": {"met": 0, "breached": 0, "open": 0},
    },
    {
        "key": "Security VDP",
        "paged": 1,
        "acknowledged": 1,
        "resolved": 1,
        "time_to_page": duration(120, 120),
        "time_to_acknowledge": duration(480, 480),
        "time_to_resolve": duration(3480, 3480),
        "sla": {"met": 1, "breached": 0, "open": 0},
    },
    {
        "key": "VDP integration key",
        "paged": 1,
        "acknowledged": 0,
        "resolved": 0,
        "time_to_page": duration(60, 60),
        "time_to_acknowledge": NONE,
        "time_to_resolve": NONE,
        "sla": {"met": 0, "breached": 0, "open": 1},
    },
]
BY_RESPONDER = {
    "Bob": (2, 2, 1, duration(45, 60), duration(165, 240), duration(7200, 7200)),
    "Ada": (1, 1, 1, duration(120, 120), duration(480, 480), duration(3480, 3480)),
    "Carol": (1, 1, 0, duration(300, 300), duration(600, 600), NONE),
}


@pytest.fixture()
def day(app, api, client, db, connected, pd):
    from webapp.connection.services import connect_api_token

    factories.default_service(connected.id, DEFAULT_KEY)
    other = factories.org_with_users()
    connect_api_token(other.id, PD_TOKEN, VDP_KEY)
    other_api = factories.ApiClient(app.test_client(), other.api_token)
    return scenario.build(api, client, db, connected, other_api)


def test_total_and_service_groups_are_exact(api, day):
    answer = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "service"}).json
    assert answer["since"] == "2026-11-02T00:00:00Z" and answer["until"] == "2026-11-03T00:00:00Z"
    assert answer["group_by"] == "service"
    assert answer["total"] == TOTAL
    assert answer["groups"] == BY_SERVICE


def test_responders_are_who_first_acknowledged_and_never_acknowledged_are_left_out(api, day):
    answer = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "responder"}).json
    found = {
        group["key"]: (
            group["paged"],
            group["acknowledged"],
            group["resolved"],
            group["time_to_page"],
            group["time_to_acknowledge"],
            group["time_to_resolve"],
        )
        for group in answer["groups"]
    }
    assert found == BY_RESPONDER
    assert [group["key"] for group in answer["groups"]] == ["Bob", "Ada", "Carol"]
    assert answer["total"] == TOTAL  # the total is the window's, whatever the grouping


def test_kinds_and_severities_add_up(api, db, day):
    kinds = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "kind"}).json["groups"]
    assert {group["key"]: group["paged"] for group in kinds} == {"kubernetes": 2, "report": 2, "cloud": 1}
    assert {group["key"]: group["sla"]["met"] + group["sla"]["open"] for group in kinds} == {
        "kubernetes": 0,
        "report": 2,
        "cloud": 0,
    }
    severities = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "severity"}).json["groups"]
    assert sum(group["paged"] for group in severities) == 5
    assert {"critical", "error"} <= {group["key"] for group in severities}


def test_csv_and_page_show_the_same_figures(api, admin_client, day):
    answer = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "service"}).json
    response = api.get("/analytics", query_string={**scenario.WINDOW, "group_by": "service", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(answer["groups"])
    for row, group in zip(rows, answer["groups"], strict=True):
        assert row["key"] == group["key"] and int(row["paged"]) == group["paged"]
        assert int(row["acknowledged"]) == group["acknowledged"] and int(row["resolved"]) == group["resolved"]
        for name in ("time_to_page", "time_to_acknowledge", "time_to_resolve"):
            for stat in ("median", "p90"):
                expected = group[name][stat]
                assert row[f"{name}_{stat}"] == ("" if expected is None else str(expected))
        assert {k: int(row[f"sla_{k}"]) for k in ("met", "breached", "open")} == group["sla"]
    download = admin_client.get("/analytics/export.csv", query_string={**scenario.WINDOW, "group_by": "service"})
    assert download.get_data(as_text=True) == response.get_data(as_text=True)
    page = admin_client.get("/analytics/", query_string={"from": "2026-11-02", "to": "2026-11-02"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-total="paged">5<' in html and 'data-total="acknowledged">4<' in html
    assert 'data-total="resolved">2<' in html
    for group in answer["groups"]:
        assert f'data-key="{group["key"]}"' in html
        for name in ("time_to_page", "time_to_acknowledge", "time_to_resolve"):
            median = group[name]["median"]
            assert f'data-figure="{name}" data-median="{"" if median is None else median}"' in html


def test_clicking_a_group_lists_its_reports_and_incidents(admin_client, day):
    response = admin_client.get(
        "/analytics/items", query_string={**scenario.WINDOW, "group_by": "responder", "key": "Bob"}
    )
    html = response.get_data(as_text=True)
    assert f'data-item="kubernetes-{day["i1"]}"' in html and f'data-item="cloud-{day["i2"]}"' in html
    assert "report-" not in html and html.count("data-item=") == 2


def test_daily_series_add_up_to_the_total(admin_client, db, connected, day):
    from webapp.analytics import forms, series, services

    window, _ = forms.parse_window(scenario.WINDOW, scenario.at(30))
    daily = series.daily(window, services.report(connected.id, window, days=True)["days"])
    assert daily["paged"] == [5] and daily["acknowledged"] == [4] and daily["resolved"] == [2]
    assert daily["tta"] == [6.0] and daily["ttr"] == [89.0]
