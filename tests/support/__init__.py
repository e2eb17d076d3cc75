"""Helpers the test tiers share (test modules never import each other)."""
