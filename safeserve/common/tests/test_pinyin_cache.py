"""Pinyin initials are computed once per distinct name and once per character (issue 15: the
lookup was half an import's CPU); the cache never changes an answer."""

from __future__ import annotations

from safeserve.common.lib import pinyin


def test_the_same_name_is_read_once_and_answers_the_same():
    pinyin._variants.cache_clear()
    first = pinyin.initials_variants("长城重工有限公司")
    first.append("mutated by a caller")  # a caller's list is its own
    again = pinyin.initials_variants("长城重工有限公司")
    assert again[0] == "cczgyxgs" and "zczgyxgs" in again and "mutated by a caller" not in again
    info = pinyin._variants.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    # characters are read once whatever the names they stand in
    pinyin._readings.cache_clear()
    pinyin._variants.cache_clear()
    pinyin.initials_index("长城")
    pinyin.initials_index("城长")
    assert pinyin._readings.cache_info().misses == 2
