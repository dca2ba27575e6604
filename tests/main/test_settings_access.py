"""/settings goes to the first settings page the user may see; a member refused a settings page is told why."""


def test_settings_redirects_an_admin_to_the_first_settings_page(admin_client):
    response = admin_client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings/pagerduty/")


def test_settings_redirects_a_member_to_their_account(member_client):
    response = member_client.get("/settings/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account")


def test_a_member_on_a_settings_page_gets_the_apps_403(member_client, org):
    response = member_client.get("/settings/alerts/")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Only admins can change these settings" in page
    assert org.admin_email in page  # who can change this
    assert 'href="/reports/"' in page  # where to look instead
    assert "read-protected" not in page
