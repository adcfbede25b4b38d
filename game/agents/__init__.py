"""Scripted bidders. Each strategy is a named, documented :class:`~game.agents.base.Agent`."""
