"""The metrics' labels hold classes and templates, never what a request was about."""

from practice.platform.metrics import UNMATCHED, route_of, status_class


def test_a_status_is_labelled_by_its_class() -> None:
    assert [status_class(s) for s in (200, 303, 404, 410, 500)] == [
        "2xx", "3xx", "4xx", "4xx", "5xx",
    ]  # fmt: skip


def test_a_request_is_labelled_by_its_route_template_never_by_its_path() -> None:
    assert route_of({"path": "/episodes/12", "path_template": "/episodes/{episode_id}"}) == (
        "/episodes/{episode_id}"
    )
    assert route_of({"path": "/a/path/someone/typed"}) == UNMATCHED
