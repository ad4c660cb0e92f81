"""The sign-in throttle's rule, without a server: free failures, doubling waits with a
ceiling, a lock that runs out, and counts forgotten after a quiet spell."""
from __future__ import annotations

from datetime import timedelta

from server.throttle import ACCOUNT, ADDRESS, Attempts, seconds
from tests.conftest import MONDAY_10AM


def failures(count: int, policy=ACCOUNT, every: timedelta = timedelta(0)) -> Attempts:
    state = Attempts(0, MONDAY_10AM)
    for n in range(count):
        state = state.charged(MONDAY_10AM + n * every, policy)
    return state


def test_waits_start_after_the_free_failures_and_double_up_to_a_ceiling():
    assert failures(4).wait(MONDAY_10AM) is None
    waits = [failures(n).wait(MONDAY_10AM) for n in (5, 6, 7, 30)]
    assert waits == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4), timedelta(minutes=15)]
    assert failures(20, ADDRESS).wait(MONDAY_10AM) == timedelta(seconds=1)
    assert failures(19, ADDRESS).wait(MONDAY_10AM) is None


def test_only_accounts_lock():
    assert ACCOUNT.locks(10) and not ACCOUNT.locks(9)
    assert not ADDRESS.locks(1000)


def test_a_quiet_key_or_an_ended_lock_counts_from_one_again():
    busy = failures(8)
    assert busy.charged(MONDAY_10AM + timedelta(minutes=29), ACCOUNT).failures == 9
    assert busy.charged(MONDAY_10AM + timedelta(minutes=31), ACCOUNT).failures == 1
    locked = Attempts(10, MONDAY_10AM, None, MONDAY_10AM + ACCOUNT.lock_for)
    assert locked.locked(MONDAY_10AM + timedelta(minutes=29))
    after = MONDAY_10AM + ACCOUNT.lock_for + timedelta(seconds=1)
    assert not locked.locked(after) and locked.charged(after, ACCOUNT).failures == 1


def test_retry_after_is_whole_seconds_and_never_zero():
    assert seconds(timedelta(milliseconds=10)) == 1
    assert seconds(timedelta(seconds=7, milliseconds=1)) == 8
