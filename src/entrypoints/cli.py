"""The `parley` command."""

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(f"parley {' '.join(args)}: the HTTP server is not built yet", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
