"""The On-Call page and the On-call settings tab."""

from tests.oncall.test_services import rota  # noqa: F401  (fixture)


def test_members_read_admins_act(member_client, admin_client, org):
    assert member_client.get("/oncall/").status_code == 200
    assert member_client.post("/oncall/pick", data={"user_id": org.member.id}).status_code == 403
    assert member_client.get("/oncall/settings").status_code == 403
    response = admin_client.post("/oncall/pick", data={"user_id": org.member.id})
    assert response.status_code == 302
    assert org.member_email in admin_client.get("/oncall/").get_data(as_text=True)


def test_schedule_dropdown_lists_every_schedule(admin_client, connected, rota):  # noqa: F811
    body = admin_client.get("/oncall/settings").get_data(as_text=True)
    assert "Rota" in body and "Ghosts" in body


def test_choosing_a_schedule_switches_mode_and_syncs(admin_client, db, connected, rota):  # noqa: F811
    response = admin_client.post("/oncall/mode", data={"mode": "pagerduty", "schedule_id": "PGHOSTS"})
    assert response.status_code == 302
    body = admin_client.get("/oncall/settings").get_data(as_text=True)
    assert "ghost@example.com" in body
