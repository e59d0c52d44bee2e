"""The CONFLICT a taken unique value gets names its field (README, Rules); several taken values are each
named, in the order userName, email, phoneNumber; the account's own values are not a conflict."""

from __future__ import annotations

from services.accounts import uniqueness
from services.accounts.validation import email_key, user_name_key
from services.errors import Conflict, TakenFields
from tests.domain.accounts.conftest import Register


async def test_the_conflict_names_the_taken_field(register: Register) -> None:
    await register("ann", email="ann@example.com", phone_number="+16502530000")

    taken_phone = {"user_name_key": user_name_key("bob"), "phone_number": "+16502530000"}

    email = await uniqueness.conflict({"email_key": email_key("ANN@example.com")}, exclude_id=None)
    phone = await uniqueness.conflict(taken_phone, exclude_id=None)
    assert type(email) is Conflict and email.field == "email"
    assert type(phone) is Conflict and phone.field == "phoneNumber"


async def test_every_taken_field_is_named_in_the_inputs_order(register: Register) -> None:
    await register("ann", email="ann@example.com")
    await register("bob", phone_number="+16502530000")

    all_three = {
        "phone_number": "+16502530000",
        "email_key": email_key("ANN@example.com"),
        "user_name_key": user_name_key("BOB"),
    }
    found = await uniqueness.conflict(all_three, exclude_id=None)

    assert isinstance(found, TakenFields) and isinstance(found, Conflict)
    assert [(error.code, error.field) for error in found.errors] == [
        ("CONFLICT", "userName"),
        ("CONFLICT", "email"),
        ("CONFLICT", "phoneNumber"),
    ]


async def test_the_accounts_own_values_are_no_conflict(register: Register) -> None:
    ann = (await register("ann", email="ann@example.com")).user

    own = {"user_name_key": user_name_key("ann"), "email_key": email_key("ann@example.com")}

    assert (await uniqueness.conflict(own, exclude_id=ann.id)).field is None
