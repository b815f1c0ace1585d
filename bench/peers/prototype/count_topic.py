"""Counts what landed in a topic, for the replay benchmark.

    kcat -C -b B -t T -o beginning -e -q -f '%T\\t%h\\t%s\\n' | \\
      python count_topic.py --expected N --first-time T0 --due prototype:EPOCH
                                                         --due timecast:TICK_S

Each message value is one JSON object (timecast --format json) or a JSON array
of them (the prototype, timecast --format tick-array). Every element is a row;
its identity is (ID, Event). Prints one JSON line:
  messages, rows (elements landed), distinct, duplicates (rows - distinct),
  missing (expected - distinct), first/last_append_ms (the record timestamps:
  the benchmark creates its topics with message.timestamp.type=LogAppendTime,
  so these are the broker's clock when it appended them), and landed lateness
  (append time minus the row's due time) p50/p99/max in ms, also without the
  rows due in the first second (landed_lateness_after_1s_ms), where the due time is
    prototype:EPOCH   EPOCH + Stream_Time (the notebook's start_time + Stream_Time)
    timecast:TICK_S   start + (Stream_Time - T0), with start = the earliest
                      timecast.due header minus TICK_S (0 for one row per
                      message, the tick for tick arrays: a replay's first row is
                      due at its start, its first tick closes one tick later).
                      Needs timecast's --trace-headers and --speed 1.
With --series FILE it also writes, for bench/plot.py, one JSON object: the
landed lateness of every row landed as a histogram (0.1 ms buckets,
"lateness_hist": {bucket: rows}), and per second of the replay's clock (second
0 starts when the first row was due) the rows landed in it and, of the rows
landed, those due in it ("landed_per_s" / "due_per_s": {second: rows}), with
"expected" (the source's rows).
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expected", type=int, required=True)
    ap.add_argument("--first-time", type=float, default=0.0)
    ap.add_argument("--due", required=True)
    ap.add_argument("--series", help="also write per-row histograms here (JSON)")
    args = ap.parse_args()
    mode, _, param = args.due.partition(":")
    param = float(param)

    messages = rows = 0
    seen = set()
    first_append = last_append = None
    min_due_ns = None
    landed = []  # (append_ms, Stream_Time) per row, resolved once the start is known
    header_due = []  # (due_ns, Stream_Time) of single-row messages, to cross-check
    loads = json.loads
    for line in sys.stdin.buffer:
        line = line.rstrip(b"\n")
        if not line:
            continue
        ts, headers, value = line.split(b"\t", 2)
        append_ms = int(ts)
        messages += 1
        if first_append is None or append_ms < first_append:
            first_append = append_ms
        if last_append is None or append_ms > last_append:
            last_append = append_ms
        due_ns = None
        if headers:
            for h in headers.split(b","):
                k, _, v = h.partition(b"=")
                if k == b"timecast.due":
                    due_ns = int(v)
        if due_ns is not None and (min_due_ns is None or due_ns < min_due_ns):
            min_due_ns = due_ns
        doc = loads(value)
        elements = doc if isinstance(doc, list) else [doc]
        for row in elements:
            rows += 1
            seen.add((row["ID"], row["Event"]))
            landed.append((append_ms, row["Stream_Time"]))
        if due_ns is not None and not isinstance(doc, list):
            header_due.append((due_ns, doc["Stream_Time"]))

    if mode == "prototype":
        start = param
    elif mode == "timecast":
        start = None if min_due_ns is None else min_due_ns / 1e9 - param
    else:
        sys.exit(f"unknown --due {args.due}")

    out = {
        "messages": messages,
        "rows": rows,
        "distinct": len(seen),
        "duplicates": rows - len(seen),
        "missing": args.expected - len(seen),
        "first_append_ms": first_append,
        "last_append_ms": last_append,
    }
    if start is not None and landed:
        origin = args.first_time if mode == "timecast" else 0.0

        def stats(late):
            late.sort()
            pick = lambda q: late[min(len(late) - 1, max(0, int(q * len(late) + 0.999999) - 1))]
            return {
                "count": len(late),
                "p50": round(pick(0.50) * 1000, 1),
                "p99": round(pick(0.99) * 1000, 1),
                "max": round(late[-1] * 1000, 1),
                "min": round(late[0] * 1000, 1),
            }

        out["landed_lateness_ms"] = stats([a / 1000.0 - (start + t - origin) for a, t in landed])
        # The same without the rows due in the first second: the start-up
        # (connecting, the producer's first metadata / id) shows in the above.
        steady = [a / 1000.0 - (start + t - origin) for a, t in landed if t - origin >= 1.0]
        if steady:
            out["landed_lateness_after_1s_ms"] = stats(steady)
        if header_due:
            # For one row per message the header is the row's own due time: how
            # far our model of it is off (should be ~0).
            out["due_model_error_ms"] = round(max(
                abs(d / 1e9 - (start + t - args.first_time)) for d, t in header_due) * 1000, 3)
        if args.series:
            write_series(args.series, args.expected, landed, start, origin)
    print(json.dumps(out))


def write_series(path, expected, landed, start, origin):
    """The --series file (see the module doc); bins are floors, so a row due
    at 0.9 s counts in second 0."""
    hist, landed_per_s, due_per_s = {}, {}, {}
    for append_ms, t in landed:
        due = start + t - origin
        late = append_ms / 1000.0 - due
        bucket = int(late * 10000.0 // 1)  # 0.1 ms
        hist[bucket] = hist.get(bucket, 0) + 1
        second = int((append_ms / 1000.0 - start) // 1)
        landed_per_s[second] = landed_per_s.get(second, 0) + 1
        second = int((t - origin) // 1)
        due_per_s[second] = due_per_s.get(second, 0) + 1
    with open(path, "w") as f:
        json.dump({"expected": expected, "origin_epoch": start, "lateness_bucket_ms": 0.1,
                   "lateness_hist": hist, "landed_per_s": landed_per_s,
                   "due_per_s": due_per_s}, f)


if __name__ == "__main__":
    main()
