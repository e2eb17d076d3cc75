"""Accounts, sessions and links through the API (handlers behind API Gateway events, on moto):
the link-rule scenarios of tests/support/link_rules.py, each about which link someone gets run
for every provider (custom link, Jitsi, Zoom, Google Meet, Teams; the hosted ones connected
through their emulators in this process: the `zoom` and `meet_and_teams` fixtures). This tier
holds the whole provider matrix; over HTTP a subset runs per provider (its module says which)."""

from tests.support.link_rules import *  # noqa: F403 - the scenarios, on this tier's fixtures
