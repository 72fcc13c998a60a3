"""OpenTelemetry traces: on when an OTLP endpoint is configured, a no-op otherwise.

Spans are made through the OpenTelemetry API wherever the work is (a delivery in
``bot/app/observed.py``, each GitHub request in ``bot/github/client.py``, each rule in
``bot/core/evaluate.py``); without an SDK those calls cost next to nothing and record
nothing. ``configure`` installs the SDK with an OTLP/HTTP exporter only when
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set and
``OTEL_SDK_DISABLED`` is not ``true`` (``bot.app.settings`` checks them); every
other ``OTEL_*`` variable (headers, timeout, ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``) means what the SDK documents.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from opentelemetry import trace

from bot import __version__

log = logging.getLogger(__name__)


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name, __version__)


def configure(endpoint: str) -> Callable[[], None] | None:
    """Export spans over OTLP/HTTP to ``endpoint`` (the settings' ``traces_endpoint``: the
    SDK reads the same variables); empty: traces stay off. Returns how to flush and stop."""
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the service; "perfbot" otherwise.
    from_env = Resource.create()
    named = str(from_env.attributes.get("service.name", ""))
    resource = from_env.merge(Resource({
        "service.name": "perfbot" if named.startswith("unknown_service") else named,
        "service.version": __version__,
    }))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    shown = _without_credentials(endpoint)
    log.info("exporting traces over OTLP/HTTP to %s", shown, extra={"url": shown})
    return provider.shutdown


def _without_credentials(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(the configured endpoint)"
    return f"{parts.scheme}://{host}{port}{parts.path}"
