"""The script's Porter stemmer (``sub stem``), rule for rule, with its step-4 change."""

from __future__ import annotations

import re

_c = "[^aeiou]"
_v = "[aeiouy]"
_C = f"{_c}[^aeiouy]*"
_V = f"{_v}[aeiou]*"
_MGR0 = re.compile(f"^({_C})?{_V}{_C}")
_MEQ1 = re.compile(f"^({_C})?{_V}{_C}({_V})?$")
_MGR1 = re.compile(f"^({_C})?{_V}{_C}{_V}{_C}")
_VOWEL_IN = re.compile(f"^({_C})?{_v}")
_CVC = re.compile(f"^{_C}{_v}[^aeiouwxy]$")
_STEP2 = {"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
          "bli": "ble", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous",
          "ization": "ize", "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive",
          "fulness": "ful", "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble",
          "logi": "log"}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "",
          "ness": ""}
_R_STEP2 = re.compile("(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|"
                      "ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$")
_R_STEP3 = re.compile("(icate|ative|alize|iciti|ical|ful|ness)$")
_R_STEP4 = re.compile("(al|ance|ence|er|ic|able|ible|ant|ement|ou|ism|ate|iti|ous|ive|ize)$")


def porter_stem(w: str) -> str:
    """``sub stem`` of ROUGE-1.5.5.pl; ``$``` (the text before a match) is w[:m.start()]."""
    if len(w) < 3:
        return w
    first_y = w[0] == "y"
    if first_y:
        w = "Y" + w[1:]
    if (m := re.search("(ss|i)es$", w)) or (m := re.search("([^s])s$", w)):
        w = w[:m.start()] + m.group(1)
    if m := re.search("eed$", w):
        if _MGR0.search(w[:m.start()]):
            w = w[:-1]
    elif m := re.search("(ed|ing)$", w):
        stem = w[:m.start()]
        if _VOWEL_IN.search(stem):
            w = stem
            if re.search("(at|bl|iz)$", w):
                w += "e"
            elif re.search(r"([^aeiouylsz])\1$", w):
                w = w[:-1]
            elif _CVC.search(w):
                w += "e"
    if m := re.search("y$", w):
        stem = w[:m.start()]
        if _VOWEL_IN.search(stem):
            w = stem + "i"
    if m := _R_STEP2.search(w):
        stem = w[:m.start()]
        if _MGR0.search(stem):
            w = stem + _STEP2[m.group(1)]
    if m := _R_STEP3.search(w):
        stem = w[:m.start()]
        if _MGR0.search(stem):
            w = stem + _STEP3[m.group(1)]
    if m := _R_STEP4.search(w):
        stem = w[:m.start()]
        if _MGR1.search(stem):
            w = stem
    if m := re.search("ment$", w):
        stem = w[:m.start()]
        if _MGR1.search(stem):
            w = stem
    if m := re.search("ent$", w):
        stem = w[:m.start()]
        if _MGR1.search(stem):
            w = stem
    elif m := re.search("(s|t)(ion)$", w):
        stem = w[:m.start()] + m.group(1)
        if _MGR1.search(stem):
            w = stem
    if m := re.search("e$", w):
        stem = w[:m.start()]
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _CVC.search(stem)):
            w = stem
    if re.search("ll$", w) and _MGR1.search(w):
        w = w[:-1]
    if first_y:
        w = w[0].lower() + w[1:]
    return w
