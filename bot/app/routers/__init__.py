"""One gidgethub router per concern; the server dispatches each event to all of them."""

from gidgethub import routing

from bot.app.routers import checks, comments, installations, pull_requests, workflows

router = routing.Router(
    checks.router, comments.router, installations.router, pull_requests.router, workflows.router
)
