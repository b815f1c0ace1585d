"""The notebook's streaming cell (In [None]), as written, plus measurement.

    SOURCE_TOPIC=t SERVER_PORT=host:port RUNTIME=seconds python stream.py DB

The loop is the notebook's: every pass queries
`SELECT * FROM stream WHERE Stream_Time BETWEEN last_run AND now` (seconds since
start), turns the sqlite3.Row results into dicts and sends them all as ONE
message, a JSON array, with kafka-python's KafkaProducer configured as in the
notebook (no key, the client's defaults otherwise), until last_run > RUNTIME.

Added, without changing what is queried or sent:
  - the time of the first send (from the top of this script, before imports),
  - per row lateness: the time send() returned minus the row's due time
    (start_time + Stream_Time), kept in a 0.1 ms histogram (not a list, so the
    measurement adds no memory per row),
  - counts of rows / messages handed to send(), and the futures send() returned,
    checked after producer.flush() (the notebook never looks at them: a failed
    send is silent there; here it is counted),
  - producer.flush() at the end (the notebook stops with ctrl-c), then one JSON
    summary line on stdout.
"""
import time

_t0 = time.time()  # process start, as near as Python lets us

import json
import resource
import sqlite3
import sys

from kafka import KafkaProducer
from config import SOURCE_TOPIC, SERVER_PORT, RUNTIME

BUCKET_S = 0.0001  # lateness histogram resolution: 0.1 ms


def percentile(histogram, total, q):
    if total == 0:
        return 0.0
    rank = max(1, int(q * total + 0.999999))  # nearest-rank
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket * BUCKET_S * 1000.0
    return max(histogram) * BUCKET_S * 1000.0


def main():
    db = sys.argv[1] if len(sys.argv) > 1 else './Data/stream_df.db'

    # --- the notebook ----------------------------------------------------
    conn = sqlite3.connect(db)
    # Let sqlite return a list of dictionaries instead of list of tuples
    conn.row_factory = sqlite3.Row
    cur = conn.cursor()
    producer = KafkaProducer(bootstrap_servers=[SERVER_PORT],
                             value_serializer=lambda x: json.dumps(x).encode('utf-8'))

    # measurement state
    first_send = None
    rows_sent = 0
    messages_sent = 0
    polls = 0
    largest_message_rows = 0
    futures = []
    histogram = {}
    lateness_max = 0.0

    start_time = time.time()
    last_run = 0
    while last_run <= RUNTIME:
        now = time.time() - start_time
        cur.execute('SELECT * FROM stream WHERE Stream_Time BETWEEN ? AND ?'
                    , (last_run, now))
        last_run = now
        polls += 1

        # sqlite3 returns sqlite3.Row objects, need to call dict() on each object
        response = [dict(row) for row in cur.fetchall()]
        if response != []:
            future = producer.send(topic=SOURCE_TOPIC, value=response)
            # --- measurement only --------------------------------------
            sent = time.time()
            if first_send is None:
                first_send = sent
            n = len(response)
            rows_sent += n
            messages_sent += 1
            largest_message_rows = max(largest_message_rows, n)
            futures.append((future, n))
            at = sent - start_time
            for row in response:
                late = at - row['Stream_Time']
                bucket = int(late / BUCKET_S)
                histogram[bucket] = histogram.get(bucket, 0) + 1
                if late > lateness_max:
                    lateness_max = late
    loop_end = time.time()

    # --- after the loop: deliver what is buffered, then count -------------
    producer.flush()
    flushed = time.time()
    failed_messages = failed_rows = 0
    errors = {}
    for future, n in futures:
        if future.failed():
            failed_messages += 1
            failed_rows += n
            name = type(future.exception).__name__
            errors[name] = errors.get(name, 0) + 1
    producer.close()

    print(json.dumps({
        "topic": SOURCE_TOPIC,
        "runtime": RUNTIME,
        "polls": polls,
        "rows_sent": rows_sent,
        "messages_sent": messages_sent,
        "largest_message_rows": largest_message_rows,
        "failed_messages": failed_messages,
        "failed_rows": failed_rows,
        "delivered_rows": rows_sent - failed_rows,
        "errors": errors,
        "process_start_epoch": _t0,
        "start_epoch": start_time,
        "setup_seconds": round(start_time - _t0, 6),
        "time_to_first_record_s": None if first_send is None else round(first_send - _t0, 6),
        "loop_seconds": round(loop_end - start_time, 6),
        "flush_seconds": round(flushed - loop_end, 6),
        "total_seconds": round(flushed - _t0, 6),
        "lateness_ms": {
            "count": rows_sent,
            "p50": round(percentile(histogram, rows_sent, 0.50), 3),
            "p99": round(percentile(histogram, rows_sent, 0.99), 3),
            "max": round(lateness_max * 1000.0, 3),
        },
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }), flush=True)


if __name__ == "__main__":
    main()
