"""Figures for docs/BENCHMARKS.md from bench/replay_vs_prototype.sh's results.

    python plot.py OUT_DIR

Reads OUT_DIR/results.json and the per-topic OUT_DIR/<tool>.series.json that
count_topic.py --series wrote (tool: prototype, timecast-json,
timecast-tick-array) and writes
  replay-prototype-lateness.png  the share of the dataset's rows landed within
                                 x ms of their due time (a CDF on a log x-axis;
                                 rows never landed keep a curve below 100%)
  replay-prototype-rate.png      rows landed per second of the replay's clock,
                                 against the rows due in that second
Lateness is the broker's append time (LogAppendTime, 1 ms resolution) minus
the row's due time. Needs matplotlib (the prototype's bench virtualenv).
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

TOOLS = [  # (series name, legend label, colour)
    ("prototype", "prototype (pandas + SQLite polling + kafka-python)", "tab:red"),
    ("timecast-json", "timecast replay (one row per message)", "tab:blue"),
    ("timecast-tick-array", "timecast replay --format tick-array", "tab:green"),
]
MIN_MS = 1.0  # the append timestamps' resolution: the x-axis starts here


def load(out, name):
    path = os.path.join(out, name + ".series.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def lateness_figure(out, results, series):
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for name, label, colour in TOOLS:
        s = series.get(name)
        if s is None:
            continue
        step = s["lateness_bucket_ms"]
        buckets = sorted((int(b), n) for b, n in s["lateness_hist"].items())
        xs, ys, done = [MIN_MS], [0.0], 0
        for b, n in buckets:
            done += n
            x = max(MIN_MS, (b + 1) * step)  # the bucket's upper edge
            if x == xs[-1]:
                ys[-1] = done / s["expected"]
            else:
                xs.append(x)
                ys.append(done / s["expected"])
        landed = done / s["expected"]
        p99 = next((x for x, y in zip(xs, ys) if y >= 0.99), None)
        extra = f"p99 {p99:,.0f} ms" if p99 is not None else f"only {landed:.0%} of rows ever landed"
        ax.step(xs, ys, where="post", color=colour, label=f"{label}: {extra}")
    ax.set_xscale("log")
    ax.set_xlim(left=MIN_MS)
    ax.set_ylim(0, 1.02)
    ax.axhline(1.0, color="grey", linewidth=0.5)
    ax.set_xlabel("lateness: broker append time - row due time (ms, log scale; <= 1 ms shown at 1)")
    ax.set_ylabel("share of the dataset's rows landed")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(f"Landed lateness, {results['rows']:,} rows due over {results['stream_time_span_s']} s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "replay-prototype-lateness.png"), dpi=110)
    plt.close(fig)


def rate_figure(out, results, series):
    fig, ax = plt.subplots(figsize=(8, 4.8))
    # The rows due per second, from a run that landed every row (all runs replay
    # the same data, so any complete one gives the data's own rate).
    due = next((s["due_per_s"] for s in series.values()
                if s is not None and sum(s["due_per_s"].values()) == s["expected"]), None)
    if due is not None:
        secs = sorted(int(k) for k in due)
        ax.plot(secs, [due[str(k)] for k in secs], color="grey", linestyle="--", linewidth=1,
                label="rows due (the data's own clock)", drawstyle="steps-post")
    for name, label, colour in TOOLS:
        s = series.get(name)
        if s is None:
            continue
        per_s = {int(k): n for k, n in s["landed_per_s"].items()}
        secs = list(range(min(0, min(per_s)), max(per_s) + 1))  # empty seconds count as 0
        ax.plot(secs, [per_s.get(k, 0) for k in secs], color=colour, label=label,
                drawstyle="steps-post", linewidth=1.2)
    ax.set_xlabel("seconds since the replay's clock started (the prototype: after loading)")
    ax.set_ylabel("rows landed per second (1 s bins)")
    ax.set_title(f"Delivered rows per second, {results['rows']:,} rows due over "
                 f"{results['stream_time_span_s']} s")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "replay-prototype-rate.png"), dpi=110)
    plt.close(fig)


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    series = {name: load(out, name) for name, _, _ in TOOLS}
    if not any(series.values()):
        sys.exit(f"plot.py: no *.series.json in {out}")
    lateness_figure(out, results, series)
    rate_figure(out, results, series)


if __name__ == "__main__":
    main()
