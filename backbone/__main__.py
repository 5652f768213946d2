"""`python -m backbone`: the command line."""

from backbone.cli import main

raise SystemExit(main())
