#!/usr/bin/env python3
"""A bounded sign-in flood against a local assetmap server, measuring what it costs the server.

    python3 server/benches/scripts/signin_flood.py --base http://127.0.0.1:8080 --pid PID \
        [--seconds 30] [--workers 64] [--max-requests 200000] [--many-addresses]

For `--seconds` (at most 60) it sends failed sign-ins, each with a new email, from `--workers`
threads, never more than `--max-requests` in all; with `--many-addresses` each carries a new
X-Forwarded-For address (start the server with `--trusted-proxies 127.0.0.1`), as a flood from
many clients behind a proxy would. Meanwhile it asks `/api/v1/nearest` 20 times a second and
reads the server's resident memory (VmRSS, and VmHWM at the end) from /proc/PID/status.
Before the flood it measures nearest for 5 s alone. Prints one JSON object. Local use only:
it refuses any host but 127.0.0.1 or localhost.
"""

import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse
from collections import Counter


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def nearest_latencies(host, port, until, out):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    path = "/api/v1/nearest?zip=33125&category=legal&k=5"
    while time.monotonic() < until:
        t0 = time.perf_counter()
        conn.request("GET", path)
        res = conn.getresponse()
        res.read()
        out.append(((time.perf_counter() - t0) * 1000, res.status))
        if res.getheader("connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
        time.sleep(0.05)


def summary(samples):
    ms = [m for m, _ in samples]
    return {
        "requests": len(samples),
        "statuses": dict(Counter(s for _, s in samples)),
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p95_ms": round(percentile(ms, 95), 2) if ms else None,
        "p99_ms": round(percentile(ms, 99), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8080")
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=64)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--many-addresses", action="store_true")
    a = ap.parse_args()
    url = urllib.parse.urlparse(a.base)
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("local servers only")
    host, port = url.hostname, url.port or 80
    seconds = min(a.seconds, 60)

    baseline = []
    nearest_latencies(host, port, time.monotonic() + 5, baseline)
    rss_before = status_kib(a.pid, "VmRSS")

    sent = Counter()
    lock = threading.Lock()
    counter = iter(range(a.max_requests))
    until = time.monotonic() + seconds

    def flood(worker):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < until:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            headers = {"content-type": "application/json"}
            if a.many_addresses:
                headers["x-forwarded-for"] = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            body = json.dumps({"email": f"flood{n}@example.org", "password": "not the password"})
            try:
                conn.request("POST", "/api/v1/auth/login", body, headers)
                res = conn.getresponse()
                res.read()
                status = res.status
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            with lock:
                sent[status] += 1

    rss = []
    during = []
    threads = [threading.Thread(target=flood, args=(i,)) for i in range(a.workers)]
    threads.append(threading.Thread(target=nearest_latencies, args=(host, port, until, during)))
    for t in threads:
        t.start()
    while time.monotonic() < until:
        rss.append(status_kib(a.pid, "VmRSS"))
        time.sleep(0.5)
    for t in threads:
        t.join()
    print(json.dumps({
        "seconds": seconds,
        "workers": a.workers,
        "many_addresses": a.many_addresses,
        "sign_ins": dict(sent),
        "sign_ins_per_second": round(sum(sent.values()) / seconds, 1),
        "rss_mib": {
            "before": round(rss_before / 1024, 1),
            "during_max": round(max(rss) / 1024, 1),
            "during_median": round(statistics.median(rss) / 1024, 1),
            "after": round(status_kib(a.pid, "VmRSS") / 1024, 1),
            "peak_vmhwm": round(status_kib(a.pid, "VmHWM") / 1024, 1),
        },
        "nearest_alone": summary(baseline),
        "nearest_during_flood": summary(during),
    }, indent=1))


if __name__ == "__main__":
    main()
