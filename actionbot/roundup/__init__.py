"""Roundups: what a window was, node by node — for the coordination room and, with only
the public reports, for an offline page anyone can open."""
