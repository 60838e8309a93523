"""Validates OpenAPI documents served over HTTP with openapi-spec-validator, and prints one JSON
object per document: its URL, Content-Type, declared version and every validation error.

Usage: python3 openapi_validate.py <url> [<url> ...]
"""

import json
import sys
import urllib.request

try:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
except ImportError as e:  # the Rust test turns this into a failure naming what to install
    print(
        f"openapi-spec-validator is missing ({e}): python3 -m pip install OWSLib "
        "openapi-spec-validator (deploy/setup.sh install_test_tools does it)",
        file=sys.stderr,
    )
    sys.exit(3)


def check(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        content_type = response.headers.get("content-type")
        doc = json.load(response)
    version = str(doc.get("openapi", ""))
    validator = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator(doc, base_uri=url).iter_errors()
    ]
    return {
        "url": url,
        "content_type": content_type,
        "openapi": version,
        "paths": len(doc.get("paths", {})),
        "errors": errors,
    }


def main(urls):
    if not urls:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump([check(url) for url in urls], sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
