"""``python -m sumbench`` is the same as the ``sumbench`` command."""

from sumbench.cli import main

if __name__ == "__main__":
    main()
