import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_sees_the_service_in_counts_only(page, analyst_a, clinic_a, clinic_b):
    olwen = make_patient(clinic_a, given_name="Olwen", family_name="Pritchard")
    make_episode(olwen, condition="spinal_stenosis")
    make_episode(make_patient(clinic_b, given_name="Brian", family_name="Baker"))

    log_in(page, "ann")
    expect(page.get_by_role("heading", name="Service overview")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("1 episode in this clinic.")
    stages = page.get_by_role("table", name="Episodes by stage")
    expect(stages.get_by_role("row", name="Referred 1")).to_be_visible()
    conditions = page.get_by_role("table", name="Episodes by condition")
    expect(conditions.get_by_role("row", name="Lumbar spinal stenosis 1")).to_be_visible()
    for identifier in ("Olwen", "Pritchard", "Brian", "943 476 5919"):
        expect(main).not_to_contain_text(identifier)
    expect(page.get_by_role("link", name="Find a patient")).to_have_count(0)

    page.goto(f"/patients/{olwen.pk}/")
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Pritchard")
