"""Chinese names made findable and breakable: pinyin for the kiosk's search, words for line breaks.

A kiosk has no Chinese input method: a citizen types pinyin on its letter keys,
in full ("budongchan") or by initials ("bdc"), and the page matches them
against `pinyin` and `initials` (pypinyin, which reads 银行 as "yinhang" from its
phrase list). A name in a narrow box must break between words, never inside
one ("人力资源及社 / 保综合受理区"): `words` cuts it where a line may break
(jieba), and the page allows breaks only there.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache, lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

# Words of halls' names that jieba's dictionary cuts wrongly ("低压/用/电报/装").
_HALL_WORDS = ("报装", "用电")
_WORD_FREQUENCY = 20_000  # enough to win over the dictionary's own readings in these names
_OPENING = frozenset("“‘（《【「『〈〔［｛([")  # stays with the word after it
_CLOSING = frozenset("”’）》】」』〉〕］｝)]、，。：；！？,.;:!?·")  # stays with the word before it
_NOT_SEARCHED = re.compile(r"[^a-z0-9]+")


@cache
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is no log line of ours
    tokenizer = jieba.Tokenizer()
    for word in _HALL_WORDS:
        tokenizer.add_word(word, freq=_WORD_FREQUENCY)
    return tokenizer


def _han(text: str) -> bool:
    return len(text) == 1 and "\u4e00" <= text <= "\u9fff"


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """`text` in the pieces a line may break between: its words, with punctuation kept on the
    side it belongs to and a lone character kept with its neighbour. They join back to `text`."""
    pieces: list[str] = []
    opening = ""  # opening punctuation waiting for its word
    for token in _tokenizer().lcut(text, HMM=False):
        if all(ch in _OPENING for ch in token):
            opening += token
        elif pieces and not opening and (_han(token) or all(ch in _CLOSING or ch.isspace() for ch in token)):
            pieces[-1] += token
        elif len(pieces) == 1 and _han(pieces[0]) and not opening:
            pieces[0] += token  # a lone first character ("新/办/纳税人") takes the next word in
        else:
            pieces.append(opening + token)
            opening = ""
    if opening:
        pieces.append(opening)
    return tuple(pieces)


@lru_cache(maxsize=4096)
def pinyin(text: str) -> str:
    """Full pinyin without tones or spaces, ü as v: "住房公积金提取" -> "zhufanggongjijintiqu"."""
    return _searchable(lazy_pinyin(text))


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """The first letter of each syllable: "不动产抵押权登记" -> "bdcdyqdj"; Latin letters and digits stay."""
    return _searchable(lazy_pinyin(text, style=Style.FIRST_LETTER))


def _searchable(syllables: Iterable[str]) -> str:
    return _NOT_SEARCHED.sub("", "".join(syllables).lower())


def prepare(names: Iterable[str]) -> None:
    """Work out every name once, before the first page asks (jieba loads its dictionary then)."""
    for name in names:
        words(name), pinyin(name), initials(name)
