"""The App's own telemetry: JSON logs that never carry a secret, and OpenTelemetry traces."""
