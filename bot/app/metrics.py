"""Prometheus metrics, in a registry of the App's own so tests and processes stay apart."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
# The events app.yml subscribes to and those GitHub sends every App. X-GitHub-Event is not
# signed, so any other name is counted together: made-up names must not grow the metrics.
EVENTS = frozenset({
    "check_run", "check_suite", "issue_comment", "pull_request", "workflow_run", "ping",
    "installation", "installation_repositories", "installation_target",
    "github_app_authorization", "meta",
})
OTHER = "(other)"


def event_label(name: str) -> str:
    return name if name in EVENTS else OTHER


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "perfbot_webhook_deliveries",
            "Webhook deliveries by event and outcome.",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.processing = Histogram(
            "perfbot_processing_seconds",
            "Time from acknowledging a delivery to finishing its work.",
            ["event"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.requests = Counter(
            "perfbot_github_requests",
            "Requests to GitHub by method and answer status (0: no answer).",
            ["method", "status"],
            registry=self.registry,
        )
        self.queue_due = Gauge(
            "perfbot_queue_depth",
            "Deliveries in the store due to be worked on now (across replicas).",
            registry=self.registry,
        )
        self.queue_unfinished = Gauge(
            "perfbot_queue_unfinished",
            "Deliveries not finished yet: due, being worked on, or waiting to retry.",
            registry=self.registry,
        )
        self.queue_failed = Gauge(
            "perfbot_queue_failed",
            "Deliveries that failed every attempt, kept in the store for an operator.",
            registry=self.registry,
        )
        self.failed = Counter(
            "perfbot_deliveries_failed",
            "Deliveries this process saw fail their last attempt.",
            registry=self.registry,
        )
        self.recoveries = Counter(
            "perfbot_queue_recoveries",
            "Deliveries taken up again after the process working on them stopped.",
            registry=self.registry,
        )
        self.remaining = RateLimitRemaining()
        self.registry.register(self.remaining)

    def github_request(self, method: str, status: int | None) -> None:
        self.requests.labels(method, str(status or 0)).inc()

    def rate_limit(self, remaining: int) -> None:
        self.remaining.value = remaining

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RateLimitRemaining(Collector):
    """What GitHub last said is left of the rate limit, and nothing before it has said.

    A plain gauge starts at 0, which reads as "exhausted": an alert on it would fire at
    every start. Until GitHub's first answer the metric is declared with no sample.
    """

    def __init__(self) -> None:
        self.value: int | None = None

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "perfbot_github_rate_limit_remaining",
            "Requests left in the current rate-limit window, as GitHub last reported "
            "(no sample until GitHub has reported one).",
        )
        if self.value is not None:
            family.add_metric([], self.value)
        yield family
