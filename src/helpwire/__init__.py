"""Helpwire: a self-hosted omnichannel helpdesk."""

__version__ = "0.1.0"
