from simxh.cli import main

raise SystemExit(main())
