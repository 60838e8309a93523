"""Reads Rummet's OGC API - Features through OWSLib (owslib.ogcapi.features.Features), as a
Python client would, and prints what it got as one JSON object for the Rust tests to assert on.

Usage:
  python3 owslib_features.py summary <base-url>
      landing page, conformance, collections, one collection, a page of items, one item,
      queryables and the API document, as OWSLib reads them
  python3 owslib_features.py items <base-url> <collection> <crs-uri> [<bbox> <bbox-crs-uri>]
      every feature of <collection> (one page of at most 1000) in <crs-uri>, optionally within
      <bbox> ("a,b,c,d" in the axis order of <bbox-crs-uri>), with the Content-Crs header
"""

import json
import sys

try:
    from owslib.ogcapi.features import Features
except ImportError as e:  # the Rust test turns this into a failure naming what to install
    print(
        f"OWSLib is missing ({e}): python3 -m pip install OWSLib openapi-spec-validator "
        "(deploy/setup.sh install_test_tools does it)",
        file=sys.stderr,
    )
    sys.exit(3)


def summary(base):
    api = Features(base)
    landing_links = {link["rel"]: link["href"] for link in api.links}
    conformance = api.conformance()["conformsTo"]
    collections = api.collections()
    kommun = api.collection("kommun")
    items = api.collection_items("kommun", limit=10)
    first = items["features"][0]
    one = api.collection_item("kommun", first["id"])
    queryables = api.collection_queryables("kommun")
    document = api.api()
    return {
        "landing_rels": sorted(landing_links),
        "conformance": conformance,
        "collections": [c["id"] for c in collections["collections"]],
        "feature_collections": api.feature_collections(),
        "kommun": {
            "id": kommun["id"],
            "title": kommun.get("title"),
            "itemCount": kommun.get("itemCount"),
            "crs": kommun.get("crs"),
            "storageCrs": kommun.get("storageCrs"),
            "bbox": kommun["extent"]["spatial"]["bbox"][0],
        },
        "items": {
            "type": items["type"],
            "numberMatched": items.get("numberMatched"),
            "numberReturned": items.get("numberReturned"),
            "features": len(items["features"]),
            "rels": sorted({link["rel"] for link in items.get("links", [])}),
            "first_id": first["id"],
            "first_properties": first["properties"],
            "first_geometry_type": first["geometry"]["type"],
        },
        "item": {
            "id": one["id"],
            "properties": one["properties"],
            "geometry_type": one["geometry"]["type"],
        },
        "queryables": {
            "type": queryables.get("type"),
            "properties": {
                name: spec.get("type") or spec.get("$ref")
                for name, spec in queryables.get("properties", {}).items()
            },
        },
        "api": {
            "openapi": document.get("openapi"),
            "paths": sorted(document.get("paths", {})),
        },
    }


def items(base, collection, crs, bbox=None, bbox_crs=None):
    api = Features(base)
    query = {"limit": 1000, "crs": crs}
    if bbox is not None:
        query["bbox"] = [float(v) for v in bbox.split(",")]
        query["bbox-crs"] = bbox_crs
    page = api.collection_items(collection, **query)
    return {
        "content_crs": api.response_headers.get("content-crs")
        if hasattr(api, "response_headers")
        else None,
        "numberMatched": page.get("numberMatched"),
        "numberReturned": page.get("numberReturned"),
        "features": [
            {"id": f["id"], "properties": f["properties"], "geometry": f["geometry"]}
            for f in page["features"]
        ],
    }


def main(argv):
    if len(argv) >= 2 and argv[0] == "summary":
        out = summary(argv[1])
    elif len(argv) in (4, 6) and argv[0] == "items":
        out = items(*argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(out, sys.stdout, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
