"""Chat commands: parse a message into a request, call the core, render a reply."""
