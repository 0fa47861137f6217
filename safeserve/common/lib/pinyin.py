"""Pinyin initials for search, covering every reading of polyphonic characters
(长 cháng/zhǎng, 重 zhòng/chóng, 行 xíng/háng …), so 长城 is found by "cc" and "zc"."""

from __future__ import annotations

import functools
import itertools
import unicodedata
from typing import Any

from pypinyin import Style, pinyin
from pypinyin.core import Pinyin

# Names with many polyphonic characters would explode combinatorially; past this many
# variants the rarer readings are dropped (the first reading of each character is kept).
MAX_VARIANTS = 32


def _keep(text: str) -> Any:
    """Characters without a reading (digits, Latin letters) stand for themselves, one each."""
    return list(text)


PHRASE: dict[str, Any] = {"style": Style.FIRST_LETTER, "errors": _keep}
_SEGMENT = Pinyin().seg  # the words pypinyin's own pinyin() reads a text as


@functools.cache
def _readings(char: str) -> tuple[str, ...]:
    """Every reading's initial of one character (a few thousand distinct characters at
    most, so the cache stays small): pypinyin's lookup was half an import's CPU."""
    readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True, errors=_keep)
    return tuple(r for group in readings for r in group)


@functools.lru_cache(maxsize=20_000)
def _word(word: str) -> tuple[str, ...]:
    """The likeliest initial of each character of one word of the phrase dictionary, once per
    word: names share theirs (有限公司, 科技, a county's name), and the conversion was two
    thirds of an import's pinyin."""
    return tuple(found[0] if found else "" for found in pinyin([word], **PHRASE))


def initials_variants(text: str) -> list[str]:
    return list(_variants(unicodedata.normalize("NFKC", text or "")))


@functools.lru_cache(maxsize=50_000)
def _variants(text: str) -> tuple[str, ...]:
    """Once per distinct name: an import of the same file again asks for each name again."""
    # Character by character: pypinyin's phrase dictionary would otherwise pick one reading
    # for a known word (长城 → cc only), and users type what they think it reads.
    phrase = [letter for word in _SEGMENT(text) for letter in _word(word)]
    options: list[list[str]] = []
    for index, char in enumerate(text):
        alternatives = list(_readings(char))
        if index < len(phrase) and phrase[index]:
            alternatives.insert(0, phrase[index])  # the likeliest reading first
        letters = sorted(
            {a[:1].lower() for a in alternatives if a and a[:1].isalnum()},
            # the likeliest first, then in the alphabet's order: a set's own order changes
            # from one process to the next, and so would the variants kept
            key=lambda letter: (alternatives[0][:1].lower() != letter, letter),
        )
        if letters:
            options.append(letters)
    # The likeliest reading first, then every variant with one other reading, then with two:
    # a rare reading of 有 or 司 must not crowd out 长 read as zhǎng.
    primary = [letters[0] for letters in options]
    variants = ["".join(primary)]
    others = [(i, letter) for i, letters in enumerate(options) for letter in letters[1:]]
    for deviations in (1, 2):
        for combination in itertools.combinations(others, deviations):
            if len({i for i, _letter in combination}) < deviations:
                continue
            variant = primary.copy()
            for i, letter in combination:
                variant[i] = letter
            variants.append("".join(variant))
            if len(variants) >= MAX_VARIANTS:
                return tuple(variants)
    return tuple(variants)


def initials_index(text: str) -> str:
    """Space-separated variants, searched with a substring match."""
    return " ".join(dict.fromkeys(initials_variants(text)))
