"""The analytics walk's checks: the figures by the definitions (product.md, docs/analytics.md), the answers read back
(API JSON and CSV, the page's table, its CSV download and group lists), and hostile parameters."""

import csv
import io
import math
import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import quote

FIGURES = ("time_to_page", "time_to_acknowledge", "time_to_resolve")
problems: list[str] = []


def check(condition: bool, what: str) -> None:
    """Note a discrepancy (the walk goes on, to list them all)."""
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        problems.append(what)


def parse(text: str) -> datetime:
    """An ISO 8601 time as the API or PagerDuty writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def median(values: list[float]) -> float | None:
    values = sorted(values)
    n = len(values)
    if not n:
        return None
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def p90(values: list[float]) -> float | None:
    values = sorted(values)
    return values[math.ceil(0.9 * len(values)) - 1] if values else None


def figures_of(rows: list[dict]) -> dict:
    durations = {}
    for label, name in zip(FIGURES, ("page", "ack", "resolve"), strict=True):
        values = [row[name] for row in rows if row[name] is not None]
        durations[label] = {"median": median(values), "p90": p90(values)}
    return {
        "paged": len(rows),
        "acknowledged": sum(row["ack"] is not None for row in rows),
        "resolved": sum(row["resolve"] is not None for row in rows),
        **durations,
        "sla": {state: sum(row["sla"] == state for row in rows) for state in ("met", "breached", "open")},
    }


def same_seconds(got, wanted) -> bool:
    """The answer's seconds (to the millisecond) against the exact figure."""
    if got is None or wanted is None:
        return got is wanted
    return abs(got - wanted) <= 0.0005 + 1e-9


def compare(where: str, got: dict, wanted: dict) -> None:
    for name in ("paged", "acknowledged", "resolved", "sla"):
        check(got[name] == wanted[name], f"{where} {name}: {got[name]} (expected {wanted[name]})")
    for label in FIGURES:
        for stat in ("median", "p90"):
            value, exact = got[label][stat], wanted[label][stat]
            check(same_seconds(value, exact), f"{where} {label}.{stat}: {value} (expected {exact})")


# --- the answers ---------------------------------------------------------------------------------------------------
def csv_groups(text: str) -> list[dict]:
    """CSV rows back in the JSON shape (empty cells: null)."""
    rows = list(csv.DictReader(io.StringIO(text)))

    def number(cell):
        return None if cell == "" else float(cell)

    return [
        {
            "key": row["key"],
            "paged": int(row["paged"]),
            "acknowledged": int(row["acknowledged"]),
            "resolved": int(row["resolved"]),
            **{f: {s: number(row[f"{f}_{s}"]) for s in ("median", "p90")} for f in FIGURES},
            "sla": {s: int(row[f"sla_{s}"]) for s in ("met", "breached", "open")},
        }
        for row in rows
    ]


ROW = re.compile(r'<tr data-key="([^"]*)">(.*?)</tr>', re.S)
CELL = re.compile(r'data-figure="(\w+)"(?: data-median="([^"]*)" data-p90="([^"]*)")?>(.*?)</td>', re.S)


def page_groups(html: str) -> list[dict]:
    """The page's table back in the JSON shape."""
    groups = []
    for key, row in ROW.findall(html):
        group = {"key": unescape(key)}
        for name, med, ninety, text in CELL.findall(row):
            if name in FIGURES:
                group[name] = {"median": float(med) if med else None, "p90": float(ninety) if ninety else None}
            elif name == "sla":
                met, breached, still_open = (int(n) for n in re.findall(r"\d+", re.sub(r"<[^>]+>", "", text)))
                group["sla"] = {"met": met, "breached": breached, "open": still_open}
            else:
                group[name] = int(text)
        groups.append(group)
    return groups


def sign_in(walk) -> None:
    if walk.browser.cookies.get("session") and walk.browser.get(f"{walk.app}/analytics/", timeout=10).history == []:
        return  # signed in already
    form = walk.browser.get(f"{walk.app}/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    data = {"csrf_token": token, "email": walk.email, "password": walk.password}
    answer = walk.browser.post(f"{walk.app}/login", data=data, timeout=10, allow_redirects=False)
    assert answer.status_code == 302, ("sign in", answer.status_code)


def check_answers(walk, since: datetime, until: datetime) -> None:
    """Each grouping: API JSON, API CSV, the page and its CSV download against the hand-computed figures."""
    window = {"since": since.isoformat(), "until": until.isoformat()}
    sign_in(walk)
    for group_by in ("service", "severity", "kind", "responder"):
        params = {**window, "group_by": group_by}
        total, groups = walk.expected(group_by)
        answer = walk.api.get(f"{walk.app}/api/v1/analytics", params=params, timeout=30)
        check(answer.status_code == 200, f"{group_by}: API answers {answer.status_code}")
        body = answer.json()
        compare(f"{group_by} total", body["total"], total)
        check(
            [g["key"] for g in body["groups"]] == [g["key"] for g in groups],
            f"{group_by} keys: {[g['key'] for g in body['groups']]} (expected {[g['key'] for g in groups]})",
        )
        for got in body["groups"]:
            wanted = next((g for g in groups if g["key"] == got["key"]), None)
            if wanted is not None:
                compare(f"{group_by}={got['key']}", got, wanted)
        csv_answer = walk.api.get(f"{walk.app}/api/v1/analytics", params={**params, "format": "csv"}, timeout=30)
        check(csv_answer.headers.get("Content-Type", "").startswith("text/csv"), f"{group_by}: CSV is text/csv")
        check(csv_groups(csv_answer.text) == body["groups"], f"{group_by}: the API's CSV has the JSON's figures")
        download = walk.browser.get(f"{walk.app}/analytics/export.csv", params=params, timeout=30)
        check(download.text == csv_answer.text, f"{group_by}: the page's CSV download is the API's CSV")
        page = walk.browser.get(f"{walk.app}/analytics/", params=params, timeout=30)
        check(page.status_code == 200, f"{group_by}: the page answers {page.status_code}")
        check(page_groups(page.text) == body["groups"], f"{group_by}: the page's table has the API's figures")
        for got in body["groups"]:
            listed = walk.browser.get(f"{walk.app}/analytics/items", params={**params, "key": got["key"]}, timeout=30)
            shown = {
                f"{'report' if kind == 'report' else 'incident'}-{number}"
                for kind, number in re.findall(r'data-item="([a-z_]+)-(\d+)"', listed.text)
            }
            wanted = {key for key, item in walk.items.items() if walk.expected_of(item)[group_by] == got["key"]}
            check(
                shown == wanted,
                f"{group_by}={got['key']}: clicking it lists {sorted(shown)} (expected {sorted(wanted)})",
            )


HOSTILE = (
    ({"group_by": "nope"}, "group_by"),
    ({"format": "xml"}, "format"),
    ({"since": "garbage"}, "since"),
    ({"until": "2026-13-01"}, "until"),
    ({"since": "2026-12-02", "until": "2026-12-01"}, "since"),
    ({"since": "99999-01-01"}, "since"),
    ({"until": "9999-12-31T23:59:59Z"}, "until"),
    ({"since": "1" * 39}, "since"),
    ({"since": "9" * 400}, "since"),
    ({"since": "2026-01-01\x00"}, "since"),
    ({"group_by": "kind\x00"}, "group_by"),
    ({"since": "2026-01-01T00:00:00+99:00"}, "since"),
    ({"since": "\ud800"}, "since"),
)
PAGE_HOSTILE = (
    {"from": "9999-12-31", "to": "9999-12-31"},
    {"from": "0001-01-01", "to": "9999-12-31"},
    {"from": "2026-12-05", "to": "2026-12-01"},
    {"from": "\x00", "to": "\ud800"},
    {"since": "9999-12-31"},
    {"days": "9" * 400},
    {"group_by": "\ud800"},
)


def raw_query(params: dict) -> str:
    """A query string that can carry a lone surrogate (as the UTF-8 bytes a careless client sends)."""
    return "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in params.items())


def check_default_window(walk) -> None:
    """No since/until: the last 30 days up to now, holding everything the walk paged."""
    answer = walk.api.get(f"{walk.app}/api/v1/analytics", timeout=30).json()
    days = (parse(answer["until"]) - parse(answer["since"])).total_seconds() / 86400
    check(days == 30 and answer["group_by"] == "service", f"default window: {days} days by {answer['group_by']}")
    check(answer["total"]["paged"] >= len(walk.items), f"default window: {answer['total']['paged']} paged")


def check_hostile(walk) -> None:
    """Bad parameters: 422 naming them; hostile input anywhere: never a 500."""
    for params, name in HOSTILE:
        answer = walk.api.get(f"{walk.app}/api/v1/analytics?{raw_query(params)}", timeout=30)
        fields = answer.json().get("error", {}).get("fields", {}) if answer.status_code == 422 else {}
        check(
            answer.status_code == 422 and name in fields, f"API {params!r}: {answer.status_code} naming {list(fields)}"
        )
    for params in PAGE_HOSTILE:
        for path in ("/analytics/", "/analytics/items", "/analytics/export.csv"):
            answer = walk.browser.get(f"{walk.app}{path}?{raw_query(params)}&key=x", timeout=30)
            check(answer.status_code < 500, f"page {path} {params!r}: {answer.status_code}")
