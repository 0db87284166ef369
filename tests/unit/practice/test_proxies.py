"""The client's address: X-Forwarded-For counts only when the direct peer is a trusted proxy."""

import pytest

from practice.proxies import client_address, parse_networks

PROXIES = parse_networks("10.0.0.1, 192.168.0.0/16, fd00::/8")


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address("10.0.0.1", ["203.0.113.9"], ()) == "10.0.0.1"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("198.51.100.7", ["203.0.113.9"], PROXIES) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client wrote "1.1.1.1" itself; our proxies appended what they saw.
    chain = ["1.1.1.1, 203.0.113.9, 192.168.4.4"]
    assert client_address("10.0.0.1", chain, PROXIES) == "203.0.113.9"


def test_several_header_lines_are_one_chain_in_order() -> None:
    assert client_address("10.0.0.1", ["1.1.1.1", "203.0.113.9"], PROXIES) == "203.0.113.9"


def test_a_chain_of_only_trusted_proxies_gives_the_farthest_one() -> None:
    assert client_address("10.0.0.1", ["192.168.1.1, 192.168.2.2"], PROXIES) == "192.168.1.1"


def test_text_in_the_header_never_becomes_the_source() -> None:
    assert client_address("10.0.0.1", ["<script>"], PROXIES) == "10.0.0.1"
    assert client_address("10.0.0.1", ["nonsense, 192.168.1.1"], PROXIES) == "192.168.1.1"
    assert client_address("10.0.0.1", [""], PROXIES) == "10.0.0.1"


def test_ports_brackets_and_mapped_addresses_are_read_as_proxies_write_them() -> None:
    assert client_address("10.0.0.1", ["203.0.113.9:5123"], PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.1", ["[2001:db8::1]:443"], PROXIES) == "2001:db8::1"
    assert client_address("::ffff:10.0.0.1", ["203.0.113.9"], PROXIES) == "203.0.113.9"
    assert client_address("fd12::1", ["2001:db8::7"], PROXIES) == "2001:db8::7"


def test_a_peer_that_is_no_address_is_kept_as_it_is() -> None:
    assert client_address("testclient", ["203.0.113.9"], PROXIES) == "testclient"
    assert client_address(None, ["203.0.113.9"], PROXIES) is None


def test_a_bad_network_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_networks("10.0.0.1, 10.0.0.300")
    assert parse_networks(" , ") == ()
