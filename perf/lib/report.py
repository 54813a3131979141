#!/usr/bin/env python3
"""perf/lib/report.py RESULTS_DIR: raw.csv -> summary.csv, results.md, *.png (gnuplot)."""
import csv
import math
import os
import statistics
import subprocess
import sys
from collections import defaultdict

out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(out, "raw.csv"))))
meta = open(os.path.join(out, "meta.txt")).read().strip()
ipv6 = "family=ipv6" in meta
LOOPBACK = "[::1]" if ipv6 else "127.0.0.1"  # where the localhost rows' client connects

CONFIG_ORDER = ["routing", "iptables", "nftables", "dataplane", "dataplane-xdp", "docker", "docker+dataplane",
                "cni-portmap", "cni-dataplane", "iptables-percmd"]
# side by side: (baseline, Dataplane in its place); their ratios are to the baseline of the same run
PAIRS = [("docker", "docker+dataplane"), ("cni-portmap", "cni-dataplane")]
METRICS = [  # name, title, higher is better
    ("tcp_in_gbps", "TCP bulk in through the published port, Gbit/s (iperf3)", True),
    ("tcp_out_gbps", "TCP bulk out through masquerade, Gbit/s (iperf3)", True),
    ("new_conn_kcps", "New TCP connections per second, thousands (connect, 1-byte request/answer, close)", True),
    ("udp_est_kpps", "64-byte UDP into the container, one established flow, kpps", True),
    ("udp_new_kpps", "64-byte UDP into the container, a new flow per packet, kpps", True),
    ("rtt_p50_us", "Round-trip latency p50, us (UDP ping-pong)", False),
    ("rtt_p99_us", "Round-trip latency p99, us (UDP ping-pong)", False),
    ("lo_tcp_gbps", f"TCP bulk from the host to {LOOPBACK}:PORT, Gbit/s (iperf3; docker-proxy or socket hooks)", True),
    ("lo_conn_kcps", f"New TCP connections per second from the host to {LOOPBACK}:PORT, thousands", True),
]
TIMINGS = [  # name, title: control-plane wall times, ms, lower is better
    ("docker_run_ms", "`docker run -d -p RANGE` with N ports, until it returns"),
    ("docker_rm_ms", "`docker rm -f` of that container"),
    ("install_ms", "publishing N ports (`docker run -d -p` / the CNI ADD of the whole list / POST /containers)"),
    ("cni_add_ms", "the port-mapping plugin's ADD (portmap or dataplane-cni alone), whole process"),
    ("cni_del_ms", "the port-mapping plugin's DEL, whole process"),
    ("cni_bridge_add_ms", "the bridge plugin's ADD (with host-local), for scale"),
    ("cni_first_add_ms", "the port-mapping plugin's first ADD after the daemon started (4 ports; JIT), untimed warm-up"),
    ("cni_first_del_ms", "the port-mapping plugin's first DEL after the daemon started"),
]
EXTRA = ["udp_est_delivered_frac", "udp_new_delivered_frac"]


def num(v):
    try:
        f = float(v)
        return None if math.isnan(f) else f
    except (TypeError, ValueError):
        return None


vals = defaultdict(list)   # (config, N, metric) -> values
cpus = defaultdict(list)   # (config, N, metric) -> cpu busy %
for r in rows:
    key = (r["config"], int(r["N"]), r["metric"])
    v = num(r["value"])
    if v is not None:
        vals[key].append(v)
    c = num(r["cpu_busy_pct"])
    if c is not None:
        cpus[key].append(c)

configs = [c for c in CONFIG_ORDER if any(k[0] == c for k in vals)]
sizes = sorted({k[1] for k in vals if k[2] not in ("docker_run_ms", "docker_rm_ms")})


def stats(key):
    v = vals.get(key)
    if not v:
        return None
    return statistics.median(v), min(v), max(v), len(v)


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["config", "N", "metric", "median", "min", "max", "reps", "ratio_to_routing", "cpu_busy_pct_median"])
    for (c, n, m) in sorted(vals, key=lambda k: (k[2], CONFIG_ORDER.index(k[0]) if k[0] in CONFIG_ORDER else 99, k[1])):
        s = stats((c, n, m))
        base = stats((next((b for b, o in PAIRS if o == c), "routing"), n, m))
        ratio = s[0] / base[0] if base and base[0] else None
        cpu = statistics.median(cpus[(c, n, m)]) if cpus.get((c, n, m)) else None
        w.writerow([c, n, m, f"{s[0]:.4g}", f"{s[1]:.4g}", f"{s[2]:.4g}", s[3], f"{ratio:.3f}" if ratio else "", f"{cpu:.1f}" if cpu is not None else ""])

notes = open(os.path.join(out, "notes.txt")).read().strip() if os.path.exists(os.path.join(out, "notes.txt")) else ""
load = open(os.path.join(out, "load.txt")).read().strip() if os.path.exists(os.path.join(out, "load.txt")) else ""

md = ["# Dataplane side-by-side benchmark" + (", IPv6" if ipv6 else ""), "", "```", meta, "```", "",
      "Each cell: median over repetitions (min-max), then the ratio to plain routing at the same N in this run "
      "(for latency a ratio above 1 is worse). N = published ports in total; the measured ones are installed last.", ""]
if ipv6:
    md += ["IPv6 (`perf/run --ipv6`): client 2001:db8::2 -> host 2001:db8::1 -> container fd00:19::2. `iptables` is "
           "Docker's ip6tables ruleset (ip6tables-restore), `nftables` a `table ip6`, `dataplane` a container on a "
           "dual-stack network. The UDP frames are 84 bytes on the wire (the same 18-byte payload behind the IPv6 "
           "header). TCP out leaves the container's ULA through NAT66 (routing: the client routes the ULA back). "
           "The localhost rows (`lo_*`) are a "
           "process of the host to [::1]:PORT through Dataplane's socket hooks, and for routing the host to the "
           "container's address directly (the limit).", ""]

def pair_tables():
    """Dataplane beside the configuration it replaces: traffic ratios (ours / theirs) and control-plane times."""
    out_md = []
    for base, ours in PAIRS:
        if not any(k[0] == ours for k in vals) and not any(k[0] == base for k in vals):
            continue
        out_md += [f"## {ours} beside {base}", "",
                   f"Medians (min-max); ratio = {ours} / {base} in this run (above 1 is better for rates, below 1 for latency and times).", ""]
        psizes = sorted({k[1] for k in vals if k[0] in (base, ours) and k[2] in [m for m, _, _ in METRICS]})
        out_md += ["| metric | N | " + base + " | " + ours + " | ratio |", "|---|---|---|---|---|"]
        for m, title, _ in METRICS:
            for n in psizes:
                a, b = stats((base, n, m)), stats((ours, n, m))
                if not a and not b:
                    continue
                ratio = f"**{b[0] / a[0]:.2f}x**" if a and b and a[0] else "-"
                cell = lambda s: f"{fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])})" if s else "-"
                out_md.append(f"| {m} | {n} | {cell(a)} | {cell(b)} | {ratio} |")
        out_md.append("")
        rows_t = []
        for m, title in TIMINGS:
            for n in sorted({k[1] for k in vals if k[2] == m and k[0] in (base, ours)}):
                a, b = stats((base, n, m)), stats((ours, n, m))
                ratio = f"**{b[0] / a[0]:.2f}x**" if a and b and a[0] else "-"
                cell = lambda s: f"{fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])})" if s else "-"
                rows_t.append(f"| {title} | {n} | {cell(a)} | {cell(b)} | {ratio} |")
        if rows_t:
            out_md += ["| control-plane time, ms | N | " + base + " | " + ours + " | ratio |", "|---|---|---|---|---|"] + rows_t + [""]
    return out_md


md += pair_tables()
for m, title, _ in METRICS:
    if not any(k[2] == m and k[0] not in [c for p in PAIRS for c in p] for k in vals):
        continue
    md += [f"## {title}", "", "| config | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for c in configs:
        if c == "iptables-percmd" or c in [x for p in PAIRS for x in p]:
            continue
        cells = []
        for n in sizes:
            s = stats((c, n, m))
            if not s:
                cells.append("-")
                continue
            base = stats(("routing", n, m))
            ratio = f" **{s[0] / base[0]:.2f}x**" if base and base[0] and c != "routing" else ""
            cells.append(f"{fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])}){ratio}")
        md.append(f"| {c} | " + " | ".join(cells) + " |")
    md.append("")

md += ["## Share of sent UDP packets that reached the container", "", "| config | " + " | ".join(f"est N={n} | new N={n}" for n in sizes) + " |", "|---|" + "---|" * (2 * len(sizes))]
for c in configs:
    if c == "iptables-percmd":
        continue
    cells = []
    for n in sizes:
        for m in EXTRA:
            s = stats((c, n, m))
            cells.append(f"{s[0]:.2f}" if s else "-")
    md.append(f"| {c} | " + " | ".join(cells) + " |")
md.append("")

md += ["## CPU busy during each test, % of all cores (median)", "", "| config | N | " + " | ".join(m for m, _, _ in METRICS if m != "rtt_p99_us") + " |", "|---|---|" + "---|" * (len(METRICS) - 1)]
for c in configs:
    for n in sizes:
        if c == "iptables-percmd" or not any(k[0] == c and k[1] == n for k in cpus):
            continue
        cells = [f"{statistics.median(cpus[(c, n, m)]):.0f}" if cpus.get((c, n, m)) else "-" for m, _, _ in METRICS if m != "rtt_p99_us"]
        md.append(f"| {c} | {n} | " + " | ".join(cells) + " |")
md.append("")

if any(k[0] in ("iptables-percmd", "iptables", "nftables", "dataplane", "dataplane-xdp") and "ms" in k[2] for k in vals):
    md += ["## Time to install N mappings, ms (median (min-max))", "",
           "| how | " + " | ".join(f"N={n}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
howto = [("iptables-percmd", "install_ms", "iptables, one command per rule (Docker's pattern, 3 calls per port)"),
         ("iptables-percmd", "install_ms_projected", "  the same, projected from the ports done within the time budget"),
         ("iptables", "install_ms", "iptables-restore, one batch (full Docker-style ruleset)"),
         ("nftables", "install_ms", "nft -f, one transaction (table + map of N elements)"),
         ("dataplane", "install_ms", "Dataplane: POST /containers with -p RANGE (what `run -d` sends: sandbox + N mappings)"),
         ("dataplane", "sandbox_ms", "  the same request without ports (the sandbox's share)"),
         ("dataplane", "remove_ms", "Dataplane: `dataplane rm -f` of that container (CLI included)"),
         ("dataplane-xdp", "install_ms", "Dataplane with --xdp: POST /containers with -p RANGE")]
for c, m, label in howto:
    if not any(k[0] == c and k[2] == m for k in vals):
        continue
    cells = []
    for n in sizes:
        s = stats((c, n, m))
        cells.append("-" if not s else (f">= {fmt(s[0])}" if m.endswith("projected") else (f"{fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])})" if s[3] > 1 else fmt(s[0]))))
    md.append(f"| {label} | " + " | ".join(cells) + " |")
md.append("")

if notes:
    md += ["## Notes from the run", "", "```", notes, "```", ""]
if load:
    md += ["## Load seen during the run", "", "```", load, "```", ""]

# ---- plots ----
pngs = []
for m, title, _ in METRICS:
    series = []
    for c in configs:
        pts = [(n, stats((c, n, m))) for n in sizes if stats((c, n, m))]
        if not pts:
            continue
        dat = os.path.join(out, f"plot-{m}-{c}.dat")
        with open(dat, "w") as f:
            for n, s in pts:
                f.write(f"{n} {s[0]} {s[1]} {s[2]}\n")
        series.append((c, dat))
    if not series:
        continue
    png = f"{m}.png"
    gp = [f"set terminal pngcairo size 900,520 font ',10'", f"set output '{os.path.join(out, png)}'",
          "set title '" + title.replace("'", "") + "'", "set logscale x", "set xlabel 'N published ports'",
          "set key outside right", "set grid", "set yrange [0:*]", "set xrange [*:*]", "set offsets graph 0.05, graph 0.05, 0, 0",
          "plot " + ", ".join(f"'{d}' using 1:2:3:4 with yerrorlines lw 2 title '{c}'" for c, d in series)]
    try:
        subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True, capture_output=True)
        pngs.append(png)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print(f"gnuplot failed for {m}: {getattr(e, 'stderr', e)}", file=sys.stderr)
    for _, d in series:
        os.remove(d)
if pngs:
    md += ["## Plots", ""] + [f"![{p}]({p})" for p in pngs] + [""]

open(os.path.join(out, "results.md"), "w").write("\n".join(md))
print("\n".join(md))
