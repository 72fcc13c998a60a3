"""A configured pattern's search is skipped only when its text cannot match.

``bot.core.patterns`` tests a text for a literal every match must contain before the
time-bounded regex search; the literal must truly be in every match, or a span, a knob
or a benchmark would go unseen.
"""

import random

import pytest
import regex

from bot.core import patterns


@pytest.mark.parametrize(("pattern", "literal"), [
    (r"start_as_current_span\(", "start_as_current_span("),
    (r"\botel\w*\.", "otel"),
    (r"^func[ \t]+Benchmark\w*\(", "Benchmark"),
    (r"abc*d", "ab"),               # c* may be absent
    (r"ab{2}cd", "cd"),
    (r"(?P<knob>abc)def", "def"),   # groups are not read
    (r"[\]a]bc", "bc"),             # an escaped ] inside a class
    (r"(?i)timeout", ""),           # case ignored: no literal
    (r"span|timer", ""),            # either: no one literal
    (r"a(?i:bc)d", ""),
    (r"[[:alpha:]]xy", ""),         # sets re and regex read differently
])
def test_the_literal_every_match_holds(pattern: str, literal: str) -> None:
    assert patterns.required(pattern) == literal


def test_random_patterns_never_skip_a_text_they_match() -> None:
    rng = random.Random(5)
    atoms = ["a", "b", "ab", "\\.", ".", "[ab]", "[\\]a]", "[^a]", "(a|b)", "(?:ab)", "a*",
             "b+", "a?", "a{2}", "b{1,2}", "\\b", "\\w", "|", "(?=a)", "(?P<k>ab)", "^", "$",
             "\\(", "c", "(?i:ab)", "a+?"]
    skipped_rightly = 0
    for _ in range(6000):
        pattern = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 7)))
        try:
            compiled = regex.compile(pattern, regex.VERSION0 | regex.MULTILINE)
        except regex.error:
            continue
        literal = patterns.required(pattern)
        for _ in range(5):
            text = "".join(rng.choice("abc.()]\n") for _ in range(rng.randint(0, 30)))
            found = compiled.search(text)
            assert (patterns.search(pattern, text) is not None) == (
                regex.compile(pattern, regex.VERSION0).search(text) is not None)
            assert len(patterns.find_all(pattern, text)) == len(list(compiled.finditer(text)))
            if found is not None:
                assert literal in found.group(0), (pattern, text)
            skipped_rightly += bool(literal) and literal not in text
    assert skipped_rightly > 1000
