"""The reviewer's side: the checklist comment, sign-offs of variances, mitigation issues.

Pure like the rest of ``bot.core``; ``bot.github.comments`` and ``bot.app.steward``
do the reading and writing. Where state lives is explained in ``state``.
"""
