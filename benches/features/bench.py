#!/usr/bin/env python3
"""Helpers of benches/features/run.sh, standard library only.

  bench.py page URL            one GET: prints "status returned matched first_id last_id bytes
                               decimals" (decimals: the most digits after the point in the
                               first feature's coordinates), or the error body on stderr
  bench.py oha FILE            oha's JSON: prints "req_s p50_ms p95_ms p99_ms statuses"
  bench.py fields URL          the property names of the first feature of a page, comma-joined
"""
import json
import re
import sys
import urllib.error
import urllib.request

HEADERS = {"Accept": "application/geo+json"}


def get(url):
    req = urllib.request.Request(url, headers=HEADERS)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def decimals(geometry):
    text = json.dumps(geometry["coordinates"])
    return max((len(m) for m in re.findall(r"\.(\d+)", text)), default=0)


def page(url):
    status, body = get(url)
    if status != 200:
        sys.stderr.write(f"HTTP {status} from {url}: {body[:400].decode(errors='replace')}\n")
        print(status, "-", "-", "-", "-", len(body), "-")
        return
    d = json.loads(body)
    feats = d.get("features", [])
    first = feats[0]["id"] if feats else "-"
    last = feats[-1]["id"] if feats else "-"
    dec = decimals(feats[0]["geometry"]) if feats else "-"
    print(status, d.get("numberReturned", len(feats)), d.get("numberMatched", "-"), first, last,
          len(body), dec)


def oha(path):
    d = json.load(open(path))
    s, p = d["summary"], d["latencyPercentiles"]
    codes = ",".join(f"{k}:{v}" for k, v in sorted(d["statusCodeDistribution"].items()))
    ms = lambda v: (v or 0) * 1e3  # noqa: E731
    print(f"{s['requestsPerSec']:.1f} {ms(p['p50']):.1f} {ms(p['p95']):.1f} {ms(p['p99']):.1f} "
          f"{codes or 'none'}")


def fields(url):
    status, body = get(url)
    if status != 200:
        sys.exit(f"HTTP {status} from {url}")
    print(",".join(json.loads(body)["features"][0]["properties"].keys()))


if __name__ == "__main__":
    {"page": page, "oha": oha, "fields": fields}[sys.argv[1]](*sys.argv[2:])
