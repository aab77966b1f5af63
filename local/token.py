"""`python -m local.token --scope "user/ImagingStudy.rs" [--patient 123] [--expires 3600]`: a bearer token.

Signed with the development key of the local stack started with `AUTH=on` (`make run AUTH=on`), read
from its key file (AUTH_KEY_FILE, else the system temp dir). Use it as
`curl -H "Authorization: Bearer $(python -m local.token --scope 'system/ImagingStudy.rs')" ...`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from local.auth import DevIssuer, default_key_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__.splitlines()[0])
    parser.add_argument("--scope", required=True, help='space-separated SMART scopes, e.g. "user/ImagingStudy.rs"')
    parser.add_argument("--patient", help="the patient launch context (for patient/ scopes)")
    parser.add_argument("--expires", type=int, default=3600, help="seconds until the token expires (default 3600)")
    parser.add_argument("--key-file", type=Path, default=None, help=f"default: {default_key_file()}")
    args = parser.parse_args(argv)
    try:
        issuer = DevIssuer.load(args.key_file)
    except (OSError, ValueError, KeyError) as e:
        print(f"no development issuer key ({e}); start the local stack with AUTH=on first", file=sys.stderr)
        return 1
    print(issuer.mint(args.scope, args.patient, args.expires))
    return 0


if __name__ == "__main__":
    sys.exit(main())
