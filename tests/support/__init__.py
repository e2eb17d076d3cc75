"""What the test tiers share: fixtures' parts, helpers, factories (no test module imports another)."""
