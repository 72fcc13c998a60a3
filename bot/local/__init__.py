"""The local front: facts from a git checkout instead of GitHub."""
