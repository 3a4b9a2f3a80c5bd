"""Loading and validating the configuration file.

The config is untrusted input: every problem is reported with the exact field path and
the reason (missing, wrong type, unknown key, bad value, unusable store path), all at
once, so an operator fixes the file in one pass. Secrets may come from the environment
(``ACTIONBOT_PASSWORD``, ``ACTIONBOT_ACCESS_TOKEN``) so they stay out of files.

The schema is a data table (:mod:`.schema`): ``section -> key -> Field``. The package:
``model`` (the validated :class:`Config` and :class:`ConfigError`), ``checkers`` (one
function per kind of value), ``schema`` (the table) and ``loading`` (file, YAML,
environment, cross-field checks and the store path).
"""

from actionbot.config.checkers import Checker
from actionbot.config.loading import (
    ENV_ACCESS_TOKEN,
    ENV_PASSWORD,
    check_store_path,
    load_config,
    parse_config,
)
from actionbot.config.model import DEFAULT_TIME, Config, ConfigError
from actionbot.config.schema import LOG_FORMATS, LOG_LEVELS, SCHEMA, TRUST_POLICIES, Field

__all__ = [
    "DEFAULT_TIME",
    "ENV_ACCESS_TOKEN",
    "ENV_PASSWORD",
    "LOG_FORMATS",
    "LOG_LEVELS",
    "SCHEMA",
    "TRUST_POLICIES",
    "Checker",
    "Config",
    "ConfigError",
    "Field",
    "check_store_path",
    "load_config",
    "parse_config",
]
