"""The On-Call page and the On-call settings tab."""

from tests.oncall.test_services import rota  # noqa: F401  (fixture)


def test_members_read_admins_act(member_client, admin_client, org):
    assert member_client.get("/oncall/").status_code == 200
    assert member_client.post("/oncall/pick", data={"user_id": org.member.id}).status_code == 403
    assert member_client.get("/oncall/settings").status_code == 403
    response = admin_client.post("/oncall/pick", data={"user_id": org.member.id})
    assert response.status_code == 302
    assert org.member_email in admin_client.get("/oncall/").get_data(as_text=True)


def run_queued_jobs(redis):
    """Run what the views queued, here (no worker in these tests): PagerDuty is only called from jobs."""
    from rq import Queue

    queue = Queue("default", connection=redis)
    ran = []
    for job in queue.jobs:
        job.perform()
        ran.append(job.func_name)
    queue.empty()
    return ran


def test_schedule_picker_loads_lazily_through_a_job(admin_client, htmx_client, connected, rota, redis):  # noqa: F811
    page = admin_client.get("/oncall/settings").get_data(as_text=True)
    assert "/oncall/settings/schedules" in page and 'value="PGHOSTS"' not in page
    loading = htmx_client.get("/oncall/settings/schedules")
    assert loading.status_code == 200 and 'data-picker-state="loading"' in loading.get_data(as_text=True)
    assert run_queued_jobs(redis) == ["jobs.oncall.read_schedules"]
    ready = htmx_client.get("/oncall/settings/schedules")
    assert (
        ready.status_code == 286 and "Rota" in ready.get_data(as_text=True) and "Ghosts" in ready.get_data(as_text=True)
    )
    narrowed = htmx_client.get("/oncall/settings/schedules?q=gho").get_data(as_text=True)
    assert "Ghosts" in narrowed and "Rota" not in narrowed


def test_schedule_picker_says_why_it_failed(htmx_client, org, redis):
    htmx_client.get("/oncall/settings/schedules")
    run_queued_jobs(redis)
    failed = htmx_client.get("/oncall/settings/schedules")
    body = failed.get_data(as_text=True)
    assert failed.status_code == 286 and 'data-picker-state="failed"' in body and "API token" in body
    assert "Try again" in body


def test_choosing_a_schedule_switches_mode_and_queues_the_sync(admin_client, db, connected, rota, redis):  # noqa: F811
    response = admin_client.post("/oncall/mode", data={"mode": "pagerduty", "schedule_id": "PGHOSTS"})
    assert response.status_code == 302
    assert run_queued_jobs(redis) == ["jobs.oncall.sync_org"]
    body = admin_client.get("/oncall/settings").get_data(as_text=True)
    assert "ghost@example.com" in body and 'data-mode="pagerduty">PagerDuty<' in body


def test_refreshing_the_schedule_list_is_a_post_and_a_get_changes_nothing(htmx_client, org, redis):
    from webapp.oncall import schedules

    redis.set(schedules._key(org.id), '{"state": "ready", "schedules": [["PKEEP", "Kept"]]}')
    assert 'value="PKEEP"' in htmx_client.get("/oncall/settings/schedules?refresh=1").get_data(as_text=True)
    assert redis.exists(schedules._key(org.id))
    refreshed = htmx_client.post("/oncall/settings/schedules/refresh")
    assert refreshed.status_code in (200, 286) and 'value="PKEEP"' not in refreshed.get_data(as_text=True)
