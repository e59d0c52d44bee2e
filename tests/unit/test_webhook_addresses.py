"""Where a production webhook connects: to the address its check resolved, with the host kept for the Host
header and TLS (SNI and the certificate), so DNS answering differently at connection time leads nowhere else."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from services.webhooks import addresses


@pytest.mark.parametrize(
    ("url", "address", "target", "host"),
    [
        (
            "https://hooks.example.com/users?x=1",
            "93.184.215.14",
            "https://93.184.215.14/users?x=1",
            "hooks.example.com",
        ),
        ("https://hooks.example.com:8443/u", "93.184.215.14", "https://93.184.215.14:8443/u", "hooks.example.com:8443"),
        (
            "https://Hooks.Example.com/u",
            "2606:2800:21f:cb07::1",
            "https://[2606:2800:21f:cb07::1]/u",
            "Hooks.Example.com",
        ),
    ],
)
def test_a_pinned_request_goes_to_the_checked_address_under_its_host_name(
    url: str, address: str, target: str, host: str
) -> None:
    pin = addresses.pinned(url, ip_address(address))

    assert pin.target == target
    assert pin.host_header == host
    assert pin.sni_hostname == host.split(":")[0].lower()
