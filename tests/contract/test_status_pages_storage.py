"""Status pages' storage, on both stores: a slug is held by one page across every organisation and moves with
the page, versions guard edits and deletes, shown services must be the organisation's."""

from datetime import datetime, timedelta

import pytest

from flare.ids import new_id
from flare.status_pages.models import ComponentGroup, StatusPage
from flare.status_pages.port import status_pages
from flare.store.errors import ServiceMissing, SlugTaken, Stale
from tests.contract.conftest import make_service, new_org
from tests.support import T0


def make_page(caller, slug: str, service_ids: list[str] = (), at: datetime = T0) -> StatusPage:
    page = StatusPage(
        id=new_id("spg", at),
        org_id=caller.org_id,
        slug=slug,
        name=slug.title(),
        description="",
        time_zone="UTC",
        support_url="",
        components=[ComponentGroup(service_ids=list(service_ids))] if service_ids else [],
        show_uptime=True,
        history_days=90,
        created_at=at,
        updated_at=at,
    )
    status_pages().save_status_page(None, page)
    return page


def test_a_slug_is_held_by_one_page_across_organisations(caller):
    make_page(caller, "acme")
    with pytest.raises(SlugTaken):
        make_page(new_org(), "acme", at=T0 + timedelta(seconds=1))
    with pytest.raises(SlugTaken):
        make_page(caller, "acme", at=T0 + timedelta(seconds=2))

    assert [page.slug for page in status_pages().list_status_pages(caller.org_id, limit=10, start=None).items] == [
        "acme"
    ]


def test_a_new_slug_frees_the_old_one_and_a_stale_edit_is_refused(caller):
    page = make_page(caller, "acme")
    moved = page.model_copy(update={"slug": "acme-status", "version": 2})

    status_pages().save_status_page(page, moved)
    with pytest.raises(Stale):
        status_pages().save_status_page(page, page.model_copy(update={"name": "Late", "version": 2}))

    assert status_pages().get_status_page(caller.org_id, page.id).slug == "acme-status"
    make_page(new_org(), "acme", at=T0 + timedelta(seconds=1))  # free for anyone
    with pytest.raises(SlugTaken):
        make_page(new_org(), "acme-status", at=T0 + timedelta(seconds=2))


def test_the_services_shown_must_be_the_organisations(caller):
    checkout = make_service(caller, "Checkout")
    foreign = make_service(new_org(), "Search", T0 + timedelta(seconds=1))

    with pytest.raises(ServiceMissing) as missing:
        make_page(caller, "acme", [checkout.id, foreign.id])
    assert missing.value.service_id == foreign.id
    make_page(caller, "acme", [checkout.id])  # the refused write claimed nothing


def test_delete_frees_the_slug_and_needs_the_current_version(caller):
    page = make_page(caller, "acme")
    status_pages().save_status_page(page, edited := page.model_copy(update={"name": "Edited", "version": 2}))

    with pytest.raises(Stale):
        status_pages().delete_status_page(page)
    status_pages().delete_status_page(edited)

    assert status_pages().get_status_page(caller.org_id, page.id) is None
    make_page(new_org(), "acme", at=T0 + timedelta(seconds=1))


def _snapshot(page: StatusPage, name: str):
    from flare.status_pages.snapshot import build_snapshot

    return build_snapshot(page.model_copy(update={"name": name}), {}, [], [], previous=None, now=T0)


def test_a_snapshot_lives_on_the_slug_and_replaces_only_the_revision_it_read(caller):
    page = make_page(caller, "acme")
    stored = status_pages().snapshot_of("acme", consistent=True)
    assert (stored.page_id, stored.revision, stored.snapshot) == (page.id, 0, None)  # claimed, not built yet
    assert status_pages().snapshot_of("nobody") is None

    assert status_pages().save_snapshot("acme", page.id, _snapshot(page, "First"), 0)
    assert not status_pages().save_snapshot("acme", page.id, _snapshot(page, "Lost race"), 0)  # stale revision
    assert not status_pages().save_snapshot("acme", new_id("spg"), _snapshot(page, "Not its page"), 1)

    stored = status_pages().snapshot_of("acme", consistent=True)
    assert (stored.revision, stored.snapshot.name) == (1, "First")


def test_a_renamed_or_deleted_page_takes_its_snapshot_with_its_old_slug(caller):
    page = make_page(caller, "acme")
    status_pages().save_snapshot("acme", page.id, _snapshot(page, "Shown"), 0)
    moved = page.model_copy(update={"slug": "acme-status", "version": 2})
    status_pages().save_status_page(page, moved)

    assert status_pages().snapshot_of("acme") is None
    assert status_pages().snapshot_of("acme-status", consistent=True).snapshot is None  # until its first build

    status_pages().delete_status_page(moved)
    assert status_pages().snapshot_of("acme-status") is None


def test_pages_of_an_organisation_are_its_own(caller):
    mine = [make_page(caller, "acme"), make_page(caller, "acme-internal", at=T0 + timedelta(seconds=1))]
    make_page(new_org(), "globex", at=T0 + timedelta(seconds=2))

    assert sorted(page.slug for page in status_pages().pages_of(caller.org_id, {mine[0].id})) == [
        "acme",
        "acme-internal",
    ]
