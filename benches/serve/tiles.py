#!/usr/bin/env python3
"""A realistic tile list over Sweden: N tile paths z/x/y, zooms drawn from ZMIN..ZMAX, places
weighted toward the populated south (70 % in Götaland/Svealand, 30 % anywhere in Sweden's
box). Fixed seed, so both servers get the same list.

    tiles.py N ZMIN ZMAX [SEED] > tiles.txt
"""
import math
import random
import sys


def tile(z, lon, lat):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def main():
    count, zmin, zmax = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 42)
    for _ in range(count):
        z = rng.randint(zmin, zmax)
        if rng.random() < 0.7:
            lon, lat = rng.uniform(11.5, 18.8), rng.uniform(55.4, 60.8)
        else:
            lon, lat = rng.uniform(11.5, 23.5), rng.uniform(55.4, 68.8)
        x, y = tile(z, lon, lat)
        print(f"{z}/{x}/{y}")


if __name__ == "__main__":
    main()
