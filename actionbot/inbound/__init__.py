"""Inbound events: one router hands each kind to its handler (guard → decide → persist →
reply). Handlers are built once, up front, by the composition root."""
