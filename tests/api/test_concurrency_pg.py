"""Two clients acting on the same request at once, through the API, on real PostgreSQL connections."""

import threading

import pytest
from django.db import connection, connections

from disclosure.models import DisclosureRequest, RequestEvent

from .builders import registered


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("send_version", [True, False], ids=["with-version", "without-version"])
def test_two_concurrent_transitions_one_200_one_409_one_event(send_version, people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    clients = [as_user(people["clerk"]), as_user(people["reviewer"])]
    # The same arrow twice: whichever order the threads actually run in (truly at once, or one after
    # the other on a loaded machine), exactly one may win. Two different arrows that chain
    # (start-review, then accept) would both succeed when run one after the other.
    paths = ["start-review", "start-review"]
    body = {"version": 0} if send_version else {}
    barrier = threading.Barrier(2)
    responses = [None, None]

    def run(i):
        try:
            barrier.wait(10)
            responses[i] = clients[i].post(f"/api/v1/requests/{req.pk}/{paths[i]}/", body, format="json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()["error"]
    assert loser["code"] in ("concurrent_change", "invalid_transition")
    assert RequestEvent.objects.filter(request_id=req.pk).exclude(action="register").count() == 1
    assert DisclosureRequest.objects.get(pk=req.pk).version == 1
