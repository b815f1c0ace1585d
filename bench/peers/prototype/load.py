"""The notebook's staging step (In [2]..In [4]): Parquet -> pandas -> SQLite.

    python load.py PARQUET DB

Runs exactly the notebook's calls, pd.read_parquet(path) and
df.to_sql(name='stream', con=conn, if_exists='replace') on a connection with
sqlite3.Row as its row factory, and prints one JSON line with their timings.
"""
import time

_t0 = time.time()  # process start, as near as Python lets us

import json
import resource
import sqlite3
import sys

import pandas as pd


def main():
    path, db = sys.argv[1], sys.argv[2]
    t_imported = time.time()

    df = pd.read_parquet(path)
    t_read = time.time()

    conn = sqlite3.connect(db)
    # Let sqlite return a list of dictionaries instead of list of tuples
    conn.row_factory = sqlite3.Row
    cur = conn.cursor()
    df.to_sql(name='stream', con=conn, if_exists='replace')
    t_sql = time.time()
    conn.close()
    t_end = time.time()

    print(json.dumps({
        "rows": len(df),
        "columns": len(df.columns),
        "pandas": pd.__version__,
        "import_seconds": round(t_imported - _t0, 3),
        "read_parquet_seconds": round(t_read - t_imported, 3),
        "to_sql_seconds": round(t_sql - t_read, 3),
        "total_seconds": round(t_end - _t0, 3),
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }), flush=True)


if __name__ == "__main__":
    main()
