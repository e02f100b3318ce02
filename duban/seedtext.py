"""Turn the annotated seed text into clean Simplified Chinese.

The seed is Traditional Chinese in which every character whose simplified form
differs is followed by its pinyin in ASCII parentheses, e.g. ``根據(jù)``.
"""

import re
from functools import lru_cache

# CJK Unified Ideographs, Extension A and Compatibility Ideographs.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Lower-case latin letters plus the tone-marked vowels pinyin uses.
_PINYIN_LETTERS = "a-zāáǎàēéěèêếềīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ"

# A pinyin group only counts when it directly follows a CJK character, so real
# parenthesised content such as (9月) or (蘭組通字〔2015〕57號) is never touched.
_PINYIN_GROUP = re.compile(rf"(?<=[{_CJK}])\([{_PINYIN_LETTERS}]+\)")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def strip_pinyin(raw: str) -> str:
    """Drop each ``(pinyin)`` annotation that follows a CJK character."""
    return _PINYIN_GROUP.sub("", raw)


def clean_seed_text(raw: str) -> str:
    """Strip the pinyin annotations, then convert Traditional → Simplified."""
    return _t2s().convert(strip_pinyin(raw))
