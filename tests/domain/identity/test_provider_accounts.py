"""The account rules of provider sign-in (services/identity/provider_accounts.py): the user name a provider's
claims give, never linking by email, keeping a way to sign in, and a first password."""

from __future__ import annotations

import time
from typing import Any

import pytest

from models import OutboxMail, ProviderLink, ProviderSignIn, User
from services.client import Client
from services.errors import Conflict, InvalidInput, NotFound, RecentSignInRequired
from services.identity import passwords, provider_accounts, providers
from services.identity.provider_accounts import EMAIL_IN_USE, ProviderRefused
from services.identity.provider_client import Identity
from services.identity.sign_in_methods import LastSignInMethod
from services.throttle import Throttle
from settings import OidcProvider, Settings
from tests.domain.identity.conftest import PASSWORD, NewUser
from tests.support import replace

CLIENT = Client("127.0.0.1")
NOW = time.time()  # a session that signed in just now


@pytest.mark.parametrize(
    ("identity", "name"),
    [
        (Identity("1", preferred_username="Ada Lovelace", email="x@example.com"), "Ada_Lovelace"),
        (Identity("1", email="grace.hopper@example.com"), "grace.hopper"),
        (Identity("1", name="Zoë Ünïcode"), "Zoe_Unicode"),
        (Identity("1", preferred_username="___", name="李小龍"), "user"),
        (Identity("1", preferred_username="a" * 40), "a" * 25),
    ],
)
def test_a_user_name_comes_from_the_claims_in_our_alphabet(identity: Identity, name: str) -> None:
    assert provider_accounts.name_base(identity) == name


async def test_a_taken_user_name_gets_a_number(new_user: NewUser, settings: Settings) -> None:
    await new_user("ada")
    await new_user("ada2")

    made = await provider_accounts.account_for(
        "mock", Identity("s1", preferred_username="ADA"), client=CLIENT, settings=settings
    )

    assert made.user_name == "ADA3"
    assert made.password_hash == ""


async def test_an_address_an_account_has_is_refused_not_linked(new_user: NewUser, settings: Settings) -> None:
    owner = await new_user("grace", email="Grace@Example.com")

    with pytest.raises(ProviderRefused) as refused:
        await provider_accounts.account_for(
            "mock", Identity("s2", email="grace@example.com", email_verified=True), client=CLIENT, settings=settings
        )

    assert refused.value.reason == EMAIL_IN_USE
    assert await ProviderLink.filter(user_id=owner.id).count() == 0
    assert await User.all().count() == 1


async def test_a_linked_identity_signs_in_to_its_account_whatever_its_email_now(
    new_user: NewUser, settings: Settings
) -> None:
    owner = await new_user("lin", email="lin@example.com")
    await provider_accounts.link(owner.id, "mock", Identity("s3", email="old@example.com"), client=CLIENT)

    found = await provider_accounts.account_for(
        "mock", Identity("s3", email="new@example.com"), client=CLIENT, settings=settings
    )

    assert found.id == owner.id


async def test_only_a_verified_email_counts_as_verified_and_another_is_mailed_to_verify(
    db: str, settings: Settings
) -> None:
    unverified = await provider_accounts.account_for(
        "mock", Identity("s4", email="a@example.com"), client=CLIENT, settings=settings
    )
    verified = await provider_accounts.account_for(
        "mock", Identity("s5", email="b@example.com", email_verified=True), client=CLIENT, settings=settings
    )

    assert (unverified.email, unverified.email_verified) == ("a@example.com", False)
    assert (verified.email, verified.email_verified) == ("b@example.com", True)
    mails = await OutboxMail.filter(template="verify_email").values_list("recipient", flat=True)
    assert mails == ["a@example.com"]  # our own verification mail, for the address the provider did not verify


async def test_the_last_way_to_sign_in_cannot_be_unlinked(db: str, settings: Settings) -> None:
    user = await provider_accounts.account_for("one", Identity("s6"), client=CLIENT, settings=settings)
    await provider_accounts.link(user.id, "two", Identity("s7"), client=CLIENT)

    await provider_accounts.unlink(user, "two", client=CLIENT)
    with pytest.raises(LastSignInMethod):
        await provider_accounts.unlink(user, "one", client=CLIENT)
    with pytest.raises(NotFound):
        await provider_accounts.unlink(user, "two", client=CLIENT)

    assert [link.provider for link in await provider_accounts.links(user)] == ["one"]


async def test_an_account_with_a_password_may_unlink_its_only_provider(new_user: NewUser) -> None:
    user = await new_user("pat")
    await provider_accounts.link(user.id, "one", Identity("s8"), client=CLIENT)

    await provider_accounts.unlink(user, "one", client=CLIENT)

    assert await provider_accounts.links(user) == []


async def test_a_first_password_follows_the_rules_and_is_set_once(db: str, settings: Settings) -> None:
    user = await provider_accounts.account_for(
        "one", Identity("s9", preferred_username="sam"), client=CLIENT, settings=settings
    )

    with pytest.raises(InvalidInput) as weak:
        await provider_accounts.set_first_password(user, "sam", settings=settings, client=CLIENT, signed_in_at=NOW)
    assert weak.value.field == "newPassword"
    await provider_accounts.set_first_password(user, PASSWORD, settings=settings, client=CLIENT, signed_in_at=NOW)
    with pytest.raises(Conflict):
        await provider_accounts.set_first_password(
            user, PASSWORD + "!", settings=settings, client=CLIENT, signed_in_at=NOW
        )

    stored = await User.get(id=user.id)
    assert await passwords.verify_password(PASSWORD, stored.password_hash, rounds=settings.bcrypt_rounds)


async def test_a_first_password_needs_a_recent_sign_in(db: str, settings: Settings) -> None:
    user = await provider_accounts.account_for("one", Identity("s10"), client=CLIENT, settings=settings)
    stale = time.time() - settings.recent_sign_in_seconds - 60

    with pytest.raises(RecentSignInRequired):
        await provider_accounts.set_first_password(user, PASSWORD, settings=settings, client=CLIENT, signed_in_at=stale)

    assert (await User.get(id=user.id)).password_hash == ""


async def test_linking_needs_a_recent_sign_in_or_the_password(
    new_user: NewUser, settings: Settings, throttle: Throttle
) -> None:
    user = await new_user("kim")
    linking = replace(
        settings,
        oidc_providers=(OidcProvider(name="github", type="github", client_id="c", client_secret="test-only"),),
        sign_in_redirect_urls=("https://app.example/settings",),
    )
    stale = time.time() - settings.recent_sign_in_seconds - 60

    async def link(**proof: Any) -> str:
        return await providers.start(
            provider="github",
            redirect_to="https://app.example/settings",
            callback_url="https://api.example/auth/callback/github",
            settings=linking,
            throttle=throttle,
            client=CLIENT,
            link_user=user,
            **proof,
        )

    with pytest.raises(RecentSignInRequired):
        await link(signed_in_at=stale)
    with pytest.raises(InvalidInput):
        await link(signed_in_at=stale, password="wrong password")
    assert (await link(signed_in_at=stale, password=PASSWORD)).startswith("https://github.com/login/oauth/authorize?")
    assert (await link(signed_in_at=time.time())).startswith("https://github.com/")
    assert await ProviderSignIn.filter(link_user_id=user.id).count() == 2


async def test_an_accounts_links_go_with_it(db: str, settings: Settings) -> None:
    user = await provider_accounts.account_for("one", Identity("s11"), client=CLIENT, settings=settings)

    await User.filter(id=user.id).delete()

    assert await ProviderLink.all().count() == 0
    again = await provider_accounts.account_for("one", Identity("s11"), client=CLIENT, settings=settings)
    assert again.id != user.id  # the identity is free again: a new account


async def test_no_password_matches_an_account_without_one(settings: Settings) -> None:
    assert not await passwords.verify_password("", "", rounds=settings.bcrypt_rounds)
    assert not await passwords.verify_password(PASSWORD, "", rounds=settings.bcrypt_rounds)
