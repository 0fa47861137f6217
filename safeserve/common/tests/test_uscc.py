"""GB 32100 codes: the bad paths first, then the valid A/N/Y codes python-stdnum rejects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from safeserve.common.lib import uscc

VALID = "91110000600037341L"


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("", "uscc_missing", "缺少"),
        ("9111000060003734", "uscc_length", "18位，此处为16位"),
        ("91110000600037341L9", "uscc_length", "此处为19位"),
        ("91110000600O37341L", "uscc_characters", "O"),
        ("9111000060003734IL", "uscc_characters", "I"),
        ("Z1110000600037341L", "uscc_characters", "Z"),
        ("B1110000600037341L", "uscc_authority", "第1位"),
        ("9A110000600037341L", "uscc_structure", "第2至8位"),
        ("911100006000373X1L", "uscc_org_code", "组织机构代码"),
        ("91110000600037341M", "uscc_checksum", "校验码"),
    ],
)
def test_each_kind_of_bad_code_gets_its_own_chinese_message(value, code, words):
    with pytest.raises(uscc.USCCError) as caught:
        uscc.validate(value)
    assert caught.value.code == code
    assert words in str(caught.value)


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_valid_codes_of_authorities_a_n_y_are_accepted(authority):
    code = uscc.make(authority, "1", "110000", "MA01AB2C")
    assert code[0] == authority
    assert uscc.validate(code) == code
    with pytest.raises(Exception):  # noqa: B017 — the library we wrap refuses them
        stdnum_uscc.validate(code)


def test_input_is_normalised():
    assert uscc.validate(" ９１１１００００６０００３７３４１ｌ ") == VALID
    assert uscc.validate("9111-0000-6000-3734-1l") == VALID


@given(
    authority=st.sampled_from(sorted(uscc.REGISTRATION_AUTHORITIES)),
    kind=st.sampled_from("1239"),
    region=st.from_regex(r"\A[0-9]{6}\Z"),
    body=st.text(alphabet=uscc.ALPHABET, min_size=8, max_size=8),
)
def test_every_made_code_validates_and_any_single_change_is_caught(authority, kind, region, body):
    code = uscc.make(authority, kind, region, body)
    assert uscc.validate(code) == code
    broken = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(uscc.USCCError):
        uscc.validate(broken)
