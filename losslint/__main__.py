import sys

if sys.argv[1:] == ["--version"]:  # before the command line's imports (click): start-up
    from losslint import __version__

    print(f"losslint {__version__}")
    sys.exit(0)

from losslint.cli import main  # noqa: E402

sys.exit(main())
