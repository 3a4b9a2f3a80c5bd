"""Allow ``python -m actionbot``."""

from actionbot.cli import main

raise SystemExit(main())
