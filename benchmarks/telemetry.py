"""What the App's own telemetry costs: spans off and on, and a JSON log line; print figures.

    .venv/bin/python benchmarks/telemetry.py [--rounds 9]

Spans are made through the OpenTelemetry API in the code paths themselves; without an
OTLP endpoint no SDK is installed and they are no-ops. This measures, as CPU time (which
a shared machine disturbs less than wall time), median of ``--rounds`` rounds:

* one span started and ended through the module-level tracer the code uses, with no SDK
  (off) and with the SDK and a batch processor whose exporter discards (on: everything
  but the network, which the exporter's own thread pays);
* what that adds to a delivery: a span for it, one per rule and one per GitHub request
  (``--requests``, 9 by default: what the README's table counts for a ``synchronize``);
* formatting one delivery's closing log line as JSON and as text, with its fields bound
  and 1,000 installation tokens registered to be scrubbed.

Off is measured before on, because the SDK, once installed, stays for the process (the
module-level tracers resolve to it once). Evaluating the rules takes 40 to 500 ms
(``rules.py``), so a span per rule is measured by the span, not by timing two evaluations
whose difference the machine's noise would swamp.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from bot.core.rules import RULES  # noqa: E402
from bot.telemetry import logs, secrets, traces  # noqa: E402

SPANS = 20_000
LINES = 5_000


class Discard(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def cpu_per(call: Callable[[], None], times: int, rounds: int) -> float:
    """Median CPU seconds per call over ``rounds`` rounds of ``times`` calls."""
    results = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(times):
            call()
        results.append((time.process_time() - start) / times)
    return statistics.median(results)


def span_cost(rounds: int) -> float:
    tracer = traces.tracer("bench")

    def one() -> None:
        with tracer.start_as_current_span("GitHub GET", attributes={
                "http.request.method": "GET", "url.full": "https://api.github.com/x"}) as span:
            span.set_attribute("http.response.status_code", 200)

    return cpu_per(one, SPANS, rounds)


def line_cost(formatter: logging.Formatter, rounds: int) -> float:
    secrets.hide(*(f"ghs_{i:036d}" for i in range(1_000)))
    record = logging.LogRecord("bot.app.delivery", logging.INFO, __file__, 1,
                               "delivery %s (%s) processed", ("3f2b9c1e-…", "pull_request.opened"),
                               None)
    record.outcome, record.duration_ms = "processed", 182.4
    sink = io.StringIO()
    with logs.bind(delivery_id="3f2b9c1e-8d41-11ef-9a55-0242ac120002", event="pull_request",
                   action="opened", repository="octo-org/service", pr=1234,
                   head_sha="a" * 40, installation=7):
        return cpu_per(lambda: sink.write(formatter.format(record)), LINES, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=9)
    args = parser.parse_args()
    span_off = span_cost(args.rounds)
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Discard()))
    trace.set_tracer_provider(provider)
    span_on = span_cost(args.rounds)
    provider.shutdown()
    json_line = line_cost(logs.JsonFormatter(), args.rounds)
    text_line = line_cost(logs.TextFormatter(), args.rounds)
    per_delivery = 1 + len(RULES) + args.requests
    print(f"median CPU of {args.rounds} rounds")
    print(f"{'':<52} {'off':>10} {'on':>10}")
    print(f"{'one span (start, attribute, end)':<52} {span_off * 1e6:>8.2f}µs "
          f"{span_on * 1e6:>8.2f}µs")
    label = f"a delivery's {per_delivery} spans (1 + {len(RULES)} rules + {args.requests} requests)"
    print(f"{label:<52} {span_off * per_delivery * 1e3:>8.3f}ms "
          f"{span_on * per_delivery * 1e3:>8.3f}ms")
    print(f"{'a delivery line, JSON':<52} {json_line * 1e6:>8.2f}µs")
    print(f"{'a delivery line, text':<52} {text_line * 1e6:>8.2f}µs")


if __name__ == "__main__":
    main()
