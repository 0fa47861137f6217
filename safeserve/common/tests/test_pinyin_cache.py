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


def test_the_variants_kept_are_the_same_in_every_process():
    """A name with more polyphones than variants kept: which are kept once depended on the
    order of a set of letters, which changes with the process's hash seed — the same import
    on two workers indexed different initials."""
    import subprocess
    import sys

    name = "重庆长行重工长乐行业塑料制品有限公司"
    code = (
        f"from safeserve.common.lib.pinyin import initials_index; print(initials_index({name!r}))"
    )
    found = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(found) == 1
    assert len(next(iter(found)).split()) == pinyin.MAX_VARIANTS
    assert not pinyin.initials_index("平安县金丰有限公司").startswith(" ")


def test_each_word_is_read_once_and_the_answer_is_the_whole_names():
    """The phrase dictionary is asked once per word, not per name; reading a name word by
    word gives what reading it whole gave."""
    from pypinyin import Style

    pinyin._variants.cache_clear()
    pinyin._word.cache_clear()
    for name in ("重庆金丰有限公司", "重庆银行有限公司", "ABC（北京）科技2号"):
        whole = pinyin.pinyin(name, style=Style.FIRST_LETTER, errors=pinyin._keep)
        assert pinyin.initials_variants(name)[0] == "".join(
            r[0].lower() for r in whole if r and r[0][:1].isalnum()
        )
    assert pinyin._word.cache_info().hits >= 2  # 重庆 and 有限公司 the second time
