"""Report formats for CI and terminals, beside the check run's Markdown in ``bot.core.render``.

Each is a pure function of an evaluation, listing every finding: the check run's annotation
limits are GitHub's, not a report's.
"""
