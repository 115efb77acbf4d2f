"""ROUGE in many languages, token for token as XL-Sum's scorer (``multilingual-rouge``
0.0.1, Hasan et al. 2021) computes it: ``--lang CODE``.

The scorer lowercases, keeps runs of characters that are neither whitespace, control
characters nor punctuation (BERT's BasicTokenizer), then segments by language: jieba
(zh), MeCab through fugashi (ja), PyThaiNLP's newmm (th), a syllable segmenter
(my), and for every other language OpenNMT's "aggressive" tokenizer with each CJK
ideograph its own token. Tokens longer than 3 characters are stemmed: XL-Sum's Hindi
suffix stripper (hi), TurkishStemmer (tr), NLTK's Snowball stemmers with NLTK's
stopword lists (the words on them are left unstemmed), and nothing for the rest.
ROUGE-Lsum is its own path there: each line is tokenized by the BasicTokenizer alone,
without the language's segmenter (so for zh, ja, th and my a "token" is a whole run
of text between punctuation), and this module does the same.

sumbench depends on these parts (the ``multilingual`` extra), not on the package: its
wheel lacks the Bengali stemmer's rule file (its scorer raises FileNotFoundError for
``bn`` with stemming), requires the 770 MB UniDic download for Japanese and nothing
offline, and scores one pair at a time in Python. The tokenization is rewritten here
to give the same tokens faster (tests/test_multilingual.py compares per document with
the package itself); the ROUGE arithmetic on the tokens is rouge-score's (the fast
path, rouge-score-rs, is cross-checked against it as for English, ``xlsum_scoring``).

Nothing is downloaded. Two things the scorer reads are data outside any wheel:
NLTK's stopword lists (Snowball languages with stemming: found where NLTK looks,
checked against the sha256 of the lists ``nltk.download("stopwords")`` fetches) and
the full UniDic (Japanese; without it fugashi's bundled-free ``unidic-lite`` is used,
and the dictionary is named in the run's signature). A language that cannot be scored
exactly is refused with one message, never scored differently.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from sumbench.errors import SettingError

EXTRA = "pip install 'sumbench[multilingual]'"
MIN_STEM_LENGTH = 3  # the scorer stems tokens longer than this (its min_char_length)


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 (639-3 where there is none: pcm)
    name: str  # the scorer's own name for it (its ``lang``)
    segmenter: str | None = None  # jieba, fugashi, newmm, burmese; None: OpenNMT aggressive
    stemmer: str | None = None  # hindi, turkish, bengali, snowball; None: no stemming
    aliases: tuple[str, ...] = ()  # XL-Sum's dataset names and the scorer's alternatives


def _languages() -> dict[str, Language]:
    rows = [Language("zh", "chinese", "jieba", None,
                     ("chinese_simplified", "chinese_traditional")),
            Language("ja", "japanese", "fugashi"), Language("th", "thai", "newmm"),
            Language("my", "burmese", "burmese"), Language("hi", "hindi", None, "hindi"),
            Language("tr", "turkish", None, "turkish", ("turkce",)),
            Language("bn", "bengali", None, "bengali", ("bangla",)),
            Language("es", "spanish", None, "snowball", ("mundo",))]
    rows += [Language(code, name, None, "snowball") for code, name in (
        ("ar", "arabic"), ("da", "danish"), ("nl", "dutch"), ("en", "english"),
        ("fi", "finnish"), ("fr", "french"), ("de", "german"), ("hu", "hungarian"),
        ("it", "italian"), ("no", "norwegian"), ("pt", "portuguese"), ("ro", "romanian"),
        ("ru", "russian"), ("sv", "swedish"))]
    rows += [Language(code, name) for code, name in (
        ("am", "amharic"), ("az", "azerbaijani"), ("gu", "gujarati"), ("ha", "hausa"),
        ("ig", "igbo"), ("id", "indonesian"), ("rn", "kirundi"), ("ko", "korean"),
        ("ky", "kyrgyz"), ("mr", "marathi"), ("ne", "nepali"), ("om", "oromo"),
        ("ps", "pashto"), ("fa", "persian"), ("pcm", "pidgin"), ("pa", "punjabi"),
        ("gd", "scottish_gaelic"), ("si", "sinhala"), ("so", "somali"), ("sw", "swahili"),
        ("ta", "tamil"), ("te", "telugu"), ("ti", "tigrinya"), ("uk", "ukrainian"),
        ("ur", "urdu"), ("uz", "uzbek"), ("vi", "vietnamese"), ("cy", "welsh"),
        ("yo", "yoruba"))]
    rows.append(Language("sr", "serbian_cyrillic", aliases=("serbian_latin", "serbian")))
    return {row.code: row for row in rows}


LANGUAGES = _languages()
_BY_NAME = {key: lang.code for lang in LANGUAGES.values()
            for key in (lang.code, lang.name, *lang.aliases)}

# sha256 of each list in NLTK's stopwords corpus as nltk.download("stopwords") fetches it
# (packages/corpora/stopwords.zip, md5 8726a900bca7083674536e2593686361 in NLTK's index)
STOPWORDS_SHA256 = {
    "arabic": "0df01c0a184d8c15077c6f0ee70e25e0c0308d827b92b14a19f5f819a0c465d0",
    "danish": "1bedc9cf5a8830dacf8c4ee0d8b301f0801861756ad0d504431d01047f961b0c",
    "dutch": "e5a2a7c390fe3ad0c0a132586ed11492b635d66a1f426cd89677f80b07bc76a6",
    "english": "019f104ba2ed07436d05f9cdd3383034ad66014edc27fc651f837e1a038b6451",
    "finnish": "952af766edc9b8e7ddc877fc464cbd94b91754b5621fdfdd7020568fd4813fcd",
    "french": "58ac7f7c074b70dc0fc86f6fcf40b2c227e9f95627e90e57971d5cce1e30e2e9",
    "german": "f0c25acd7ec02a31f6679d9664ec5222ca846fdbc58db96160f4e7c0ddb0f7ea",
    "hungarian": "64a68b5ebaa616b25bd976ac915c326f2ea8cce8b59a0ac8c5728b980ae4fb0c",
    "italian": "293d7841f198e4012f49e8e5653c3bfd073a58cea1259fa2c0fcec894167b628",
    "norwegian": "f7e5b42208ccf1b1f282f9e0f8570e464272762bda5718b6b26750f510a688dc",
    "portuguese": "6e7b98378c6b728266a83ebf035d927abf16b9e0d815d6204d81d90d896bcc9b",
    "romanian": "0ab53d21cbde00c6bf367706a0243c646140ba564cce7e83ac33d80f8923e957",
    "russian": "1743191192b4a4f77fcc216499455dc00c1b8626fdd407076a8deefff80e3d59",
    "spanish": "6125eadf28ba664a60bf4296147bcbd40b80be93670056fdb229960ac15e2310",
    "swedish": "2a9d9d756bc4257d49329994f805c712cd5ab6746162e2082752238766c1c0c8",
}


def canonical(lang: str) -> str:
    """The language's code, from an ISO 639-1 code or an XL-Sum name (any case)."""
    key = lang.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _BY_NAME:
        raise SettingError("lang", f"{lang!r} is no language of XL-Sum's scorer; give an "
                           "ISO 639-1 code or an XL-Sum name: "
                           + ", ".join(sorted(LANGUAGES)))
    return _BY_NAME[key]


def language(code: str) -> Language:
    return LANGUAGES[canonical(code)]


def stems(lang: Language, use_stemmer: bool) -> bool:
    """Whether tokens are stemmed: asked for, and the scorer has a stemmer for it."""
    return use_stemmer and lang.stemmer is not None


# -- what a run needs, checked before any text is read ---------------------------------

def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _needed(lang: Language, use_stemmer: bool) -> list[str]:
    """The distributions whose code decides this language's tokens."""
    needed = ["pyonmttok"]
    needed += {"jieba": ["jieba"], "fugashi": ["fugashi"], "newmm": ["pythainlp"]}.get(
        lang.segmenter or "", [])
    if stems(lang, use_stemmer):
        needed += {"turkish": ["TurkishStemmer"], "snowball": ["nltk"]}.get(lang.stemmer or "",
                                                                            [])
    return needed


def check_ready(code: str, use_stemmer: bool) -> None:
    """Refuse, in one message, a language this machine cannot score exactly."""
    lang = language(code)
    missing = [p for p in _needed(lang, use_stemmer) if _version(p) is None]
    if missing:
        raise SettingError("lang", f"{lang.code} needs {', '.join(missing)}: {EXTRA}")
    if lang.segmenter == "fugashi":
        japanese_dictionary()
    if stems(lang, use_stemmer) and lang.stemmer == "bengali":
        raise SettingError("lang", "bn with stemming: XL-Sum's scorer (multilingual-rouge "
                           "0.0.1) cannot score it, its wheel lacks the Bengali stemmer's "
                           "rule file (common.rules) and it raises FileNotFoundError; "
                           "--no-stemmer scores bn exactly as the scorer does without it")
    if stems(lang, use_stemmer) and lang.stemmer == "snowball":
        stopwords(lang.name)


def stopwords(name: str) -> frozenset[str]:
    """NLTK's stopword list for a Snowball language, read as NLTK reads it, if it is the
    pinned one; otherwise one error naming how to get it."""
    import nltk
    from nltk.corpus.reader import WordListCorpusReader

    fix = ("python -m nltk.downloader stopwords (once, online), or --no-stemmer (no "
           "data needed)")
    try:
        root = nltk.data.find("corpora/stopwords")
        raw = WordListCorpusReader(root, [name], encoding="utf8").raw(name)
    except (LookupError, OSError, ValueError):
        raise SettingError("lang", f"stemming {name} as XL-Sum's scorer does leaves NLTK's "
                           f"stopwords unstemmed, and NLTK's stopword list for {name} is "
                           f"not installed: {fix}") from None
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    if digest != STOPWORDS_SHA256[name]:
        raise SettingError("lang", f"NLTK's stopword list for {name} at {root} is not the "
                           f"one this scorer is pinned to (sha256 {digest[:12]}..., expected "
                           f"{STOPWORDS_SHA256[name][:12]}...): a different list gives "
                           f"different stems; reinstall it with {fix}")
    return frozenset(WordListCorpusReader(root, [name], encoding="utf8").words(name))


def japanese_dictionary() -> tuple[str, str, str]:
    """(name, version, folder) of the MeCab dictionary, chosen as fugashi chooses: the full
    UniDic when ``unidic`` is installed and downloaded, else ``unidic-lite``."""
    import importlib
    import os

    for module, name in (("unidic", "unidic"), ("unidic_lite", "unidic-lite")):
        try:
            found = importlib.import_module(module)
        except ImportError:
            continue
        if os.path.isdir(found.DICDIR):
            return name, str(found.VERSION), str(found.DICDIR)
    raise SettingError("lang", f"ja needs a MeCab dictionary: {EXTRA} (unidic-lite), or "
                       "the full UniDic (pip install unidic; python -m unidic download)")


def tools(code: str, use_stemmer: bool) -> dict[str, str]:
    """Each package (and data) that decides this language's tokens, with its version:
    recorded in the spec and the signature, so runs that differ are not compared."""
    lang = language(code)
    found = {p: _version(p) or "not installed" for p in _needed(lang, use_stemmer)}
    if lang.segmenter == "fugashi":
        try:
            name, version, _ = japanese_dictionary()
            found[name] = version
        except SettingError:
            found["unidic"] = "not installed"
    if stems(lang, use_stemmer) and lang.stemmer == "snowball":
        found["nltk-stopwords"] = STOPWORDS_SHA256[lang.name][:8]
    return found


def describe(code: str, use_stemmer: bool) -> dict[str, Any]:
    """The spec's words for how this language is tokenized and stemmed."""
    lang = language(code)
    try:
        dictionary = "-".join(japanese_dictionary()[:2]) if lang.segmenter == "fugashi" else ""
    except SettingError:
        dictionary = "not installed"
    segmenter = {"jieba": "jieba (precise mode, HMM)",
                 "fugashi": f"MeCab via fugashi (-O wakati), dictionary {dictionary}",
                 "newmm": "PyThaiNLP newmm", "burmese": "XL-Sum's Burmese syllable segmenter",
                 }.get(lang.segmenter or "", "OpenNMT aggressive, CJK ideographs split")
    stemmer = stemmer_label(code, use_stemmer)
    return {"lang": lang.code, "xlsum_name": lang.name,
            "tokenizer": tokenizer_label(code),
            "stemmer": stemmer,
            "tokenizer_detail": "XL-Sum's multilingual scorer: lowercase, BasicTokenizer "
                                f"(Unicode punctuation removed), then {segmenter}; "
                                + (f"stemmer {stemmer} on tokens longer than {MIN_STEM_LENGTH}"
                                   if stemmer != "none" else "no stemming") + "; "
                                "ROUGE-Lsum tokenizes each line with the BasicTokenizer "
                                "alone, as the scorer does",
            "tools": tools(code, use_stemmer)}


def tokenizer_label(code: str) -> str:
    return f"xlsum-{canonical(code)}"


def stemmer_label(code: str, use_stemmer: bool) -> str:
    lang = language(code)
    if not stems(lang, use_stemmer):
        return "none"
    return {"hindi": "xlsum-hindi", "turkish": "turkishstemmer", "bengali": "rafi-bengali"
            }.get(lang.stemmer or "", f"snowball-{lang.name}+nltk-stopwords")


# -- tokens -----------------------------------------------------------------------------

_CJK = re.compile("([\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\U0002a700-\U0002b73f"
                  "\U0002b740-\U0002b81f\U0002b820-\U0002ceaf\uf900-\ufaff"
                  "\U0002f800-\U0002fa1f])")
_TABLE: dict[int, str | None] = {}  # character -> " " (a separator) or None (dropped)
_SEEN: set[str] = set()


def _classify(char: str) -> str | None:
    """What the BasicTokenizer does with a character: dropped (NUL, U+FFFD, control and
    format characters), a separator (whitespace, punctuation: Unicode P* and every
    ASCII symbol) or kept (returned as itself)."""
    code = ord(char)
    category = unicodedata.category(char)
    if code in (0, 0xFFFD) or (char not in "\t\n\r" and category.startswith("C")):
        return None
    if char in " \t\n\r" or category == "Zs" or char.isspace() or category.startswith("P") \
            or 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return " "
    return char


def basic_tokens(text: str) -> list[str]:
    """The scorer's BasicTokenizer on ``text`` (already lowercased): one translate and
    one split, with each character classified once per process."""
    new = set(text) - _SEEN
    for char in new:
        kind = _classify(char)
        if kind != char:
            _TABLE[ord(char)] = kind
        _SEEN.add(char)
    return text.translate(_TABLE).split()


@functools.lru_cache(maxsize=1)
def _opennmt() -> Any:
    import pyonmttok

    return pyonmttok.Tokenizer("aggressive")


def _default_tokens(joined: str) -> list[str]:
    """The scorer's tokens without a segmenter: OpenNMT aggressive, then every CJK
    ideograph a token of its own."""
    return _CJK.sub(r" \1 ", " ".join(_opennmt().tokenize(joined)[0])).split()


@functools.lru_cache(maxsize=8)
def segmenter(name: str | None) -> Callable[[str], list[str]] | None:
    """The language's word segmenter, as the scorer calls it."""
    if name == "jieba":
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return lambda text: list(jieba.cut(text))
    if name == "fugashi":
        from fugashi import GenericTagger

        _, _, folder = japanese_dictionary()
        tagger = GenericTagger(f'-r "{folder}/mecabrc" -d "{folder}" -O wakati -b 50000')
        return lambda text: tagger.parse(text).split()
    if name == "newmm":
        from pythainlp.tokenize import word_tokenize

        return lambda text: word_tokenize(text, engine="newmm")
    if name == "burmese":
        return burmese_syllables
    return None


_MY_ASAT, _MY_DOT, _MY_STACK = "\u103a", "\u1037", "\u1039"
_MY_DEPENDENT = frozenset([chr(0x102B + i) for i in range(8)] + [chr(0x1036 + i) for i in range(3)]
                          + [chr(0x103B + i) for i in range(4)] + [_MY_ASAT])


def burmese_syllables(text: str) -> list[str]:
    """XL-Sum's Burmese segmenter (Thu et al., ACM TALLIP 2019): each base character with
    the dependent signs after it, units with an asat joined to the one before (when
    shorter than 4), stacked consonants glued."""
    text = text.replace("\u200c", " ").replace(_MY_DOT + _MY_ASAT, _MY_ASAT + _MY_DOT)
    chars = list("".join(text.lower().strip().split()))
    for i in range(len(chars) - 1, 0, -1):  # attach each dependent sign to what precedes
        if chars[i][:1] in _MY_DEPENDENT:
            chars[i - 1] += chars[i]
            chars[i] = ""
    units = " ".join(chars).split()
    for i in range(1, len(units)):
        if _MY_ASAT in units[i] and len(units[i]) < 4:
            units[i - 1] += units[i]
            units[i] = ""
    return " ".join(" ".join(units).split()).replace(f" {_MY_STACK} ", _MY_STACK).split()


_HINDI_SUFFIXES = {  # XL-Sum's Hindi stemmer (Ramanathan and Rao 2003), longest first
    5: ("ाएंगी", "ाएंगे", "ाऊंगी", "ाऊंगा", "ाइयाँ", "ाइयों", "ाइयां"),
    4: ("ाएगी", "ाएगा", "ाओगी", "ाओगे", "एंगी", "ेंगी", "एंगे", "ेंगे", "ूंगी", "ूंगा", "ातीं",
        "नाओं", "नाएं", "ताओं", "ताएं", "ियाँ", "ियों", "ियां"),
    3: ("ाकर", "ाइए", "ाईं", "ाया", "ेगी", "ेगा", "ोगी", "ोगे", "ाने", "ाना", "ाते", "ाती",
        "ाता", "तीं", "ाओं", "ाएं", "ुओं", "ुएं", "ुआं"),
    2: ("कर", "ाओ", "िए", "ाई", "ाए", "ने", "नी", "ना", "ते", "ीं", "ती", "ता", "ाँ", "ां",
        "ों", "ें"),
    1: ("ो", "े", "ू", "ु", "ी", "ि", "ा"),
}


def hindi_stem(token: str) -> str:
    """Strip the longest listed suffix that leaves more than one character."""
    for length in (5, 4, 3, 2, 1):
        if len(token) > length + 1 and token.endswith(_HINDI_SUFFIXES[length]):
            return token[:-length]
    return token


@functools.lru_cache(maxsize=8)
def stemmer(code: str, use_stemmer: bool) -> Callable[[str], str] | None:
    """The language's stemmer on one token, or None; memoised per token."""
    lang = language(code)
    if not stems(lang, use_stemmer):
        return None
    check_ready(code, use_stemmer)
    if lang.stemmer == "hindi":
        stem = hindi_stem
    elif lang.stemmer == "turkish":
        from TurkishStemmer import TurkishStemmer

        stem = TurkishStemmer().stem
    else:
        from nltk.stem import SnowballStemmer

        snowball = SnowballStemmer(lang.name)  # the scorer's ignore_stopwords=True, with
        snowball.stemmer.stopwords.update(stopwords(lang.name))  # the pinned list
        if lang.name == "arabic":
            # NLTK's ArabicStemmer never resets this flag once a word sets it, so the
            # scorer's stems depend on what it stemmed before; within the first words of
            # any run it is set for good: that steady state is the scorer's behaviour
            snowball.stemmer.suffixes_verb_step1_success = True
        stem = snowball.stem
    return functools.lru_cache(maxsize=1 << 18)(stem)


class Tokenizer:
    """XL-Sum's scorer's tokens for one language: ``tokens`` for ROUGE-N and ROUGE-L,
    ``sentences`` for ROUGE-Lsum (each line by the BasicTokenizer alone)."""

    def __init__(self, code: str, use_stemmer: bool) -> None:
        lang = language(code)
        check_ready(lang.code, use_stemmer)
        self.segment = segmenter(lang.segmenter)
        self.stem = stemmer(lang.code, use_stemmer)

    def _stemmed(self, tokens: list[str]) -> list[str]:
        stem = self.stem
        if stem is not None:
            tokens = [stem(t) if len(t) > MIN_STEM_LENGTH else t for t in tokens]
        return [t for t in tokens if t]

    def tokens(self, text: str) -> list[str]:
        joined = " ".join(basic_tokens(text.lower()))
        found = self.segment(joined) if self.segment is not None else []
        if not found and joined:
            found = _default_tokens(joined)
        return self._stemmed(found)

    def sentences(self, text: str) -> list[list[str]]:
        return [self._stemmed(basic_tokens(line.lower())) for line in text.split("\n") if line]


# -- which --lang a text needs -----------------------------------------------------------

_SCRIPTS = {"CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "THAI": "th", "MYANMAR": "my",
            "DEVANAGARI": "hi (or mr, ne)", "BENGALI": "bn", "ARABIC": "ar (or fa, ur, ps)",
            "CYRILLIC": "ru (or uk, sr, ky)", "HANGUL": "ko", "ETHIOPIC": "am (or ti)",
            "TAMIL": "ta", "TELUGU": "te", "GUJARATI": "gu", "GURMUKHI": "pa",
            "SINHALA": "si"}


def suggest_lang(texts: Sequence[str]) -> str:
    """The advice for text the default tokenizer drops: the ``--lang`` of the script most
    of its letters are in (Japanese where kana are a tenth of the CJK letters)."""
    counts: dict[str, int] = {}
    for text in texts:
        for char in text:
            if char.isalpha() and not char.isascii():
                script = unicodedata.name(char, "?").split(" ", 1)[0]
                counts[script] = counts.get(script, 0) + 1
    kana = counts.pop("HIRAGANA", 0) + counts.pop("KATAKANA", 0)
    if kana and kana * 10 >= kana + counts.get("CJK", 0):
        counts["HIRAGANA"] = kana + counts.pop("CJK", 0)
    known = {s: n for s, n in counts.items() if s in _SCRIPTS}
    if not known:
        return ("Use --lang CODE (XL-Sum's multilingual ROUGE; needs " + EXTRA
                + ") or --tokenizer unicode.")
    code = _SCRIPTS[max(known, key=lambda s: known[s])]
    return (f"They look like --lang {code}: XL-Sum's multilingual ROUGE for that language "
            f"(needs {EXTRA}); or --tokenizer unicode.")
