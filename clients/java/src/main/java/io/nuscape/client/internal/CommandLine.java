package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuscape.client.ClientConfig;
import io.nuscape.client.ClientException;
import io.nuscape.client.ClientStatus;
import io.nuscape.client.DeadLetter;
import io.nuscape.client.ImportReport;
import io.nuscape.client.NuScapeClient;
import io.nuscape.client.QueueFullException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code nuscape-client}: enroll, track, flush, status and import-activitywatch on a client database
 * ({@code --db}, else {@code NUSCAPE_CLIENT_DB}, else {@code ~/.nuscape/client.db}). Exit status: 0 done,
 * 1 failed or not finished in time, 2 wrong usage, 3 uploads stopped (revoked or token refused: enroll again).
 */
public final class CommandLine {
    static final String USAGE = """
            usage: nuscape-client [--db FILE] [--server URL] COMMAND ...
              enroll --code CODE [--name NAME] [--platform PLATFORM]   enroll this device (--server is required)
              track KIND KEY [--start RFC3339] [--duration 60s]        queue one event (start defaults to now - duration)
              flush [--timeout 60s]                                   upload what is queued, waiting at most the timeout
              status [--json]                                         queue depth, last upload, last error
              import-activitywatch EXPORT.json [--timeout 300s]       import an ActivityWatch export, then upload it
              dead-letters [--limit 20]                               events the server refused, newest first
              requeue-dead-letters [--timeout 60s]                    queue the dead letters again, then upload them
            options: --batch-size N (default 50), --max-queued N (default 10000),
                     --allow-insecure-http (plain http to another machine: the token crosses the network readable)
            environment: NUSCAPE_CLIENT_DB, NUSCAPE_SERVER_URL""";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    CommandLine(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(System.out, System.err, System.getenv()).run(args));
    }

    /** Runs one command; answers the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return new CommandLine(out, err, env).run(args);
    }

    private static final class Usage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message);
        }
    }

    int run(String[] args) {
        List<String> positional = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--json")) {
                    options.put("json", "true");
                } else if (a.equals("--allow-insecure-http")) {
                    options.put("allow-insecure-http", "true");
                } else if (a.equals("-h") || a.equals("--help")) {
                    out.println(USAGE);
                    return 0;
                } else if (a.startsWith("--")) {
                    String name = a.substring(2);
                    String value;
                    int eq = name.indexOf('=');
                    if (eq >= 0) {
                        value = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw new Usage("--" + name + " needs a value");
                    }
                    options.put(name, value);
                } else {
                    positional.add(a);
                }
            }
            if (positional.isEmpty()) {
                throw new Usage("no command given");
            }
            String command = positional.remove(0);
            ClientConfig.Builder config = ClientConfig.builder(database(options));
            config.allowInsecureHttp(options.containsKey("allow-insecure-http"));
            String server = options.getOrDefault("server", env.get("NUSCAPE_SERVER_URL"));
            if (server != null && !server.isBlank()) {
                config.serverUrl(URI.create(server.trim()));
            }
            if (options.containsKey("batch-size")) {
                config.batchSize(integer(options.get("batch-size"), "--batch-size"));
            }
            if (options.containsKey("max-queued")) {
                config.maxQueuedEvents(integer(options.get("max-queued"), "--max-queued"));
            }
            switch (command) {
                case "enroll":
                    return enroll(config, options, positional);
                case "track":
                    return track(config, options, positional);
                case "flush":
                    return flush(config, options, positional);
                case "status":
                    return status(config, options, positional);
                case "import-activitywatch":
                    return importActivityWatch(config, options, positional);
                case "dead-letters":
                    return deadLetters(config, options, positional);
                case "requeue-dead-letters":
                    return requeueDeadLetters(config, options, positional);
                default:
                    throw new Usage("unknown command: " + command);
            }
        } catch (Usage e) {
            err.println("nuscape-client: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("nuscape-client: " + e.getMessage());
            return 2;
        } catch (ClientException e) {
            err.println("nuscape-client: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("nuscape-client: " + e);
            return 1;
        }
    }

    private Path database(Map<String, String> options) {
        String db = options.getOrDefault("db", env.get("NUSCAPE_CLIENT_DB"));
        if (db != null && !db.isBlank()) {
            return Path.of(db);
        }
        return Path.of(System.getProperty("user.home"), ".nuscape", "client.db");
    }

    private static void none(List<String> positional, int expected) {
        if (positional.size() != expected) {
            throw new Usage("expected " + expected + " argument(s), got " + positional.size() + ": " + positional);
        }
    }

    private int enroll(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 0);
        if (!options.containsKey("code")) {
            throw new Usage("enroll needs --code");
        }
        ClientConfig c = config.autoUpload(false).build();
        if (c.serverUrl() == null) {
            throw new Usage("enroll needs --server (or NUSCAPE_SERVER_URL)");
        }
        String name = options.getOrDefault("name", hostName());
        String platform = options.getOrDefault("platform", System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT).split(" ")[0]);
        try (NuScapeClient client = NuScapeClient.open(c)) {
            String device = client.enroll(options.get("code"), name, platform);
            out.println("enrolled: device " + device + " on " + c.serverUrl() + ", token kept in " + c.database());
        }
        return 0;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "device";
        }
    }

    private int track(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 2);
        Duration duration = options.containsKey("duration") ? duration(options.get("duration"), "--duration") : Duration.ZERO;
        Instant start;
        if (options.containsKey("start") && !options.get("start").equals("now")) {
            try {
                start = OffsetDateTime.parse(options.get("start")).toInstant();
            } catch (DateTimeParseException e) {
                throw new Usage("--start must be RFC 3339 with an offset, e.g. 2026-11-23T10:15:30Z");
            }
        } else {
            start = Instant.now().minus(duration);
        }
        try (NuScapeClient client = NuScapeClient.open(config.autoUpload(false).build())) {
            out.println("queued " + client.track(positional.get(0), positional.get(1), start, duration));
        } catch (QueueFullException e) {
            err.println("nuscape-client: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private int flush(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 0);
        Duration timeout = duration(options.getOrDefault("timeout", "60s"), "--timeout");
        try (NuScapeClient client = NuScapeClient.open(config.build())) {
            return finish(client, timeout);
        }
    }

    /** Flushes and says how it went; the exit status of flush and import. */
    private int finish(NuScapeClient client, Duration timeout) {
        long before = client.status().queuedEvents();
        boolean done = client.flush(timeout);
        ClientStatus s = client.status();
        if (done) {
            out.println("flushed: " + (before - s.queuedEvents()) + " events left the queue, " + s.queuedEvents() + " queued now"
                    + (s.deadLetters() > 0 ? ", " + s.deadLetters() + " dead letters (see dead-letters)" : ""));
            return 0;
        }
        if (s.state() == ClientStatus.State.REVOKED || s.state() == ClientStatus.State.TOKEN_REJECTED) {
            err.println("nuscape-client: uploads stopped: " + s.lastError());
            return 3;
        }
        if (s.state() == ClientStatus.State.NOT_ENROLLED) {
            err.println("nuscape-client: not enrolled; run: nuscape-client enroll --server URL --code CODE");
            return 3;
        }
        err.println("nuscape-client: not all uploaded within " + timeout.toSeconds() + " s: " + s.queuedEvents() + " events queued"
                + (s.lastError() == null ? "" : "; last error: " + s.lastError()));
        return 1;
    }

    private int status(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 0);
        try (NuScapeClient client = NuScapeClient.open(config.autoUpload(false).build())) {
            ClientStatus s = client.status();
            if (options.containsKey("json")) {
                ObjectNode o = ServerApi.JSON.createObjectNode();
                o.put("state", s.state().name().toLowerCase(Locale.ROOT));
                o.put("device_id", s.deviceId());
                o.put("server_url", s.serverUrl());
                o.put("queued_events", s.queuedEvents());
                o.put("batch_events", s.batchEvents());
                o.put("capacity", s.capacity());
                o.put("dropped_events", s.droppedEvents());
                o.put("dead_letters", s.deadLetters());
                o.put("last_upload_at", s.lastUploadAt() == null ? null : s.lastUploadAt().toString());
                o.put("last_error", s.lastError());
                o.put("last_error_at", s.lastErrorAt() == null ? null : s.lastErrorAt().toString());
                o.put("token_expires_at", s.tokenExpiresAt() == null ? null : s.tokenExpiresAt().toString());
                out.println(o.toString());
                return 0;
            }
            out.println("database:      " + client.config().database().toAbsolutePath());
            out.println("device:        " + (s.deviceId() == null ? "not enrolled" : s.deviceId() + " on " + s.serverUrl()));
            out.println("state:         " + s.state().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            out.println("queue:         " + s.queuedEvents() + " events of at most " + s.capacity()
                    + (s.batchEvents() > 0 ? " (" + s.batchEvents() + " in the batch being sent)" : ""));
            out.println("dropped:       " + s.droppedEvents() + " events (queue full)");
            out.println("dead letters:  " + s.deadLetters());
            out.println("last upload:   " + (s.lastUploadAt() == null ? "never" : s.lastUploadAt()));
            out.println("last error:    " + (s.lastError() == null ? "none" : s.lastErrorAt() + " " + s.lastError()));
            out.println("token expires: " + (s.tokenExpiresAt() == null ? "-" : s.tokenExpiresAt()));
        }
        return 0;
    }

    private int importActivityWatch(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 1);
        Path export = Path.of(positional.get(0));
        if (!Files.isReadable(export)) {
            throw new IllegalArgumentException("cannot read " + export);
        }
        Duration timeout = duration(options.getOrDefault("timeout", "300s"), "--timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (NuScapeClient client = NuScapeClient.open(config.build())) {
            ImportReport first = null;
            long queued = 0;
            ImportReport r;
            while (true) {
                r = client.importActivityWatch(export);
                if (first == null) {
                    first = r;
                }
                queued += r.queued();
                if (r.deferred() == 0) {
                    break;
                }
                // The queue is full: upload what it holds, then import the rest (imported events are skipped).
                Duration left = Duration.ofNanos(deadline - System.nanoTime());
                if (left.isNegative() || !client.flush(left)) {
                    break;
                }
            }
            out.printf("imported %s: %d source events, %d new events queued, %d already imported, %d skipped (older than the"
                            + " server's 30 days or in the future), %d skipped (no app, not a web page, incognito, no duration),"
                            + " %d s of away time left out%n",
                    export.getFileName(), first.sourceEvents(), queued, first.alreadyImported(), first.skippedTooOld(), first.skippedOther(),
                    first.afkExcludedMs() / 1000);
            if (r.deferred() > 0) {
                err.println("nuscape-client: " + r.deferred() + " events did not fit in the queue and could not be uploaded in time;"
                        + " run the import again (nothing is counted twice)");
                return 1;
            }
            return finish(client, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    private int deadLetters(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 0);
        int limit = integer(options.getOrDefault("limit", "20"), "--limit");
        try (NuScapeClient client = NuScapeClient.open(config.autoUpload(false).build())) {
            for (DeadLetter d : client.deadLetters(limit)) {
                out.printf("%s %s %s/%s %d ms at %s: %d %s %s%n", d.deadAt(), d.eventId(), d.kind(), d.key(), d.duration().toMillis(),
                        d.start(), d.status(), d.error(), d.reason());
            }
        }
        return 0;
    }

    private int requeueDeadLetters(ClientConfig.Builder config, Map<String, String> options, List<String> positional) {
        none(positional, 0);
        Duration timeout = duration(options.getOrDefault("timeout", "60s"), "--timeout");
        try (NuScapeClient client = NuScapeClient.open(config.autoUpload(false).build())) {
            int moved = client.requeueDeadLetters();
            long left = client.status().deadLetters();
            out.println("requeued " + moved + " dead letters" + (left > 0 ? " (" + left + " left: the queue is full; flush and run again)" : ""));
            return finish(client, timeout);
        }
    }

    static int integer(String v, String name) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new Usage(name + " must be an integer, was " + v);
        }
    }

    /** {@code 1500ms}, {@code 60s}, {@code 5m}, {@code 2h}, or ISO-8601 ({@code PT1M}). */
    static Duration duration(String v, String name) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("pt") || s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            switch (s.charAt(s.length() - 1)) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                default:
                    break;
            }
        } catch (RuntimeException e) {
            // fall through to the message below
        }
        throw new Usage(name + " must be a duration like 1500ms, 60s, 5m, 2h or PT1M, was " + v);
    }
}
