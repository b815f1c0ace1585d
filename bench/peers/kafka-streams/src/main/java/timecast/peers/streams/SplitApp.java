package timecast.peers.streams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * The Kafka Streams application the timecast prototype planned to use: split a
 * topic of JSON objects into several topics by the value of a top-level field.
 *
 * <p>Topology: source (byte[] key and value, no copies) → {@code to(TopicNameExtractor)}.
 * The extractor reads the value with Jackson's streaming {@link JsonParser}: it
 * walks the top-level object until it has seen every routing field and stops
 * there (nested values are skipped, the rest of the document is not read) — the
 * same amount of work as timecast's simdjson on-demand lookup. Records that
 * match no route, are not a JSON object, or are malformed before the routing
 * field go to the dead-letter topic. Routes are tried in command-line order; the
 * first match wins. All output topics must exist.
 *
 * <p>The app exits by itself once no record has arrived for {@code --until-idle-ms}
 * (counted from the last record, or from reaching RUNNING if none came), closes
 * the KafkaStreams instance (committing the open transaction), and prints a
 * one-line JSON summary to stdout. {@code seconds} spans the first to the last
 * record processed; {@code wall_seconds} is the whole run from main().
 */
public final class SplitApp {
  private static final String USAGE = String.join("\n",
      "Usage: java -jar kafka-streams-split.jar --bootstrap B --from TOPIC",
      "         --route FIELD=VALUE:TOPIC [--route ...] --dead-letter TOPIC --application-id ID",
      "         [--guarantee exactly_once_v2|at_least_once] [--commit-interval-ms 100]",
      "         [--until-idle-ms 5000] [--threads 1] [--state-dir DIR] [--stats-json FILE]",
      "         [--config KEY=VALUE ...]   (any StreamsConfig / client property)",
      "Splits TOPIC by the value of top-level JSON fields; unmatched or unparseable",
      "records go to the dead-letter topic. Exits after --until-idle-ms without input",
      "and prints a JSON summary on stdout.");

  private record Route(int field, String value, int out) {}

  private static final class Options {
    String bootstrap;
    String from;
    String deadLetter;
    String applicationId;
    String guarantee = StreamsConfig.EXACTLY_ONCE_V2;
    long commitIntervalMs = 100;
    long untilIdleMs = 5000;
    int threads = 1;
    String stateDir;
    String statsJson;
    final List<String> routeSpecs = new ArrayList<>();
    final Map<String, String> config = new LinkedHashMap<>();
  }

  /**
   * Routes a record and counts it. One instance is shared by all stream threads;
   * the counters are atomics so the main thread can read them.
   */
  static final class Router implements TopicNameExtractor<byte[], byte[]> {
    private final JsonFactory json = new JsonFactory();
    private final String[] fields; // distinct routing fields
    private final Route[] routes;
    final String[] topics; // outputs; the last one is the dead-letter topic
    final AtomicLongArray counts;
    final int deadLetter;
    volatile long firstNanos; // 0: nothing yet
    volatile long lastNanos;

    Router(List<String> fieldNames, List<Route> routes, List<String> topics) {
      this.fields = fieldNames.toArray(String[]::new);
      this.routes = routes.toArray(Route[]::new);
      this.topics = topics.toArray(String[]::new);
      this.deadLetter = this.topics.length - 1;
      this.counts = new AtomicLongArray(this.topics.length);
    }

    @Override
    public String extract(byte[] key, byte[] value, RecordContext context) {
      long now = System.nanoTime();
      if (firstNanos == 0) firstNanos = now;
      lastNanos = now;
      int out = route(value);
      counts.incrementAndGet(out);
      return topics[out];
    }

    /** The output index for a value: the first route that matches, else dead letter. */
    int route(byte[] value) {
      if (value == null) return deadLetter;
      String[] found = new String[fields.length]; // null: absent or not a scalar
      try (JsonParser p = json.createParser(value)) {
        if (p.nextToken() != JsonToken.START_OBJECT) return deadLetter;
        int missing = fields.length;
        while (missing > 0) {
          JsonToken t = p.nextToken();
          if (t != JsonToken.FIELD_NAME) {
            if (t == JsonToken.END_OBJECT) break; // field(s) absent
            return deadLetter; // truncated
          }
          int f = indexOf(p.currentName());
          JsonToken v = p.nextToken();
          if (v == null) return deadLetter;
          if (f >= 0 && found[f] == null && v.isScalarValue()) {
            found[f] = p.getText(); // "null", "true", "12.5" for non-strings
            --missing;
          } else if (v.isStructStart()) {
            p.skipChildren();
          }
        }
      } catch (IOException e) { // includes JsonParseException
        return deadLetter;
      }
      for (Route r : routes) {
        if (r.value.equals(found[r.field])) return r.out;
      }
      return deadLetter;
    }

    private int indexOf(String name) {
      for (int i = 0; i < fields.length; ++i) {
        if (fields[i].equals(name)) return i;
      }
      return -1;
    }
  }

  public static void main(String[] args) throws Exception {
    long wallStart = System.nanoTime();
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("kafka-streams-split: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }

    // Routes: FIELD=VALUE:TOPIC (topic names cannot contain ':' or '=').
    List<String> fields = new ArrayList<>();
    List<String> topics = new ArrayList<>();
    List<Route> routes = new ArrayList<>();
    for (String spec : o.routeSpecs) {
      int eq = spec.indexOf('=');
      int colon = spec.lastIndexOf(':');
      if (eq <= 0 || colon < eq || colon == spec.length() - 1) {
        usageError("bad --route '" + spec + "' (want FIELD=VALUE:TOPIC)");
      }
      String field = spec.substring(0, eq);
      String value = spec.substring(eq + 1, colon);
      String topic = spec.substring(colon + 1);
      if (!fields.contains(field)) fields.add(field);
      if (!topics.contains(topic)) topics.add(topic);
      routes.add(new Route(fields.indexOf(field), value, topics.indexOf(topic)));
    }
    if (topics.contains(o.deadLetter)) usageError("the dead-letter topic is also a route's topic");
    topics.add(o.deadLetter);
    Router router = new Router(fields, routes, topics);

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, o.applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, o.guarantee);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(o.commitIntervalMs));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(o.threads));
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    if (o.stateDir != null) props.put(StreamsConfig.STATE_DIR_CONFIG, o.stateDir);
    props.putAll(o.config);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(o.from, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(router, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    Topology topology = builder.build(props);

    KafkaStreams streams = new KafkaStreams(topology, props);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    streams.setUncaughtExceptionHandler(e -> {
      failure.compareAndSet(null, e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    // Ctrl-C / SIGTERM: close cleanly (the main loop sees the state change).
    Thread hook = new Thread(() -> streams.close(Duration.ofSeconds(30)), "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    streams.start();
    long idleNanos = o.untilIdleMs * 1_000_000L;
    long runningSince = 0;
    boolean failed = false;
    while (true) {
      Thread.sleep(20);
      KafkaStreams.State s = streams.state();
      long now = System.nanoTime();
      if (s == KafkaStreams.State.RUNNING && runningSince == 0) runningSince = now;
      if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR
          || s == KafkaStreams.State.PENDING_SHUTDOWN || s == KafkaStreams.State.NOT_RUNNING
          || failure.get() != null) {
        failed = true;
        break;
      }
      long last = router.lastNanos;
      long since = last != 0 ? last : runningSince;
      if (since != 0 && now - since >= idleNanos) break;
    }
    boolean closed = streams.close(Duration.ofSeconds(60));
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) { // already shutting down
    }
    if (closed) streams.cleanUp(); // the (empty) local state dir of this application id
    double wall = (System.nanoTime() - wallStart) / 1e9;

    long in = 0;
    for (int i = 0; i < router.topics.length; ++i) in += router.counts.get(i);
    double seconds = in > 0 ? (router.lastNanos - router.firstNanos) / 1e9 : 0;
    StringBuilder j = new StringBuilder(256);
    j.append("{\"peer\":\"kafka-streams\",\"records_in\":").append(in).append(",\"out\":{");
    for (int i = 0; i < router.deadLetter; ++i) {
      if (i > 0) j.append(',');
      j.append('"').append(router.topics[i]).append("\":").append(router.counts.get(i));
    }
    j.append("},\"dead_letter_topic\":\"").append(o.deadLetter).append('"');
    j.append(",\"dead_lettered\":").append(router.counts.get(router.deadLetter));
    j.append(",\"seconds\":").append(fmt(seconds));
    j.append(",\"records_per_second\":").append(fmt(seconds > 0 ? in / seconds : 0));
    j.append(",\"startup_seconds\":").append(
        fmt(router.firstNanos != 0 ? (router.firstNanos - wallStart) / 1e9 : 0));
    j.append(",\"wall_seconds\":").append(fmt(wall));
    j.append(",\"guarantee\":\"").append(o.guarantee).append('"');
    j.append(",\"commit_interval_ms\":").append(o.commitIntervalMs);
    j.append(",\"threads\":").append(o.threads);
    j.append(",\"clean_close\":").append(closed);
    if (failed) {
      Throwable t = failure.get();
      String msg = t == null ? "stopped in state " + streams.state() : t.toString();
      j.append(",\"error\":\"").append(escape(msg)).append('"');
    }
    j.append('}');
    String line = j.toString();
    if (o.statsJson != null) Files.writeString(Path.of(o.statsJson), line + "\n");
    PrintStream out = System.out;
    out.println(line);
    out.flush();
    System.exit(failed || !closed ? 1 : 0);
  }

  private static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; ++i) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(USAGE);
        System.exit(0);
      }
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + a);
      String name = a;
      String val;
      int eq = a.indexOf('=');
      if (eq > 0) { // --name=value
        name = a.substring(0, eq);
        val = a.substring(eq + 1);
      } else {
        if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
        val = args[++i];
      }
      switch (name) {
        case "--bootstrap", "--bootstrap-server" -> o.bootstrap = val;
        case "--from" -> o.from = val;
        case "--route" -> o.routeSpecs.add(val);
        case "--dead-letter" -> o.deadLetter = val;
        case "--application-id" -> o.applicationId = val;
        case "--guarantee" -> o.guarantee = val;
        case "--commit-interval-ms" -> o.commitIntervalMs = Long.parseLong(val);
        case "--until-idle-ms" -> o.untilIdleMs = Long.parseLong(val);
        case "--threads" -> o.threads = Integer.parseInt(val);
        case "--state-dir" -> o.stateDir = val;
        case "--stats-json" -> o.statsJson = val;
        case "--config" -> {
          int e = val.indexOf('=');
          if (e <= 0) throw new IllegalArgumentException("bad --config '" + val + "' (want KEY=VALUE)");
          o.config.put(val.substring(0, e), val.substring(e + 1));
        }
        default -> throw new IllegalArgumentException("unknown option: " + name);
      }
    }
    if (o.bootstrap == null) throw new IllegalArgumentException("--bootstrap is required");
    if (o.from == null) throw new IllegalArgumentException("--from is required");
    if (o.routeSpecs.isEmpty()) throw new IllegalArgumentException("at least one --route is required");
    if (o.deadLetter == null) throw new IllegalArgumentException("--dead-letter is required");
    if (o.applicationId == null) throw new IllegalArgumentException("--application-id is required");
    if (!o.guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)
        && !o.guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
      throw new IllegalArgumentException("--guarantee must be exactly_once_v2 or at_least_once");
    }
    if (o.untilIdleMs <= 0) throw new IllegalArgumentException("--until-idle-ms must be > 0");
    if (o.threads <= 0) throw new IllegalArgumentException("--threads must be > 0");
    return o;
  }

  private static void usageError(String msg) {
    System.err.println("kafka-streams-split: " + msg);
    System.err.println(USAGE);
    System.exit(2);
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.toString();
  }
}
