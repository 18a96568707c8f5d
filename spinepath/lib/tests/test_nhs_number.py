"""NHS number validation (modulus 11), checked against the NHS Data Dictionary's rules."""

import pytest

from spinepath.lib import nhs_number

LENGTH = "An NHS number has exactly 10 digits."
CHECK_DIGIT = (
    "This NHS number fails its check digit: please re-check it against the letter or card."
)


@pytest.mark.parametrize(
    "value",
    [
        "9434765919",
        "4010232137",
        "9990000050",  # weighted sum divisible by 11: the check digit is 0, not 11
        "943 476 5919",
        "943-476-5919",
        " 9434765919 ",
        "943\u00a0476\u00a05919",  # a no-break space pasted from a letter
    ],
)
def test_it_accepts_valid_numbers(value: str) -> None:
    assert nhs_number.problem(value) is None
    assert nhs_number.is_valid(value)


def test_it_rejects_a_wrong_check_digit() -> None:
    assert nhs_number.problem("9434765918") == CHECK_DIGIT
    assert nhs_number.problem("4010232138") == CHECK_DIGIT


def test_it_rejects_every_number_whose_check_digit_would_be_10() -> None:
    # 123456789 has a weighted sum of 1 (mod 11), so its check digit would be 10: never issued.
    assert nhs_number.check_digit("123456789") is None
    for last in "0123456789":
        assert nhs_number.problem(f"123456789{last}") == CHECK_DIGIT


@pytest.mark.parametrize(
    "value",
    ["", "943476591", "94347659199", "943476591X", "ABCDEFGHIJ", "943.476.5919", "+449434765919"],
)
def test_it_rejects_anything_but_ten_digits(value: str) -> None:
    assert nhs_number.problem(value) == LENGTH


@pytest.mark.parametrize("value", ["943476591²", "٩٤٣٤٧٦٥٩١٩", "９４３４７６５９１９"])
def test_it_rejects_digits_from_other_scripts_without_crashing(value: str) -> None:
    # str.isdigit() says yes to all of these; int() then fails on some of them.
    assert nhs_number.problem(value) == LENGTH


def test_it_rejects_a_repeated_digit_even_when_the_check_digit_fits() -> None:
    assert nhs_number.check_digit("000000000") == 0
    assert nhs_number.problem("0000000000") == "An NHS number cannot be the same digit repeated."


def test_check_digit_follows_modulus_11() -> None:
    assert nhs_number.check_digit("943476591") == 9
    assert nhs_number.check_digit("401023213") == 7
    assert nhs_number.check_digit("999000005") == 0


def test_it_strips_spaces_and_dashes() -> None:
    assert nhs_number.normalise("943 476-5919") == "9434765919"


def test_it_formats_numbers_the_way_the_nhs_prints_them() -> None:
    assert nhs_number.formatted("9434765919") == "943 476 5919"
    assert nhs_number.formatted("943-476-5919") == "943 476 5919"
    assert nhs_number.formatted("12345") == "12345"
