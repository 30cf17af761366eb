from hssk.cli import main

raise SystemExit(main())
