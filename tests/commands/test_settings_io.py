"""`settings export` / `settings import`: the declared document, round-tripped, refused all or nothing by path."""

import json

import pytest


def _import(runner, org, tmp_path, document):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document))
    return runner.invoke(args=["settings", "import", "--org", org.slug, str(path)])


def test_export_imports_back_unchanged(runner, org, tmp_path):
    exported = json.loads(runner.invoke(args=["settings", "export", "--org", org.slug]).output)
    exported.pop("routing")  # routes need synced services; tests/routing covers them
    assert _import(runner, org, tmp_path, exported).exit_code == 0
    again = json.loads(runner.invoke(args=["settings", "export", "--org", org.slug]).output)
    assert {key: again[key] for key in exported} == exported


def test_a_full_document_applies(runner, org, tmp_path):
    from webapp.orgs.alert_rules import alert_rules, incident_notifications, severity_mapping
    from webapp.sla.policy import sla_policy

    document = {
        "alert_rules": {"sla_breached": {"enabled": False, "severity": "error"}},
        "incident_notifications": {"cloud": False, "min_severity": "high"},
        "severity_mapping": {"low": "warning"},
        "auto_resolve_reports": False,
        "sla_policy": {"hours": {"super-critical": 4.5, "low": 100}, "at_risk_percent": 10},
        "oncall": {"mode": "manual", "schedule": None},
    }
    result = _import(runner, org, tmp_path, document)
    assert result.exit_code == 0, result.output
    assert alert_rules(org.id)["sla_breached"] == {"enabled": False, "severity": "error"}
    assert incident_notifications(org.id)["min_severity"] == "high" and severity_mapping(org.id)["low"] == "warning"
    policy = sla_policy(org.id)
    assert (
        policy["hours"]["super-critical"] == 4.5 and policy["hours"]["low"] == 100 and policy["at_risk_percent"] == 10
    )


@pytest.mark.parametrize(
    "document, path",
    [
        ({"alert_rules": {"new_report": {"enabled": "yes"}}}, "alert_rules.new_report.enabled"),
        ({"alert_rules": {"nope": {}}}, "alert_rules.nope"),
        ({"alert_rules": []}, "alert_rules"),
        ({"incident_notifications": {"min_severity": "urgent"}}, "incident_notifications.min_severity"),
        ({"severity_mapping": {"high": "sev1"}}, "severity_mapping.high"),
        ({"auto_resolve_reports": "true"}, "auto_resolve_reports"),
        ({"sla_policy": {"hours": {"critical": 0}}}, "sla_policy.hours.critical"),
        ({"sla_policy": {"hours": {"critical": True}}}, "sla_policy.hours.critical"),
        ({"sla_policy": {"at_risk_percent": 100}}, "sla_policy.at_risk_percent"),
        ({"oncall": {"mode": "pagerduty"}}, "oncall.schedule"),
        ({"oncall": {"mode": "manual", "schedule": "not an id"}}, "oncall.schedule"),
        ({"routing": {"namespaces": [{"cluster": "a"}]}}, "routing.namespaces[0].namespace"),
        (
            {"routing": {"cloud_resources": [{"provider": "gcp", "resource_id": "b", "service": "P1"}]}},
            "routing.cloud_resources[0].provider",
        ),
        ({"routing": {"default_service": "a\u0000"}}, "routing.default_service"),
    ],
)
def test_bad_values_name_their_path_and_nothing_applies(runner, org, tmp_path, document, path):
    from webapp.orgs.alert_rules import alert_rules

    result = _import(
        runner,
        org,
        tmp_path,
        {**document, "alert_rules": document.get("alert_rules", {"war_room": {"enabled": False}})},
    )
    assert result.exit_code != 0 and f"{path}:" in result.output, result.output
    assert alert_rules(org.id)["war_room"]["enabled"] is True
