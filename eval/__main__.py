"""``python -m eval`` is the same as the ``sumbench`` command."""

from eval.cli import main

if __name__ == "__main__":
    main()
