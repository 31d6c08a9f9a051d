import pytest
from django.core.exceptions import ValidationError

from portal.models import validate_uscc
from portal.uscc import check_character, uscc_problem


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the GB 32100-2015 worked example
        "91440300708461136T",  # 华为技术有限公司
        "914403001922038216",  # 中国平安保险 (Shenzhen)
        "91110000802100433B",  # 中国石油化工股份有限公司
    ],
)
def test_valid_codes_pass(code):
    assert uscc_problem(code) is None
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100Y44", "check"),
        ("91440300708461136X", "check"),
        ("91350100M000I00Y43", "charset"),  # I is not in the alphabet
        ("91350100m000100Y43", "charset"),  # lower case is not accepted by the validator
        ("913501A0M000100Y43", "region"),
        ("", "length"),
    ],
)
def test_invalid_codes_name_the_problem(code, problem):
    assert uscc_problem(code) == problem
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)
    assert excinfo.value.code == f"uscc_{problem}"


def test_check_character_of_mod_zero_is_zero():
    # When the weighted sum is already a multiple of 31 the check character is "0", not "31".
    for n in range(10_000):
        body = f"9144030000000{n:04d}"
        if check_character(body) == "0":
            assert uscc_problem(body + "0") is None
            break
    else:
        pytest.fail("no body with check character 0 found")
