"""Anonymous visitors are sent to the sign-in page from every staff page, and see nothing."""

import pytest


@pytest.fixture
def staff_urls(episode_a):
    patient_id, episode_id = episode_a.patient_id, episode_a.pk
    return [
        "/",
        "/patients/search/",
        "/patients/new/",
        f"/patients/{patient_id}/",
        f"/patients/{patient_id}/edit/",
        f"/patients/{patient_id}/episodes/new/",
        f"/episodes/{episode_id}/",
        f"/episodes/{episode_id}/edit/",
        "/audit/",
        "/password/change/",
    ]


def test_it_sends_anonymous_visitors_to_sign_in(client, staff_urls):
    for url in staff_urls:
        r = client.get(url)
        assert r.status_code == 302, url
        assert r.url.startswith("/login/?next="), url


def test_it_sends_anonymous_form_posts_to_sign_in_without_saving(client, staff_urls, episode_a):
    for url in staff_urls:
        r = client.post(url, {"q": "Jones", "given_name": "Changed", "referral_reason": "x"})
        assert r.status_code == 302, url
        assert r.url.startswith("/login/"), url
    episode_a.refresh_from_db()
    episode_a.patient.refresh_from_db()
    assert episode_a.patient.given_name == "Mary"
    assert episode_a.referral_reason.startswith("Left leg pain")


def test_it_remembers_where_the_visitor_was_going(client, episode_a):
    r = client.get(f"/episodes/{episode_a.pk}/")
    assert r.url == f"/login/?next=/episodes/{episode_a.pk}/"


def test_the_admin_site_asks_anonymous_visitors_to_sign_in(client):
    r = client.get("/admin/accounts/auditevent/")
    assert r.status_code == 302
    assert r.url.startswith("/admin/login/")


def test_the_sign_in_page_itself_is_open(client):
    r = client.get("/login/")
    assert r.status_code == 200
    assert b"Sign in" in r.content
