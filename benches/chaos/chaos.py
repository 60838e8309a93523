#!/usr/bin/env python3
"""The chaos driver of benches/chaos/run.sh (which starts the server and passes the settings
in the environment): a steady request loop against `rummet serve` while PostgreSQL faults
are injected one after another, with the recovery sampled every 100 ms. Prints Markdown.

Environment: PORT, PGDATA (the managed cluster's data directory), RPID (the server's pid),
CONC, BASELINE, QUIET, STOP, FLOOD, FLOOD_CONC, RECOVERY_MAX, PHASES.
"""
import collections
import glob
import gzip
import http.client
import json
import math
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote

HOST = "127.0.0.1"
PORT = int(os.environ["PORT"])
PGDATA = os.environ["PGDATA"]
RPID = int(os.environ["RPID"])
CONC = int(os.environ.get("CONC", "8"))
BASELINE = float(os.environ.get("BASELINE", "10"))
QUIET = float(os.environ.get("QUIET", "10"))
STOP = float(os.environ.get("STOP", "10"))
FLOOD = float(os.environ.get("FLOOD", "15"))
FLOOD_CONC = int(os.environ.get("FLOOD_CONC", "64"))
RECOVERY_MAX = float(os.environ.get("RECOVERY_MAX", "60"))
PHASES = os.environ.get("PHASES", "restart kill stop flood").split()
TIMEOUT = 75.0  # past the server's 60 s request timeout: a request unanswered by then hangs
PROBE_TIMEOUT = 10.0
STABLE = 5  # consecutive good probes (0.5 s) that make a recovery

random.seed(12)
now = time.monotonic


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- request sources ----------------------------------------------------------------------

class Tiles:
    """Distinct tiles, never asked twice while the area lasts, so the small L1 cache misses and
    every request renders in PostgreSQL."""

    def __init__(self, zooms, lon, lat):
        self.zooms, self.lon, self.lat = zooms, lon, lat
        self.seen = set()
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            for _ in range(50):
                z = random.choice(self.zooms)
                n = 2 ** z
                lon = random.uniform(*self.lon)
                lat = math.radians(random.uniform(*self.lat))
                x = int((lon + 180) / 360 * n)
                y = int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)
                if (z, x, y) not in self.seen:
                    break
            self.seen.add((z, x, y))
        return f"/tiles/kommun,lan,fa/{z}/{x}/{y}.mvt"


# The loop's tiles: Sweden with its seas (many answer 204); the probe's: inland, always 200.
LOOP_TILES = Tiles([10, 11, 12, 13, 14], (10.8, 24.5), (55.2, 69.0))
PROBE_TILES = Tiles([12, 13, 14], (13.5, 16.0), (57.6, 63.0))
rng_lock = threading.Lock()


def stats_path():
    with rng_lock:
        r = random.random()
        code = f"{random.randint(100, 2599):04d}"
        measure = random.choice(["count", "area", "share"])
        by = random.choice(["lan", "fa"])
        fa = random.randint(1, 60)
    if r < 0.7:  # a filtered question: not in the answer cache, aggregated in PostgreSQL
        where = quote(f"kommun_kod >= '{code}'")
        return f"/api/stats/kommun?by={by}&measure={measure}&where={where}"
    if r < 0.85:  # FA-regions counted per kommun, filtered
        return f"/api/stats/fa?by=kommun&where={quote(f'fa_kod_nr >= {fa}')}"
    return f"/api/stats/fa?by=kommun"  # unfiltered: from the summary, then cached


def items_path():
    with rng_lock:
        r = random.random()
        code = f"{random.randint(100, 2599):04d}"
    if r < 0.5:
        return "/collections/kommun/items?limit=10"
    return f"/collections/kommun/items?limit=10&filter={quote(f'kommun_kod >= {code!r}')}"


KINDS = [("tile", 0.5, LOOP_TILES.next), ("stats", 0.2, stats_path),
         ("items", 0.2, items_path), ("ready", 0.1, lambda: "/ready")]


def pick():
    with rng_lock:
        r = random.random()
    for kind, share, path in KINDS:
        if r < share:
            return kind, path()
        r -= share
    return "ready", "/ready"


# ---- one request ---------------------------------------------------------------------------

RECORDS = []  # (t_answered, kind, outcome, latency, retry_after_and_json, error_code)
FIVE_XX = []  # (t_answered, kind, path, status, body): any 5xx other than 503
BAD_503 = []  # (t_answered, kind, path, headers, body): a 503 without Retry-After or a JSON body
COUNTERS = collections.Counter()


def body_text(resp, body):
    if resp.getheader("Content-Encoding") == "gzip":
        try:
            body = gzip.decompress(body)
        except OSError:
            pass
    return body.decode("utf-8", "replace")


class Client:
    """One keep-alive connection, reopened after any failure."""

    def __init__(self, timeout=TIMEOUT):
        self.timeout, self.conn, self.used = timeout, None, False

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn, self.used = None, False

    def get(self, path):
        """(status or error name, response, body)."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn, self.used = http.client.HTTPConnection(HOST, PORT, timeout=self.timeout), False
            reused = self.used
            try:
                self.conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                resp = self.conn.getresponse()
                self.used = True
                try:
                    body = resp.read()
                except http.client.IncompleteRead:
                    self.close()
                    return f"truncated {resp.status}", resp, b""
                if resp.will_close:
                    self.close()
                return resp.status, resp, body
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self.close()
                if reused and attempt == 0:
                    # The server may close an idle keep-alive connection just as a request
                    # goes out; a client retries that once on a fresh connection.
                    COUNTERS["keep-alive retries"] += 1
                    continue
                return type(e).__name__, None, b""
            except (socket.timeout, TimeoutError):
                self.close()
                return "timeout", None, b""
            except OSError as e:
                self.close()
                return type(e).__name__, None, b""
        raise AssertionError("unreachable")


def send(client, kind, path):
    t = now()
    status, resp, body = client.get(path)
    t_done = now()
    lat = t_done - t
    t = t_done  # requests count in the phase they were answered (or failed) in
    ok503, code = None, None
    if status == 503:
        text = body_text(resp, body)
        try:
            code = json.loads(text).get("error")
        except ValueError:
            code = None
        ok503 = resp.getheader("Retry-After") is not None and code is not None
        if not ok503 and len(BAD_503) < 20:
            BAD_503.append((t, kind, path, dict(resp.getheaders()), text[:300]))
    elif isinstance(status, int) and status >= 500:
        FIVE_XX.append((t, kind, path, status, body_text(resp, body)[:400]))
    RECORDS.append((t, kind, status, lat, ok503, code))
    return status


# ---- load ------------------------------------------------------------------------------------

running = threading.Event()


def loop_worker():
    client = Client()
    while running.is_set():
        kind, path = pick()
        send(client, kind, path)
    client.close()


def flood_worker(stop):
    client = Client()
    while not stop.is_set():
        send(client, "flood", LOOP_TILES.next())
    client.close()


# ---- the cluster -----------------------------------------------------------------------------

def postmaster():
    with open(os.path.join(PGDATA, "postmaster.pid")) as f:
        return int(f.readline())


def children(pid):
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.split("/")[2]))
    return out


def pg_ctl():
    with open(os.path.join(PGDATA, "PG_VERSION")) as f:
        major = f.read().strip()
    path = f"/usr/lib/postgresql/{major}/bin/pg_ctl"
    return path if os.path.exists(path) else sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]


def as_owner():
    """subprocess arguments to run as the cluster's owner (postgres when we are root)."""
    root = os.path.dirname(PGDATA)
    kw = {"cwd": root, "env": dict(os.environ, LC_ALL="C.UTF-8")}
    if os.getuid() == 0:
        pw = pwd.getpwnam("postgres")
        kw.update(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        kw["env"]["HOME"] = root
    return kw


def fault_restart(ph):
    root = os.path.dirname(PGDATA)
    r = subprocess.run([pg_ctl(), "restart", "-D", PGDATA, "-m", "fast", "-w", "-t", "60", "-s",
                        "-l", os.path.join(root, "server.log")],
                       capture_output=True, text=True, start_new_session=True, **as_owner())
    ph["fault_end"] = now()
    err = " ".join(r.stderr.split())[:160]
    ph["note"] = f"pg_ctl restart -m fast: exit {r.returncode}" + (f" ({err})" if err else "")


def fault_kill(ph):
    pid = postmaster()
    os.kill(pid, signal.SIGKILL)
    ph["fault_end"] = now()
    ph["note"] = f"kill -9 of postmaster {pid}"


def fault_stop(ph):
    pid = postmaster()
    os.kill(pid, signal.SIGSTOP)  # first, so it forks nothing new meanwhile
    kids = children(pid)
    for k in kids:
        try:
            os.kill(k, signal.SIGSTOP)
        except ProcessLookupError:
            pass
    time.sleep(STOP)
    for k in kids + [pid]:
        try:
            os.kill(k, signal.SIGCONT)
        except ProcessLookupError:
            pass
    ph["fault_end"] = now()
    ph["note"] = f"SIGSTOP of postmaster {pid} and its {len(kids)} children for {STOP:g} s, then SIGCONT"


def fault_flood(ph):
    """oha when it is installed (a Python flood in this process would be held back by the
    GIL), else threads here."""
    oha = shutil.which("oha")
    if oha:
        path = FLOOD_URLS
        r = subprocess.run([oha, "-z", f"{FLOOD:g}s", "-c", str(FLOOD_CONC), "-w", "--no-tui",
                            "--output-format", "json", "-H", "Accept-Encoding: gzip",
                            "--urls-from-file", path], capture_output=True, text=True)
        ph["fault_end"] = now()
        try:
            d = json.loads(r.stdout)
            ph["oha"] = {"statuses": {int(k): v for k, v in d["statusCodeDistribution"].items()},
                         "errors": d.get("errorDistribution") or {},
                         "slowest": d["summary"].get("slowest") or 0.0}
        except (ValueError, KeyError) as e:
            ph["oha"] = {"statuses": {}, "errors": {f"oha failed: {e}: {r.stderr[:200]}": 1}, "slowest": 0.0}
        sent = sum(ph["oha"]["statuses"].values()) + sum(ph["oha"]["errors"].values())
        ph["note"] = f"oha: {FLOOD_CONC} more connections of distinct tiles for {FLOOD:g} s ({sent / FLOOD:.0f} req/s)"
        return
    stop = threading.Event()
    threads = [threading.Thread(target=flood_worker, args=(stop,), daemon=True) for _ in range(FLOOD_CONC)]
    for t in threads:
        t.start()
    time.sleep(FLOOD)
    stop.set()
    for t in threads:
        t.join()
    ph["fault_end"] = now()
    ph["note"] = f"{FLOOD_CONC} more connections (Python threads) of distinct tiles for {FLOOD:g} s"


FAULTS = {"restart": fault_restart, "kill": fault_kill, "stop": fault_stop, "flood": fault_flood}


# ---- recovery --------------------------------------------------------------------------------

def probe():
    """/ready and a fresh inland tile, each on a new connection: answered (200, and 200 or
    204 for the tile — a rendered tile may be empty where a lake lies outside every unit)?"""
    out = []
    for path in ("/ready", PROBE_TILES.next()):
        c = Client(PROBE_TIMEOUT)
        status, _, _ = c.get(path)
        c.close()
        out.append(status)
    return out[0] == 200 and out[1] in (200, 204), out


def run_fault(ph):
    """Starts the fault and starts a probe every 100 ms (each in its own thread, so a probe
    that hangs delays none of the next) until STABLE probes in a row, all started after the
    fault ended (pg_ctl returned, kill sent, SIGCONT sent, flood over), answered."""
    ph["fault_end"] = None
    th = threading.Thread(target=FAULTS[ph["name"]], args=(ph,), daemon=True)
    t0 = ph["t0"] = now()
    th.start()
    samples, threads, nxt = [], [], t0  # samples: [started, good or None while in flight, statuses]

    def sample(slot):
        slot[1], slot[2] = probe()

    def recovered(end):
        streak, first = 0, None
        for start, good, _ in samples:
            if start < end:
                continue
            if good is None:
                return None  # an earlier probe is still in flight: not yet known
            streak = streak + 1 if good else 0
            first = start if streak == 1 else first
            if streak >= STABLE:
                return first
        return None

    while True:
        delay = nxt - now()
        if delay > 0:
            time.sleep(delay)
        slot = [now(), None, None]
        samples.append(slot)
        threads.append(threading.Thread(target=sample, args=(slot,), daemon=True))
        threads[-1].start()
        nxt = max(nxt + 0.1, now())
        end = ph["fault_end"]
        if end is None:
            continue
        first = recovered(end)
        if first is not None:
            ph["recovered"] = first - t0
            break
        if now() - end > RECOVERY_MAX:
            ph["recovered"] = None
            break
    th.join()
    for t in threads:
        t.join()
    failed = [s for s in samples if not s[1]]
    ph["probe_fails"] = len(failed)
    ph["probe_seen"] = collections.Counter("/".join(map(str, s[2])) for s in failed)


def rss():
    try:
        with open(f"/proc/{RPID}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None


def starttime():
    try:
        with open(f"/proc/{RPID}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


# ---- the run ---------------------------------------------------------------------------------

def precheck():
    c = Client()
    for kind, _, path in KINDS:
        for _ in range(3):
            p = path()
            status, resp, body = c.get(p)
            if status not in (200, 204):
                sys.exit(f"precheck: {p} answered {status}: {body_text(resp, body)[:300] if resp else ''}")
    for _ in range(5):
        good, statuses = probe()
        if not good:
            sys.exit(f"precheck: the probe answered {statuses}")
    c.close()


FLOOD_URLS = f"/tmp/rummet-chaos-flood-{os.getpid()}.txt"


def main():
    precheck()
    if "flood" in PHASES:  # distinct tiles for oha, written before the clock starts
        with open(FLOOD_URLS, "w") as f:
            for _ in range(int(FLOOD * 4000)):
                f.write(f"http://{HOST}:{PORT}{LOOP_TILES.next()}\n")
    start_time, rss_before = starttime(), rss()
    log(f"chaos: server pid {RPID}, RSS {rss_before} MB; loop of {CONC} connections")
    running.set()
    workers = [threading.Thread(target=loop_worker, daemon=True) for _ in range(CONC)]
    phases = []
    t_begin = now()
    for w in workers:
        w.start()
    time.sleep(BASELINE)
    phases.append({"name": "baseline", "t0": t_begin, "fault_end": t_begin, "recovered": 0.0,
                   "probe_fails": 0, "probe_seen": {}, "note": "no fault", "rss": rss()})
    for name in PHASES:
        ph = {"name": name}
        phases.append(ph)
        log(f"chaos: {name}")
        run_fault(ph)
        log(f"chaos: {name}: {ph['note']}; recovered after {ph['recovered']}")
        time.sleep(QUIET)
        ph["rss"] = rss()
    t_end = now()
    if os.path.exists(FLOOD_URLS):
        os.remove(FLOOD_URLS)
    running.clear()
    for w in workers:
        w.join()
    alive = os.path.exists(f"/proc/{RPID}") and starttime() == start_time
    report(phases, t_end, rss_before, alive)


def fmt_s(x):
    return "-" if x is None else f"{x:.1f} s"


def report(phases, t_end, rss_before, alive):
    bounds = [p["t0"] for p in phases] + [t_end]
    rows = collections.defaultdict(list)
    for rec in RECORDS:
        for i, p in enumerate(phases):
            if bounds[i] <= rec[0] < bounds[i + 1]:
                rows[i].append(rec)
                break
    print("| phase | fault | fault lasted | requests | 2xx/304 | 503 (by error code) | other 5xx "
          "| 4xx | connection errors | every 503 with Retry-After + JSON | failed probes "
          "| recovered after | max latency | RSS after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, p in enumerate(phases):
        recs = rows[i]
        oha = p.get("oha", {"statuses": {}, "errors": {}, "slowest": 0.0})
        st = oha["statuses"]
        ok = sum(1 for r in recs if isinstance(r[2], int) and (200 <= r[2] < 300 or r[2] == 304)) \
            + sum(v for k, v in st.items() if 200 <= k < 300 or k == 304)
        s503 = [r for r in recs if r[2] == 503]
        codes = collections.Counter(r[5] or "no JSON" for r in s503)
        if st.get(503):
            codes["from oha, unread"] = st[503]
        n503 = len(s503) + st.get(503, 0)
        c503 = f"{n503}" + (" (" + ", ".join(f"{k} {v}" for k, v in codes.most_common()) + ")" if n503 else "")
        other5 = collections.Counter(r[2] for r in recs if isinstance(r[2], int) and r[2] >= 500 and r[2] != 503)
        other5.update({k: v for k, v in st.items() if k >= 500 and k != 503})
        c4 = collections.Counter(r[2] for r in recs if isinstance(r[2], int) and 400 <= r[2] < 500)
        c4.update({k: v for k, v in st.items() if 400 <= k < 500})
        errs = collections.Counter(r[2] for r in recs if not isinstance(r[2], int))
        errs.update({f"oha {k}": v for k, v in oha["errors"].items()})
        sent = len(recs) + sum(st.values()) + sum(oha["errors"].values())
        show = lambda c: "0" if not c else ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=str))
        good503 = sum(1 for r in s503 if r[4])
        every = "-" if not s503 else ("yes" if good503 == len(s503) else f"no ({len(s503) - good503} lacking)")
        if st.get(503):
            every += " (oha's not read)"
        fails = p["probe_fails"]
        seen = p["probe_seen"]
        fails_txt = f"{fails}" + (" (" + ", ".join(f"{k} ×{v}" for k, v in seen.most_common(3)) + ")" if fails else "")
        lasted = "-" if p["name"] == "baseline" else fmt_s(p["fault_end"] - p["t0"])
        if p["name"] == "baseline":
            rec_txt = "-"
        elif p["recovered"] is None:
            rec_txt = f"not within {RECOVERY_MAX:g} s of the fault's end"
        else:
            rec_txt = f"{fmt_s(p['recovered'])} ({p['recovered'] - (p['fault_end'] - p['t0']):.1f} s after its end)"
        maxlat = max([r[3] for r in recs] + [oha["slowest"]], default=0)
        print(f"| {p['name']} | {p['note']} | {lasted} | {sent} | {ok} | {c503} | {show(other5)} "
              f"| {show(c4)} | {show(errs)} | {every} | {fails_txt} | {rec_txt} | {maxlat:.1f} s | {p['rss']} MB |")
    print()
    print("Requests by kind and phase (sent / 503 / other failures):")
    print()
    kinds = ["tile", "stats", "items", "ready", "flood"]
    print("| phase | " + " | ".join(kinds) + " |")
    print("| --- | " + " | ".join("---" for _ in kinds) + " |")
    for i, p in enumerate(phases):
        cells = []
        for k in kinds:
            rs = [r for r in rows[i] if r[1] == k]
            n503 = sum(1 for r in rs if r[2] == 503)
            bad = sum(1 for r in rs if not (isinstance(r[2], int) and (r[2] < 400 or r[2] == 503)))
            if k == "flood" and "oha" in p:
                st, er = p["oha"]["statuses"], p["oha"]["errors"]
                rs = [None] * (sum(st.values()) + sum(er.values()))
                n503 = st.get(503, 0)
                bad = sum(v for c, v in st.items() if c >= 400 and c != 503) + sum(er.values())
            cells.append("-" if not rs else f"{len(rs)} / {n503} / {bad}")
        print(f"| {p['name']} | " + " | ".join(cells) + " |")
    print()
    rss_after = rss()
    print(f"Server: pid {RPID} {'still the same process' if alive else 'GONE OR REPLACED (crash)'}; "
          f"RSS {rss_before} MB before, {rss_after} MB after. "
          f"Requests count in the phase they were answered in. Probe: `/ready` and a fresh inland tile "
          f"every 100 ms, on new connections; recovered at the first of {STABLE} answered probes in "
          f"a row (200, and 200 or 204 for the tile) started after the fault ended; timed from the "
          f"fault's start."
          + (f" Client keep-alive retries: {COUNTERS['keep-alive retries']}." if COUNTERS else ""))
    oha5 = sum(v for p in phases for k, v in p.get("oha", {"statuses": {}})["statuses"].items()
               if k >= 500 and k != 503)
    if oha5:
        print()
        print(f"**Findings: oha saw {oha5} non-503 5xx answers during the flood** (bodies not read; see the log)")
    if FIVE_XX:
        print()
        print(f"**Findings: {len(FIVE_XX)} non-503 5xx answers**")
        print()
        groups = collections.Counter((r[1], r[3], r[4]) for r in FIVE_XX)
        for (kind, status, body), n in groups.most_common(20):
            first = next(r for r in FIVE_XX if (r[1], r[3], r[4]) == (kind, status, body))
            phase = next(p["name"] for i, p in enumerate(phases) if bounds[i] <= first[0] < bounds[i + 1]) \
                if first[0] < t_end else "after"
            print(f"- {n} × {status} on {kind} (first in {phase}, e.g. `{first[2]}`): `{body}`")
    if BAD_503:
        print()
        print(f"**Findings: 503s without Retry-After or a JSON body** (first {len(BAD_503)})")
        print()
        for t, kind, path, headers, body in BAD_503:
            print(f"- {kind} `{path}`: headers {headers}, body `{body}`")


if __name__ == "__main__":
    main()
