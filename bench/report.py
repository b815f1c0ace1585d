"""Benchmark results: machine-readable, as markdown, and as docs/BENCHMARKS.md.

    report.py fragment NAME OUT_DIR [key=value...]
        Called at the end of each benchmark script (lib.sh's bench_report).
        Reads the raw outputs the script left in OUT_DIR and writes
        OUT_DIR/results.json (parameters, numbers, "summary" rows) and
        OUT_DIR/fragment.md (a results table, a verdict computed from the
        numbers, the exact command that reproduces it). key=values are the
        script's parameters; started= and load= say when and under what load
        average it started.
    report.py summary [--markdown] RESULTS.json...
        The summary table (benchmark, headline, timecast, peer, ratio, target,
        met?) of those results: aligned text, or a markdown table.
    report.py assemble TEMPLATE FRAGMENT_DIR OUTPUT
        OUTPUT = TEMPLATE with its placeholder lines replaced: @@header@@ by
        FRAGMENT_DIR/header.md, @@summary@@ by the summary of
        FRAGMENT_DIR/*.json, @@NAME@@ by FRAGMENT_DIR/NAME.md.

A summary row: {"benchmark", "measure", "unit", "timecast", "peer",
"peer_value", "target", "met"}; ratio = timecast / peer_value; "met" is true,
false or null (no target). Standard library only: runs with any python3.
"""
import glob
import json
import os
import statistics
import sys

# The benchmarks bench/run knows, in the doc's order: name -> script.
SCRIPTS = {
    "replay-kcat": "bench/replay_vs_kcat.sh",
    "replay-eos": "bench/replay_exactly_once.sh",
    "replay-paced": "bench/replay_paced.sh",
    "replay-rss": "bench/replay_rss.sh",
    "encode": "bench/encode.sh",
    "split-streams": "bench/split_vs_streams.sh",
    "split-latency": "bench/split_latency.sh",
    "load-pandas": "bench/load_vs_pandas.sh",
    "replay-prototype": "bench/replay_vs_prototype.sh",
    "generate": "bench/generate_bench.sh",
    "prepare": "bench/prepare_bench.sh",
}


# --- formatting ------------------------------------------------------------------

def num(x, digits=0):
    """1234567.8 -> '1,234,568' (digits=0) or '1,234,567.80' (digits=2); None -> '-'."""
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def mb(kb):
    return f"{kb / 1024:,.0f} MB"


def ratio(a, b):
    return a / b if a is not None and b else None


def times(r):
    """A ratio as '1.23×', or 'n/a' when there is none (a peer measured 0 or not at all)."""
    return "n/a" if r is None else f"{r:.2f}×"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def row(benchmark, measure, unit, timecast, peer=None, peer_value=None, target=None, met=None):
    return {"benchmark": benchmark, "measure": measure, "unit": unit, "timecast": timecast,
            "peer": peer, "peer_value": peer_value, "target": target, "met": met}


def read_time(path):
    """A /usr/bin/time -f '%e %M ...' file's numbers (after a failure GNU time
    writes 'Command exited with ...' first: the last line holds them)."""
    with open(path) as f:
        return [float(x) for x in f.read().strip().splitlines()[-1].split()]


def read_json(path):
    with open(path) as f:
        return json.load(f)


def text_rows(path, first_words):
    """The whitespace-split lines of a script's results.txt whose first word is one of first_words."""
    with open(path) as f:
        return [line.split() for line in f if line.split() and line.split()[0] in first_words]


# --- one renderer per benchmark: (params, out) -> (results, table_md, verdict) -------
# results holds "summary" (the rows above) and whatever else is worth keeping.

def encode(p, out):
    runs = [b for b in read_json(os.path.join(out, "benchmark.json"))["benchmarks"]
            if b.get("run_type", "iteration") == "iteration"]
    by_name = {b["name"]: b for b in runs}
    md = table(["benchmark", "rows/s", "MB/s (JSON out)"],
               [[f"`{b['name']}`", num(b["items_per_second"]), num(b["bytes_per_second"] / 1e6)]
                for b in runs])
    batch = by_name.get("BM_EncodeBatch", {}).get("items_per_second")
    row_by_row = max((b["items_per_second"] for n, b in by_name.items()
                      if n.startswith("BM_EncodeRowByRow")), default=None)
    verdict = (f"One core encodes **{num(batch)} rows/s** when a whole batch goes into one buffer "
               f"(as replay does) and {num(row_by_row)} rows/s row by row with a reused buffer.")
    summary = [row("encode", "JSON rows/s, one core (whole batches)", "rows/s", batch)]
    return {"benchmarks": runs, "summary": summary}, md, verdict


def replay_kcat(p, out):
    runs = [{"tool": r[0], "run": int(r[1]), "rows": int(r[2]), "seconds": float(r[3]),
             "rows_per_second": float(r[4]), "mb_per_second": float(r[5]), "rss_mb": float(r[6]),
             "cpu_seconds": float(r[7]) if len(r) > 7 else None,
             "steal_percent": float(r[8]) if len(r) > 8 else None}
            for r in text_rows(os.path.join(out, "results.txt"), {"timecast", "kcat"})]
    for r in runs:
        r["cpu_us_per_row"] = r["cpu_seconds"] * 1e6 / r["rows"] if r["cpu_seconds"] and r["rows"] else None
    md = table(["run", "tool", "rows landed", "seconds", "rows/s", "MB/s", "peak RSS", "CPU (user+sys)",
                "CPU per row", "steal"],
               [[r["run"], r["tool"], num(r["rows"]), num(r["seconds"], 2), num(r["rows_per_second"]),
                 num(r["mb_per_second"], 1), f"{r['rss_mb']:,.0f} MB",
                 "-" if r["cpu_seconds"] is None else f"{r['cpu_seconds']:,.1f} s",
                 "-" if r["cpu_us_per_row"] is None else f"{r['cpu_us_per_row']:.2f} µs",
                 "-" if r["steal_percent"] is None else f"{r['steal_percent']:.1f}%"] for r in runs])

    def median(tool, key):
        return statistics.median(r[key] for r in runs if r["tool"] == tool)

    tc, kc = median("timecast", "rows_per_second"), median("kcat", "rows_per_second")
    per_run = ", ".join(f"{times(ratio(a['rows_per_second'], b['rows_per_second']))}"
                        for a in runs if a["tool"] == "timecast"
                        for b in runs if b["tool"] == "kcat" and b["run"] == a["run"])
    mem = ratio(median("timecast", "rss_mb"), median("kcat", "rss_mb"))
    verdict = (f"timecast **{times(ratio(tc, kc))} kcat's rows/s** (median of {len(runs) // 2} "
               f"run(s); per run: {per_run}) at {times(mem)} its peak memory.")
    if all(r["cpu_us_per_row"] for r in runs):
        verdict += (f" Client CPU per row (the broker's not included): timecast "
                    f"{median('timecast', 'cpu_us_per_row'):.2f} µs, kcat {median('kcat', 'cpu_us_per_row'):.2f} µs "
                    f"(medians); on two cores shared with the broker, every client microsecond is taken "
                    f"from it.")
    complete = len({r["rows"] for r in runs}) == 1
    summary = [row("replay-kcat", "top-speed replay, rows/s", "rows/s", tc, "kcat", kc),
               row("replay-kcat", "peak RSS", "MB", median("timecast", "rss_mb"), "kcat",
                   median("kcat", "rss_mb"))]
    if not complete:
        verdict += " **Not every run landed every row** (see the table)."
    return {"runs": runs, "summary": summary}, md, verdict


def replay_eos(p, out):
    runs = [{"mode": r[0], "run": int(r[1]), "rows": int(r[2]), "seconds": float(r[3]),
             "rows_per_second": float(r[4]), "cpu_seconds": float(r[5]),
             "commits": None if r[6] == "-" else int(r[6]), "steal_percent": float(r[7])}
            for r in text_rows(os.path.join(out, "results.txt"), {"at-least-once", "exactly-once"})]
    md = table(["run", "guarantee", "rows landed", "seconds", "rows/s", "CPU (user+sys)", "transactions",
                "steal"],
               [[r["run"], r["mode"], num(r["rows"]), num(r["seconds"], 2), num(r["rows_per_second"]),
                 f"{r['cpu_seconds']:,.1f} s", "-" if r["commits"] is None else num(r["commits"]),
                 f"{r['steal_percent']:.1f}%"] for r in runs])

    def median(mode, key):
        return statistics.median(r[key] for r in runs if r["mode"] == mode)

    eos, alo = median("exactly-once", "rows_per_second"), median("at-least-once", "rows_per_second")
    resume = {}
    for line in open(os.path.join(out, "resume.txt")):
        words = line.split()
        resume[words[0]] = dict(zip(words[1::2], words[2::2]))
    r90, s0 = resume.get("resume90", {}), resume.get("start0", {})
    md += ("\n\n" + table(["start", "checkpoint at", "first record after exec"],
                           [["new job", "-", f"{float(s0.get('first_send_ms', 'nan')):,.0f} ms"],
                            ["--resume after kill -9", f"{int(r90.get('checkpoint_rows', 0)):,} of "
                             f"{int(r90.get('rows', 0)):,} rows",
                             f"{float(r90.get('first_send_ms', 'nan')):,.0f} ms"]]))
    paced = []
    for mode in ("at-least-once", "exactly-once"):
        for f in sorted(glob.glob(os.path.join(out, f"paced-{mode}-*.e2e.json"))):
            prefix = f[:-len(".e2e.json")]
            r, e = read_json(prefix + ".json"), read_json(f)
            paced.append({"mode": mode, "run": int(prefix.rsplit("-", 1)[1]), "rows": r["rows_sent"],
                          "lateness_ms": r["lateness_ms"], "e2e_ms": e["latency_ms"]})
    paced.sort(key=lambda r: (r["run"], r["mode"]))
    if paced:
        md += ("\n\n" + table(["run", "guarantee (paced, 20,000 rows/s)", "rows", "hand-over lateness p99",
                                "lateness max", "end-to-end p50 (read_committed)", "end-to-end p99", "e2e max"],
                               [[r["run"], r["mode"], num(r["rows"]), f"{r['lateness_ms']['p99']:.3f} ms",
                                 f"{r['lateness_ms']['max']:.2f} ms", f"{r['e2e_ms']['p50']:.1f} ms",
                                 f"{r['e2e_ms']['p99']:.1f} ms", f"{r['e2e_ms']['max']:.1f} ms"] for r in paced]))

    def paced_median(mode, group, key):
        values = [r[group][key] for r in paced if r["mode"] == mode]
        return statistics.median(values) if values else float("nan")

    landed_ok = r90.get("landed") == r90.get("rows")
    verdict = (f"Exactly-once top speed is **{times(ratio(eos, alo))} at-least-once's rows/s** (median of "
               f"{len(runs) // 2} alternating run(s); target ≥ 0.9×). A job killed with its checkpoint at "
               f"{100 * int(r90.get('checkpoint_rows', 0)) / max(int(r90.get('rows', 1)), 1):.0f}% of the file "
               f"sent its first record {float(r90.get('first_send_ms', 'nan')):,.0f} ms after the resume's exec "
               f"(target ≤ 2 s), against {float(s0.get('first_send_ms', 'nan')):,.0f} ms for a new job; the resumed "
               f"job's topic then held " + ("every row exactly once (read_committed)." if landed_ok else
                                            f"**{r90.get('landed')} of {r90.get('rows')} rows**."))
    if paced:
        verdict += (f" Paced at 20,000 rows/s, hand-over lateness p99 was "
                    f"{paced_median('exactly-once', 'lateness_ms', 'p99'):.3f} ms exactly-once against "
                    f"{paced_median('at-least-once', 'lateness_ms', 'p99'):.3f} ms at-least-once (max "
                    f"{paced_median('exactly-once', 'lateness_ms', 'max'):.2f} against "
                    f"{paced_median('at-least-once', 'lateness_ms', 'max'):.2f} ms; medians); a read_committed "
                    f"consumer saw records a median "
                    f"{paced_median('exactly-once', 'e2e_ms', 'p50'):.0f} ms after their hand-over (p99 "
                    f"{paced_median('exactly-once', 'e2e_ms', 'p99'):.0f} ms: the commit interval), against "
                    f"{paced_median('at-least-once', 'e2e_ms', 'p50'):.0f} ms (p99 "
                    f"{paced_median('at-least-once', 'e2e_ms', 'p99'):.0f} ms) at-least-once.")
    summary = [row("replay-eos", "exactly-once top speed, rows/s", "rows/s", eos, "at-least-once", alo),
               row("replay-eos", "first record after --resume at 90%", "ms",
                   float(r90.get("first_send_ms", "nan")), "new job", float(s0.get("first_send_ms", "nan")))]
    if paced:
        summary.append(row("replay-eos", "paced exactly-once lateness p99", "ms",
                           paced_median("exactly-once", "lateness_ms", "p99"), "at-least-once",
                           paced_median("at-least-once", "lateness_ms", "p99")))
    return {"runs": runs, "resume": resume, "paced": paced, "summary": summary}, md, verdict


def replay_paced(p, out):
    def steal_of(name):
        path = os.path.join(out, f"{name}.steal")
        return f"{float(open(path).read()):.1f}%" if os.path.exists(path) else "-"

    s = read_json(os.path.join(out, "paced.json"))
    wall, rss_kb = read_time(os.path.join(out, "paced.time"))[:2]
    lat = s["lateness_ms"]
    # The same run repeated (REPEATS): the targets are judged on the medians.
    repeats = ["paced"] + sorted((f[:-5] for f in os.listdir(out)
                                  if f.startswith("paced-") and f.endswith(".json")),
                                 key=lambda n: int(n.split("-")[1]))
    repeat_stats = [read_json(os.path.join(out, f"{n}.json")) for n in repeats]
    p99 = statistics.median(r["lateness_ms"]["p99"] for r in repeat_stats)
    worst = statistics.median(r["lateness_ms"]["max"] for r in repeat_stats)
    of = f" (median of {len(repeats)} runs)" if len(repeats) > 1 else ""
    checks = [  # (measure, value, unit, target text, target)
        ("lateness p99" + of, p99, "ms", "≤ 1 ms", 1.0),
        ("lateness max" + of, worst, "ms", "≤ 20 ms", 20.0),
        ("first record after exec", s["first_send_ms"], "ms", "≤ 100 ms", 100.0),
        ("peak RSS", rss_kb / 1024, "MB", "≤ 256 MB", 256.0),
    ]
    rows = [["rows sent / delivered", f"{num(s['rows_sent'])} / {num(s['delivered'])}", ""],
            ["CPU time stolen by the hypervisor during the run", steal_of("paced"), ""],
            ["lateness p50 (first run)", f"{lat['p50']:.3f} ms", ""]]
    for measure, value, unit, target_text, target in checks:
        met = value <= target
        rows.append([measure, f"**{value:,.3g} {unit}**" if measure.startswith("lateness")
                     else f"{value:,.1f} {unit}", target_text + ("" if met else " (not met)")])
        if measure.startswith("lateness p99"):
            rows.append(["lateness p99.9 (first run)", f"{lat['p999']:.3g} ms", ""])
    md = table(["measure", "result", "target"], rows)
    # The default (a wake-up shared by the rows due within 1 ms) against a
    # wake-up per row and against a SCHED_FIFO sender, same rate and
    # duration, one after the other.
    variants = [("`--send-ahead 1ms` (default)" + (f", run {i + 1}" if len(repeats) > 1 else ""), name, st)
                for i, (name, st) in enumerate(zip(repeats, repeat_stats))]
    for label, name in (("`--send-ahead 0` (a wake-up per row)", "wake-per-row"),
                        ("`--rt-priority 10` (SCHED_FIFO sender)", "realtime")):
        if os.path.exists(os.path.join(out, f"{name}.json")):
            variants.append((label, name, read_json(os.path.join(out, f"{name}.json"))))
    if len(variants) > 1:
        ab_rows = []
        for label, name, st in variants:
            t = read_time(os.path.join(out, f"{name}.time"))
            cpu = t[2] + t[3] if len(t) >= 4 else float("nan")
            l = st["lateness_ms"]
            refused = st.get("scheduling_warning")
            ab_rows.append([label + (f" ({refused})" if refused else ""), f"{cpu:.2f} s",
                            f"{l['p50']:.3f} ms", f"{l['p99']:.3f} ms", f"{l['p999']:.3g} ms",
                            f"{l['max']:.3g} ms", steal_of(name)])
        md += "\n\n" + table(["sender", "CPU (user+sys)", "lateness p50", "p99", "p99.9", "max",
                               "steal"], ab_rows)
    misses = [f"{m} {v:,.3g} {u} (target {t})" for m, v, u, t, lim in checks if v > lim]
    verdict = (f"With the defaults, {len(checks) - len(misses)} of {len(checks)} targets met"
               + (f"; missed: {', '.join(misses)}." if misses else ".")
               + f" Paced at {num(float(p.get('rate', 0)))} rows/s for {p.get('duration')}.")
    summary = [row("replay-paced", m, u, v, target=t, met=v <= lim) for m, v, u, t, lim in checks]
    realtime = next((st for _, name, st in variants if name == "realtime"), None)
    if realtime and not realtime.get("scheduling_warning"):
        rt = realtime["lateness_ms"]
        rt_met = rt["p99"] <= 1.0 and rt["max"] <= 20.0
        verdict += (f" With `--rt-priority 10`: lateness p99 {rt['p99']:.3g} ms, max {rt['max']:.3g} ms, "
                    f"the lateness targets {'met' if rt_met else '**not met**'}.")
        summary += [row("replay-paced", "lateness p99 with --rt-priority 10", "ms", rt["p99"],
                        target="≤ 1 ms", met=rt["p99"] <= 1.0),
                    row("replay-paced", "lateness max with --rt-priority 10", "ms", rt["max"],
                        target="≤ 20 ms", met=rt["max"] <= 20.0)]
    return {"stats": s, "wall_seconds": wall, "peak_rss_kb": rss_kb, "summary": summary}, md, verdict


def replay_rss(p, out):
    files = []
    for factor in (1, 4):
        s = read_json(os.path.join(out, f"x{factor}.json"))
        wall, rss_kb = read_time(os.path.join(out, f"x{factor}.time"))[:2]
        with open(os.path.join(out, f"x{factor}.size")) as f:
            size = int(f.read())
        files.append({"factor": factor, "bytes": size, "rows": s["rows_sent"], "seconds": wall,
                      "rows_per_second": s["rows_sent"] / wall, "first_send_ms": s["first_send_ms"],
                      "peak_rss_kb": rss_kb})
    md = table(["file", "rows", "rows/s", "first record", "peak RSS"],
               [[f"{f['factor']}× ({f['bytes'] / 1e6:,.0f} MB)", num(f["rows"]), num(f["rows_per_second"]),
                 f"{f['first_send_ms']:.1f} ms", mb(f["peak_rss_kb"])] for f in files])
    one, four = files
    growth = ratio(four["peak_rss_kb"], one["peak_rss_kb"])
    verdict = (f"Four times the file takes **{times(growth)} the memory** "
               f"({mb(one['peak_rss_kb'])} → {mb(four['peak_rss_kb'])}); "
               f"without a broker replay reaches {num(four['rows_per_second'])} rows/s.")
    summary = [row("replay-rss", "peak RSS, 4× file (vs 1× file)", "MB", four["peak_rss_kb"] / 1024,
                   "1× file", one["peak_rss_kb"] / 1024, "≤ 256 MB", four["peak_rss_kb"] / 1024 <= 256)]
    return {"files": files, "summary": summary}, md, verdict


def split_streams(p, out):
    runs = []
    for r in text_rows(os.path.join(out, "results.txt"), {"kafka-streams", "timecast"}):
        runs.append({"peer": r[0], "run": int(r[1]), "records": int(r[2]), "seconds": float(r[3]),
                     "records_per_second": float(r[4]), "rss_mb": float(r[5]), "wall_seconds": float(r[6]),
                     "cpu_seconds": float(r[7]), "check": " ".join(r[9:])})
    md = table(["run", "peer", "records", "records/s (first to last)", "peak RSS", "CPU", "output"],
               [[r["run"], "timecast split" if r["peer"] == "timecast" else "Kafka Streams",
                 num(r["records"]), num(r["records_per_second"]), f"{r['rss_mb']:,.0f} MB",
                 f"{r['cpu_seconds']:.2f} s", r["check"]] for r in runs])

    def median(peer, key):
        values = [r[key] for r in runs if r["peer"] == peer]
        return statistics.median(values) if values else None

    tc, ks = median("timecast", "records_per_second"), median("kafka-streams", "records_per_second")
    exact = all(r["check"] == "ok" for r in runs)
    if tc is None:
        verdict = "timecast split did not run."
    else:
        verdict = (f"timecast split **{times(ratio(tc, ks))} Kafka Streams' records/s** at "
                   f"{times(ratio(median('timecast', 'rss_mb'), median('kafka-streams', 'rss_mb')))} its "
                   f"peak memory and {times(ratio(median('timecast', 'cpu_seconds'), median('kafka-streams', 'cpu_seconds')))} "
                   f"its CPU time; " + ("both landed exactly the input, every run." if exact
                                        else "**some output did not match the input** (see the table)."))
    summary = [row("split-streams", "exactly-once split, records/s", "records/s", tc, "Kafka Streams", ks,
                   "outputs = input", exact),
               row("split-streams", "CPU time", "s", median("timecast", "cpu_seconds"), "Kafka Streams",
                   median("kafka-streams", "cpu_seconds"))]
    return {"runs": runs, "summary": summary}, md, verdict


def split_latency(p, out):
    runs = []
    with open(os.path.join(out, "results.txt")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 7 and w[0] != "splitter":
                runs.append({"splitter": w[0], "sent": int(w[1]), "landed": int(w[2]),
                             "p50_ms": float(w[3]), "p99_ms": float(w[4]), "p999_ms": float(w[5]),
                             "max_ms": float(w[6]), "complete": w[1] == w[2],
                             "broker_gc_pauses": int(w[7]) if len(w) >= 9 else None,
                             "broker_gc_max_ms": float(w[8]) if len(w) >= 9 else None})
    md = table(["splitter (commit interval)", "sent", "landed", "p50", "p99", "p99.9", "max",
                "broker GC pauses (longest)"],
               [[r["splitter"], num(r["sent"]), num(r["landed"]) + ("" if r["complete"] else " (mismatch)"),
                 f"{r['p50_ms']:,.1f} ms", f"{r['p99_ms']:,.1f} ms", f"{r['p999_ms']:,.1f} ms",
                 f"{r['max_ms']:,.1f} ms",
                 "-" if r["broker_gc_pauses"] is None
                 else f"{r['broker_gc_pauses']} ({r['broker_gc_max_ms']:,.1f} ms)"] for r in runs])
    by = {r["splitter"]: r for r in runs}
    # The like-for-like pair: the same commit interval (timecast-100ms vs kafka-streams-100ms).
    pair = next(((by[f"timecast-{n[len('kafka-streams-'):-2]}ms"], by[n]) for n in by
                 if n.startswith("kafka-streams-") and f"timecast-{n[len('kafka-streams-'):-2]}ms" in by), None)
    complete = all(r["complete"] for r in runs)
    if pair:
        tc, ks = pair
        verdict = (f"At the same commit interval ({tc['splitter'][len('timecast-'):]}), timecast split's "
                   f"end-to-end p99 is **{tc['p99_ms']:,.1f} ms against Kafka Streams' {ks['p99_ms']:,.1f} ms** "
                   f"({times(ratio(tc['p99_ms'], ks['p99_ms']))}). ")
        summary = [row("split-latency", f"replay→split p99 at {tc['splitter'][len('timecast-'):]} commits",
                       "ms", tc["p99_ms"], "Kafka Streams", ks["p99_ms"], "outputs = input", complete)]
    else:
        verdict = ""
        summary = [row("split-latency", f"replay→split p99 ({r['splitter']})", "ms", r["p99_ms"])
                   for r in runs if r["splitter"].startswith("timecast")]
    # The target: p99 <= 50 ms at 20,000 records/s, exactly-once (the default), any
    # commit interval; the at-least-once run only shows what the transactions cost.
    timecast_runs = [r for r in runs if r["splitter"].startswith("timecast")
                     and not r["splitter"].startswith("timecast-alo-")]
    if timecast_runs:
        best = min(timecast_runs, key=lambda r: r["p99_ms"])
        interval = best["splitter"][len("timecast-"):]
        met = best["p99_ms"] <= 50.0
        summary.insert(0, row("split-latency", f"replay→split p99, best interval ({interval})", "ms",
                              best["p99_ms"], target="≤ 50 ms", met=met))
        verdict += (f"timecast's best p99 is {best['p99_ms']:,.1f} ms (at {interval} commits): the "
                    f"≤ 50 ms target is {'met' if met else '**not met**'}. ")
    floor = by.get("no-split")
    if floor:
        verdict += (f"Without a splitter (the consumer reads replay's topic itself): p99 "
                    f"{floor['p99_ms']:,.1f} ms. ")
    alo = next((r for r in runs if r["splitter"].startswith("timecast-alo-")), None)
    if alo:
        verdict += (f"At-least-once (no transactions, {alo['splitter'][len('timecast-alo-'):]} commits): "
                    f"p99 {alo['p99_ms']:,.1f} ms. ")
    verdict += ("Every record sent landed." if complete else "**Some runs landed a different count than sent.**")
    verdict += f" Paced at {num(float(p.get('rate', 0)))} records/s for {p.get('runtime')}."
    return {"runs": runs, "summary": summary}, md, verdict


def load_pandas(p, out):
    r = read_json(os.path.join(out, "results.json"))
    rows = []
    for run in r["all_runs"]:
        tool = "`timecast load`" if run["tool"] == "timecast" else "pandas (`read_parquet` + `to_sql`)"
        rows.append([run["run"], num(run["rows"]), tool, f"{run['wall_seconds']:.2f} s",
                     num(run["rows_per_second"]), mb(run["peak_rss_kb"]),
                     "ok" if run["table_rows"] == run["rows"] else f"{num(run['table_rows'])} rows in the table"])
    md = table(["run", "rows", "tool", "time", "rows/s", "peak RSS", "table"], rows)
    tc, pd = r["timecast"], r["pandas"]
    verdict = (f"timecast load **{r['speedup']:.2f}× pandas** (whole process; "
               f"{r['speedup_vs_to_sql_only']:.2f}× against `to_sql` alone), target ≥ {r['target_ratio']}×: "
               f"{'met' if r['meets_target'] else '**not met**'}; at "
               f"1/{pd['peak_rss_kb'] / tc['peak_rss_kb']:.0f} of its peak memory.")
    r["summary"] = [row("load-pandas", "Parquet → SQLite, rows/s", "rows/s", tc["rows_per_second"], "pandas",
                        pd["rows_per_second"], f"≥ {r['target_ratio']}× pandas", r["meets_target"])]
    return r, md, verdict


def replay_prototype(p, out):
    r = read_json(os.path.join(out, "results.json"))
    res = {x["tool"]: x for x in r["results"]}
    tools = [t for t in ("prototype", "timecast-json", "timecast-tick-array") if t in res]

    def line(label, fn):
        values = []
        for t in tools:
            try:
                values.append(fn(res[t]))
            except (KeyError, TypeError):
                values.append("-")
        return [label] + values

    def lat(x):
        return f"{x['p50']:,.0f} / {x['p99']:,.0f} / {x['max']:,.0f} ms"

    rows = [
        line("first record after start", lambda x: f"{x['time_to_first_record_s']:.2f} s"
             + (f" ({x['load']['wall_s']:.2f} s of loading)" if "load" in x else "")),
        line("last record landed", lambda x: f"{x['last_record_landed_s']:.2f} s"),
        line("landed lateness p50 / p99 / max", lambda x: lat(x["landed_lateness_ms"])),
        line("the same, rows due after 1 s", lambda x: lat(x["landed_lateness_after_1s_ms"])),
        line("own lateness p50 / p99 / max", lambda x: f"{x['lateness_ms']['p50']:,.1f} / "
             f"{x['lateness_ms']['p99']:,.1f} / {x['lateness_ms']['max']:,.1f} ms"),
        line("peak RSS", lambda x: mb(x["peak_rss_kb"])),
        line("rows landed / lost / duplicated", lambda x: f"{num(x['distinct_landed'])} / "
             + (f"**{num(x['lost'])}**" if x["lost"] else "0") + f" / {num(x['duplicated'])}"),
    ]
    labels = {"prototype": "prototype", "timecast-json": "timecast (json)",
              "timecast-tick-array": "timecast (tick-array)"}
    header = [""] + [labels[t] for t in tools]
    md = (f"{num(r['rows'])} rows due over {r['stream_time_span_s']} s "
          f"({num(r['due_rate_rows_per_s'])} rows/s), one partition, LogAppendTime.\n\n"
          + table(header, rows))
    proto = res.get("prototype")
    timecast_lost = sum(res[t]["lost"] for t in tools if t != "prototype")
    parts = []
    if proto:
        parts.append(f"The prototype landed {num(proto['distinct_landed'])} of {num(r['rows'])} rows "
                     f"(**lost {proto['lost'] / r['rows']:.0%}**"
                     + (f", {proto['stream']['failed_messages']} of its {num(proto['messages_sent'])} messages "
                        f"failed: " + ", ".join(f"{k} ×{v}" for k, v in proto["stream"]["errors"].items())
                        if proto.get("stream", {}).get("failed_messages") else "") + ")")
    parts.append("timecast " + ("landed every row, in both formats" if timecast_lost == 0
                                else f"**lost {num(timecast_lost)} rows**"))
    if proto and "timecast-json" in res:
        a, b = res["timecast-json"]["landed_lateness_ms"]["p99"], proto["landed_lateness_ms"]["p99"]
        parts.append(f"landed lateness p99 {a:,.0f} ms (json) against the prototype's {b:,.0f} ms "
                     f"over the {num(proto['rows_landed'])} row(s) it landed")
    verdict = "; ".join(parts) + "."
    summary = [row("replay-prototype", "rows lost (json)", "rows", res["timecast-json"]["lost"]
                   if "timecast-json" in res else None, "prototype", proto["lost"] if proto else None,
                   "0 lost", timecast_lost == 0),
               row("replay-prototype", "landed lateness p99 (json)", "ms",
                   res.get("timecast-json", {}).get("landed_lateness_ms", {}).get("p99"),
                   f"prototype ({num(proto['rows_landed'])} of {num(proto['rows_sent'])} rows landed)"
                   if proto else "prototype",
                   proto["landed_lateness_ms"]["p99"] if proto else None)]
    r["summary"] = summary
    return r, md, verdict


def timed_steps(path):
    """A generate/prepare results.tsv: name wall cpu rss_kb bytes."""
    steps = []
    with open(path) as f:
        for line in f:
            name, wall, cpu, rss, size = line.split()
            steps.append({"step": name, "wall_seconds": float(wall), "cpu_seconds": float(cpu),
                          "peak_rss_kb": int(rss), "bytes": int(size)})
    return steps


def generate(p, out):
    steps = timed_steps(os.path.join(out, "results.tsv"))
    flags = {"raw": "", "stream": " --stream", "csv": " --format csv"}
    md = table(["command", "output", "time (CPU)", "peak RSS"],
               [[f"`generate --rows {p['rows']}{flags.get(s['step'], '')}`", f"{s['bytes'] / 1e6:,.0f} MB",
                 f"{s['wall_seconds']:.2f} s ({s['cpu_seconds']:.2f} s)", mb(s["peak_rss_kb"])] for s in steps])
    stream = next(s for s in steps if s["step"] == "stream")
    rows = 2 * int(p["rows"])
    verdict = (f"The event stream of {num(int(p['rows']))} accidents ({num(rows)} rows) is written in "
               f"**{stream['wall_seconds']:.1f} s** ({num(rows / stream['wall_seconds'])} rows/s).")
    summary = [row("generate", "generate --stream", "s", stream["wall_seconds"])]
    return {"steps": steps, "summary": summary}, md, verdict


def prepare(p, out):
    steps = timed_steps(os.path.join(out, "results.tsv"))
    with open(os.path.join(out, "identical.tsv")) as f:
        identical = dict(line.split() for line in f if line.strip())
    what = {"parquet": "`prepare` of the raw Parquet", "csv": "`prepare` of the Kaggle-shaped CSV",
            "sort": "`prepare --sort --time-column Start_Time` of the raw Parquet"}
    md = table(["command", "output", "time (CPU)", "peak RSS"],
               [[what.get(s["step"], s["step"]), f"{s['bytes'] / 1e6:,.0f} MB",
                 f"{s['wall_seconds']:.2f} s ({s['cpu_seconds']:.2f} s)", mb(s["peak_rss_kb"])] for s in steps])
    same = all(v == "yes" for v in identical.values())
    parquet = next(s for s in steps if s["step"] == "parquet")
    verdict = (f"{num(int(p['rows']))} raw accidents become the sorted event stream in "
               f"**{parquet['wall_seconds']:.1f} s**; "
               + ("both outputs are byte-identical to `generate --stream`'s." if same
                  else "**an output differs from `generate --stream`'s**."))
    summary = [row("prepare", "prepare raw Parquet", "s", parquet["wall_seconds"],
                   target="= generate --stream", met=same)]
    return {"steps": steps, "identical": identical, "summary": summary}, md, verdict


RENDERERS = {
    "encode": encode, "replay-kcat": replay_kcat, "replay-paced": replay_paced, "replay-eos": replay_eos,
    "replay-rss": replay_rss, "split-streams": split_streams, "split-latency": split_latency,
    "load-pandas": load_pandas, "replay-prototype": replay_prototype, "generate": generate,
    "prepare": prepare,
}
# The environment variables that set each script's parameters (key=value names).
ENV = {"accidents": "ACCIDENTS", "runs": "RUNS", "runtime_s": "RUNTIME_S", "runtime": "RUNTIME"}
ARGS = {"generate": ["rows"], "prepare": ["rows"]}  # positional: BINARY ROWS


def reproduce(name, p):
    script = SCRIPTS[name]
    if name in ARGS:
        return f"{script} build/src/timecast " + " ".join(p[k] for k in ARGS[name])
    env = " ".join(f"{ENV[k]}={p[k]}" for k in ENV if k in p)
    return (env + " " if env else "") + script + (" --quick" if p.get("quick") == "1" else "")


def fragment(name, out, params):
    p = dict(kv.split("=", 1) for kv in params)
    results, md, verdict = RENDERERS[name](p, out)
    results.update({"benchmark": name, "started": p.get("started"), "load_at_start": p.get("load"),
                    "steal_percent": p.get("steal"),
                    "params": {k: v for k, v in p.items() if k not in ("started", "load", "steal")},
                    "reproduce": reproduce(name, p)})
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    figures = sorted(os.path.basename(f) for f in glob.glob(os.path.join(out, f"{name}-*.png")))
    text = [f"<!-- generated by bench/report.py from {name}'s results.json: edit the prose in "
            f"bench/BENCHMARKS.md.in, not this -->",
            f"*Measured {p.get('started', '?').replace('T', ' ').replace('Z', ' UTC')}, "
            f"load average {p.get('load', '?')} at the start"
            + (f", {p['steal']}% of the CPU time stolen by the hypervisor during the run" if "steal" in p else "")
            + ".*", "", md, ""]
    text += [f"![{f[:-4]}](img/{f})" for f in figures] + ([""] if figures else [])
    if name in ARGS:  # bench/run passes the rows: full size, or --quick's 200000
        run = {"2845342": "bench/run", "200000": "bench/run --quick"}.get(p.get("rows"))
    else:
        run = "bench/run --quick" if p.get("quick") == "1" else "bench/run"
    text += [verdict, "", f"Reproduce: `{results['reproduce']}`" + (f" (or `{run} {name}`)." if run else ".")]
    with open(os.path.join(out, "fragment.md"), "w") as f:
        f.write("\n".join(text) + "\n")


# --- the summary table and the doc --------------------------------------------------

def summary_rows(paths):
    rows = []
    for path in paths:
        try:
            rows += read_json(path).get("summary", [])
        except (OSError, ValueError) as e:
            print(f"report.py: skipping {path}: {e}", file=sys.stderr)
    return rows


def cells(r):
    def value(x):
        if x is None:
            return "-"
        if isinstance(x, int):
            return num(x) + (f" {r['unit']}" if r["unit"] else "")
        if isinstance(x, float):
            return num(x, 0 if abs(x) >= 100 else 2 if abs(x) < 10 else 1) + (f" {r['unit']}" if r["unit"] else "")
        return str(x)
    # (no ratio to a zero: 0 rows lost against 117,243 is not "0.00x")
    rt = (ratio(r["timecast"], r["peer_value"])
          if isinstance(r["peer_value"], (int, float)) and r["timecast"] else None)
    met = {True: "yes", False: "NO", None: "-"}[r["met"]]
    return [r["benchmark"], r["measure"], value(r["timecast"]), r["peer"] or "-",
            value(r["peer_value"]) if r["peer"] else "-", f"{rt:.2f}×" if rt is not None else "-",
            r["target"] or "-", met]


SUMMARY_HEADER = ["benchmark", "headline", "timecast", "peer", "peer's", "timecast/peer", "target", "met?"]


def summary(args):
    markdown = args[:1] == ["--markdown"]
    rows = [cells(r) for r in summary_rows(args[1:] if markdown else args)]
    if markdown:
        print(table(SUMMARY_HEADER, rows))
        return
    widths = [max(len(str(c)) for c in col) for col in zip(SUMMARY_HEADER, *rows)]
    for r in [SUMMARY_HEADER] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def assemble(template, fragments, output):
    def read(path, missing):
        try:
            with open(path) as f:
                return f.read().rstrip("\n")
        except FileNotFoundError:
            return missing

    jsons = [os.path.join(fragments, f"{n}.json") for n in SCRIPTS
             if os.path.exists(os.path.join(fragments, f"{n}.json"))]
    lines = []
    with open(template) as f:
        for line in f:
            key = line.strip()
            if key == "@@header@@":
                lines.append(read(os.path.join(fragments, "header.md"), "*Machine and versions: not recorded.*"))
            elif key == "@@summary@@":
                lines.append(table(SUMMARY_HEADER, [cells(r) for r in summary_rows(jsons)]))
            elif key.startswith("@@") and key.endswith("@@"):
                name = key[2:-2]
                if name not in SCRIPTS:
                    sys.exit(f"report.py: {template}: unknown placeholder {key}")
                lines.append(read(os.path.join(fragments, f"{name}.md"),
                                  f"*Not measured yet: `bench/run {name}`.*"))
            else:
                lines.append(line.rstrip("\n"))
    with open(output + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(output + ".tmp", output)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "fragment":
        fragment(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "summary":
        summary(sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "assemble":
        assemble(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
