import pytest

from bot.github.retry import RetryPolicy, delay

POLICY = RetryPolicy(attempts=4, base_delay=0.5, max_delay=30, max_primary_wait=60)


def wait(method="GET", status=502, headers=None, message="", attempt=1, repeatable=False):
    return delay(POLICY, method=method, status=status, headers=headers or {}, message=message,
                 attempt=attempt, now=1000.0, repeatable=repeatable)


def test_server_errors_back_off_exponentially_for_reads() -> None:
    first, third = wait(attempt=1), wait(attempt=3)
    assert first is not None and 0.25 <= first <= 0.5
    assert third is not None and 1.0 <= third <= 2.0


def test_gives_up_after_the_last_attempt() -> None:
    assert wait(attempt=4) is None


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_writes_are_not_repeated_blindly_after_a_server_error(method: str) -> None:
    # GitHub may have applied them; publishing reconciles instead.
    assert wait(method=method) is None


def test_minting_a_token_may_be_repeated() -> None:
    assert wait(method="POST", repeatable=True) is not None


def test_secondary_limit_honours_retry_after_even_for_writes() -> None:
    headers = {"retry-after": "7"}
    assert wait(method="POST", status=403, headers=headers) == 7.0
    assert wait(method="POST", status=429, headers=headers) == 7.0


def test_secondary_limit_without_retry_after_waits_at_least_a_minute() -> None:
    message = "You have exceeded a secondary rate limit"
    assert wait(status=403, message=message) == 60.0
    assert wait(status=403, message=message, attempt=2) == 120.0


def test_exhausted_primary_limit_is_waited_out_only_when_reset_is_near() -> None:
    soon = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}
    late = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4600"}
    assert wait(status=403, headers=soon) == 30.0
    assert wait(status=403, headers=late) is None  # reported, never hammered


def test_a_plain_403_is_a_permission_problem_not_load() -> None:
    assert wait(status=403, message="Resource not accessible by integration") is None


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_final(status: int) -> None:
    assert wait(status=status) is None


def test_connection_failures_are_retried_for_reads_only() -> None:
    assert wait(status=None) is not None
    assert wait(method="POST", status=None) is None
