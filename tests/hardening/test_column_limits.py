"""Issue 22: no schema or form accepts more than its column holds (limits come from the columns), and strings just
over each column's length give a 4xx, never a 5xx."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import fuzz_settings
from webapp.api import schemas as api
from webapp.models import ApiToken, CloudResource, Cluster, Connection, Incident, OnCallSettings, Report, User
from webapp.routing.export import NamespaceRouteDocument, ResourceRouteDocument
from webapp.schemas import PagerDutyId, adapter, column_length

# (schema, the model whose same-named columns hold its fields)
SCHEMA_COLUMNS = [
    (api.NewReport, Report),
    (api.KubernetesIncident, Incident),
    (api.CloudIncident, Incident),
    (api.IncidentQuery, Incident),
    (api.InventoryCluster, Cluster),
    (api.InventoryResource, CloudResource),
    (ResourceRouteDocument, CloudResource),
]
RENAMED = {("researcher_email", Report): Report.researcher_email}


def _max_length(schema_property):
    options = [schema_property, *schema_property.get("anyOf", [])]
    return max((option.get("maxLength", 0) for option in options), default=0) or None


@pytest.mark.parametrize("schema, model", SCHEMA_COLUMNS, ids=lambda value: getattr(value, "__name__", ""))
def test_no_schema_allows_more_than_its_column(schema, model):
    checked = 0
    for name, prop in adapter(schema).json_schema()["properties"].items():
        column = model.__table__.c.get(name)
        limit = _max_length(prop)
        if column is None or limit is None or column_length(column) is None:
            continue
        assert limit <= column_length(column), (schema.__name__, name, limit, column_length(column))
        checked += 1
    assert checked


def test_pagerduty_ids_fit_every_column_that_holds_one():
    limit = adapter(PagerDutyId).json_schema()["maxLength"]
    for column in (OnCallSettings.schedule_id, Connection.webhook_subscription_id):
        assert limit <= column_length(column)
    assert NamespaceRouteDocument.model_json_schema()["properties"]["cluster"]["maxLength"] <= column_length(
        Cluster.name
    )


def _forms():
    from webapp.auth.forms import LoginForm
    from webapp.connection.forms import ConnectForm
    from webapp.reports.forms import SubmitReportForm
    from webapp.tokens.forms import NewTokenForm
    from webapp.users.forms import AddUserForm

    return [
        (AddUserForm, "email", User.email),
        (AddUserForm, "name", User.name),
        (LoginForm, "email", User.email),
        (NewTokenForm, "name", ApiToken.name),
        (SubmitReportForm, "title", Report.title),
        (SubmitReportForm, "contact_email", Report.researcher_email),
        (ConnectForm, "service_name", Connection.service_name),
    ]


def test_every_form_field_with_a_column_takes_its_length_from_it(app):
    with app.test_request_context():
        for form_class, name, column in _forms():
            field = getattr(form_class(meta={"csrf": False}), name)
            assert field.flags.maxlength == column_length(column), (form_class.__name__, name)


# (path, the fields sent besides the one under test, field, column); each answer must be a 4xx or a redirect
FORM_POSTS = [
    ("/settings/users/", {"role": "member", "password": "long-enough-pw", "email": "x@example.com"}, "name", User.name),
    ("/settings/users/", {"role": "member", "password": "long-enough-pw"}, "email", User.email),
    ("/settings/tokens/", {}, "name", ApiToken.name),
    ("/settings/pagerduty/connect", {"routing_key": "a" * 32, "region": "us"}, "service_name", Connection.service_name),
    ("/oncall/mode", {"mode": "pagerduty"}, "schedule_id", OnCallSettings.schedule_id),
]


@fuzz_settings(30)
@given(
    case=st.sampled_from(FORM_POSTS),
    extra=st.integers(min_value=-2, max_value=40),
    letter=st.sampled_from(["a", "é", "😀", "\u202e", "Z"]),
)
def test_strings_around_each_columns_length_never_give_a_5xx(admin_client, case, extra, letter):
    path, fields, name, column = case
    value = letter * max(1, column_length(column) + extra)
    if name == "email":
        value = value[: max(1, len(value) - 12)] + "@example.com"
    response = admin_client.post(path, data={**fields, name: value})
    assert response.status_code < 500, (path, name, len(value), response.get_data(as_text=True)[:300])
