# The notebook's `config` module (`from config import SOURCE_TOPIC, SERVER_PORT,
# RUNTIME`), with the same names, read from the environment so the benchmark
# scripts can set them.
import os

SOURCE_TOPIC = os.environ.get("SOURCE_TOPIC", "stream")
SERVER_PORT = os.environ.get("SERVER_PORT", "localhost:9092")
RUNTIME = float(os.environ.get("RUNTIME", "3600"))
