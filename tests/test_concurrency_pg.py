"""Two approvers acting on one report at once: exactly one transition wins, the other is told why.

Runs on PostgreSQL with real threads and connections, because what is tested is the row lock
(`select_for_update`) that serialises them; SQLite locks the whole database and would prove
nothing. CI runs the suite on PostgreSQL too (`./dev pg-test`).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save

from annual.models import Report, ReportState, Role, Transition
from annual.workflow import TransitionError, perform_transition
from tests.personas import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock race needs PostgreSQL (set DATABASE_URL=postgres://…); SQLite locks the whole file",
    ),
]
S = ReportState
WAIT = 60  # seconds; only a bound so a broken lock fails instead of hanging, never an expectation


def run_in_thread(target, results, name):
    def body():
        try:
            results[name] = target()
        except Exception as exc:  # collected and asserted on by the test
            results[name] = exc
        finally:
            connections.close_all()  # each thread opened its own connection

    thread = threading.Thread(target=body, name=name)
    thread.start()
    return thread


def waiting_on_lock(pid_exclude: int) -> bool:
    """Some other backend of this database is blocked waiting for a lock."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> %s",
            [pid_exclude],
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def submitted(personas):
    perform_transition(personas.report_a, "submit", user=personas.preparer_a)
    second = make_user("appr_a2", personas.agency_a, Role.APPROVER)
    return personas, second


def test_second_approver_waits_for_row_lock_then_sees_approval(submitted):
    """Approver 1 holds the row lock mid-approval; approver 2's return blocks on it (seen in
    pg_stat_activity), then finds the report approved and is refused with who did it."""
    personas, second = submitted
    report_id = personas.report_a.pk
    holding, release = threading.Event(), threading.Event()

    def hold_lock(sender, instance, created, **kwargs):
        if created and threading.current_thread().name == "approve":
            holding.set()  # inside perform_transition's transaction: the row is locked
            release.wait(WAIT)

    post_save.connect(hold_lock, sender=Transition, dispatch_uid="test-hold-lock")
    results: dict = {}
    try:
        first = run_in_thread(
            lambda: perform_transition(Report.objects.get(pk=report_id), "approve", user=personas.approver_a),
            results,
            "approve",
        )
        assert holding.wait(WAIT), "the first approver never reached the locked section"
        second_thread = run_in_thread(
            lambda: perform_transition(Report.objects.get(pk=report_id), "return", user=second, reason="自然人数有误"),
            results,
            "return",
        )
        own_pid = connection.cursor().connection.info.backend_pid
        blocked = False
        for _ in range(600):
            if waiting_on_lock(own_pid):
                blocked = True
                break
            time.sleep(0.05)
        release.set()
        first.join(WAIT)
        second_thread.join(WAIT)
    finally:
        release.set()
        post_save.disconnect(dispatch_uid="test-hold-lock", sender=Transition)

    assert blocked, "the second transition did not wait for the row lock"
    assert results["approve"] == S.APPROVED
    refusal = results["return"]
    assert isinstance(refusal, TransitionError)
    assert "不能退回修改：报告当前状态为“已通过”" in str(refusal) and "appr_a 已于" in str(refusal)
    assert list(Transition.objects.filter(report_id=report_id).values_list("to_state", flat=True)) == [
        S.SUBMITTED,
        S.APPROVED,
    ]
    assert Report.objects.get(pk=report_id).state == S.APPROVED


def test_simultaneous_return_and_approve_exactly_one_wins(submitted):
    """Four approvers press at the same instant (barrier); exactly one transition is recorded."""
    personas, second = submitted
    report_id = personas.report_a.pk
    third = make_user("appr_a3", personas.agency_a, Role.APPROVER)
    fourth = make_user("appr_a4", personas.agency_a, Role.APPROVER)
    barrier = threading.Barrier(4, timeout=WAIT)
    attempts = {
        "approve-1": (personas.approver_a, "approve"),
        "return-2": (second, "return"),
        "approve-3": (third, "approve"),
        "return-4": (fourth, "return"),
    }

    def attempt(user, action):
        report = Report.objects.get(pk=report_id)
        barrier.wait()
        return perform_transition(report, action, user=user, reason="并发测试")

    results: dict = {}
    threads = [run_in_thread(lambda u=u, a=a: attempt(u, a), results, name) for name, (u, a) in attempts.items()]
    for thread in threads:
        thread.join(WAIT)

    winners = {name: r for name, r in results.items() if not isinstance(r, Exception)}
    losers = {name: r for name, r in results.items() if isinstance(r, Exception)}
    assert len(winners) == 1, results
    assert all(isinstance(r, TransitionError) and "报告当前状态为" in str(r) for r in losers.values()), losers
    ((name, state),) = winners.items()
    assert state == (S.APPROVED if name.startswith("approve") else S.RETURNED)
    assert Transition.objects.filter(report_id=report_id).exclude(to_state=S.SUBMITTED).count() == 1
    assert Report.objects.get(pk=report_id).state == state
