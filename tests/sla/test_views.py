"""The SLA tab and `jobs run sla`."""


def test_policy_form_saves_and_shows_errors(htmx_client, member_client, org):
    assert member_client.get("/settings/sla/").status_code == 403
    ok = htmx_client.post(
        "/settings/sla/",
        data={
            "hours-critical": "6.5",
            "hours-none": "700",
            "hours-low": "300",
            "hours-medium": "100",
            "hours-high": "50",
            "hours-super-critical": "2",
            "at_risk_percent": "30",
        },
    )
    assert ok.status_code == 200 and "SLA policy saved" in ok.headers["HX-Trigger"]
    bad = htmx_client.post("/settings/sla/", data={"hours-critical": "-3", "at_risk_percent": "x"})
    assert bad.status_code == 422 and "must be a positive number" in bad.get_data(as_text=True)


def test_jobs_run_sla(runner, org):
    result = runner.invoke(args=["jobs", "run", "sla", "--org", org.slug])
    assert result.exit_code == 0 and "reports now at risk" in result.output


def test_policy_form_switches_to_hours_left(htmx_client, org):
    from webapp.sla.policy import sla_policy

    hours = {
        f"hours-{s}": str(h)
        for s, h in (
            ("none", 720),
            ("low", 336),
            ("medium", 168),
            ("high", 72),
            ("critical", 24),
            ("super-critical", 8),
        )
    }
    ok = htmx_client.post(
        "/settings/sla/", data={**hours, "at_risk_percent": "25", "at_risk_mode": "hours", "at_risk_hours": "3"}
    )
    assert ok.status_code == 200 and 'id="mode-hours" aria-label="By hours left" checked' in ok.get_data(as_text=True)
    assert sla_policy(org.id)["at_risk_hours"] == 3
    bad = htmx_client.post(
        "/settings/sla/", data={**hours, "at_risk_percent": "25", "at_risk_mode": "hours", "at_risk_hours": "soon"}
    )
    assert bad.status_code == 422 and "positive number of hours" in bad.get_data(as_text=True)
    back = htmx_client.post(
        "/settings/sla/", data={**hours, "at_risk_percent": "25", "at_risk_mode": "percent", "at_risk_hours": "3"}
    )
    assert back.status_code == 200 and sla_policy(org.id)["at_risk_hours"] is None
