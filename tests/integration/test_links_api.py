"""Accounts, sessions and links through the API (handlers behind API Gateway events, on moto):
the link-rule scenarios of tests/support/link_rules.py."""

from tests.support.link_rules import *  # noqa: F403 - the scenarios, on this tier's fixtures
