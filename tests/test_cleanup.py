"""Chat-artefact cleanup rules, one case each."""

import pytest

from sumbench.summarizers.cleanup import clean_prediction

CASES = [
    ("title line", "Russia Urges Calm in Gaza\nRussia called for calm. Talks go on.",
     "Russia called for calm. Talks go on."),
    ("title with colon", "Russia Urges Calm:\nRussia called for calm.", "Russia called for calm."),
    ("summary label line", "Summary:\nThe cat sat.", "The cat sat."),
    ("inline label", "Summary: The cat sat.", "The cat sat."),
    ("here is", "Here is a summary of the article:\n\nThe cat sat.", "The cat sat."),
    ("markdown heading", "## Summary\nThe cat sat.", "The cat sat."),
    ("bold title", "**Cat News**\nThe cat sat.", "The cat sat."),
    ("bullets", "- The cat sat.\n* The dog ran.\n• A bird sang.",
     "The cat sat.\nThe dog ran.\nA bird sang."),
    ("numbered", "1. The cat sat.\n2) The dog ran.", "The cat sat.\nThe dog ran."),
    ("emphasis", "The **cat** sat on __the__ mat.", "The cat sat on the mat."),
    ("plain text kept", "The cat sat. The dog ran.", "The cat sat. The dog ran."),
    ("single short line kept", "Cat sits", "Cat sits"),
    ("only artefacts", "Summary:", ""),
    ("empty", "", ""),
]


@pytest.mark.parametrize(("case", "raw", "clean"), CASES, ids=[c[0] for c in CASES])
def test_cleanup(case, raw, clean):
    assert clean_prediction(raw) == clean


def test_a_sentence_in_bold_is_not_a_title():
    # bold that spans lines leaves "**" at a line's end: "...here.**" still ends a sentence
    assert clean_prediction("Police said it ended here.**\nMore text **follows.") == (
        "Police said it ended here.\nMore text follows.")
