"""The only code that talks to the homeserver (login, E2EE, sync, sending)."""
