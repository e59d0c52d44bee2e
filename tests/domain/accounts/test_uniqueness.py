"""The CONFLICT a taken unique value gets names its field (README, Rules): userName, then email, then
phoneNumber; the account's own values are not a conflict."""

from __future__ import annotations

from services.accounts import uniqueness
from services.accounts.validation import email_key, user_name_key
from tests.domain.accounts.conftest import Register


async def test_the_conflict_names_the_first_taken_field(register: Register) -> None:
    await register("ann", email="ann@example.com", phone_number="+16502530000")

    taken_name = {"user_name_key": user_name_key("ANN"), "email_key": email_key("ann@example.com")}
    taken_phone = {"user_name_key": user_name_key("bob"), "phone_number": "+16502530000"}

    assert (await uniqueness.conflict(taken_name, exclude_id=None)).field == "userName"
    assert (await uniqueness.conflict({"email_key": email_key("ANN@example.com")}, exclude_id=None)).field == "email"
    assert (await uniqueness.conflict(taken_phone, exclude_id=None)).field == "phoneNumber"


async def test_the_accounts_own_values_are_no_conflict(register: Register) -> None:
    ann = (await register("ann", email="ann@example.com")).user

    own = {"user_name_key": user_name_key("ann"), "email_key": email_key("ann@example.com")}

    assert (await uniqueness.conflict(own, exclude_id=ann.id)).field is None
