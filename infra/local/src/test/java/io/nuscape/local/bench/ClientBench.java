package io.nuscape.local.bench;

import io.nuscape.client.ClientConfig;
import io.nuscape.client.NuScapeClient;
import io.nuscape.local.LocalRuntime;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * {@code scripts/bench client}: the Java client's two figures, each beside its physical limit measured in the
 * same run.
 * <ul>
 *   <li>track_per_s: events tracked per second, each on disk when {@code track} returns (WAL,
 *       {@code synchronous=FULL}, one transaction each), against raw SQLite inserts of the same rows with the
 *       same settings.</li>
 *   <li>upload_events_per_s: events uploaded per second from a full queue to the local stack (fresh embedded
 *       servers, durable Postgres), batches of 50, one upload at a time as the client does, against the ingest
 *       endpoint fed pre-built gzipped batches of 50 one at a time.</li>
 * </ul>
 * Then the rollups are compared with what the client queued: lost and duplicated must be 0 (exit status 1 otherwise).
 */
public final class ClientBench {
    public static void main(String[] args) throws Exception {
        int status;
        Path root = Path.of(System.getenv().getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath();
        Path work = Files.createTempDirectory(root.resolve("infra/local/target").toAbsolutePath(), "client-bench");
        try {
            status = run(args, root, work);
        } finally {
            // The run's queues and its stack's servers' data (tens of MB) are of no use afterwards.
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(status);
    }

    private static int run(String[] args, Path root, Path work) throws Exception {
        int trackEvents = intArg(args, "--track-events", 3000);
        int uploadEvents = intArg(args, "--upload-events", 20_000);
        int batch = intArg(args, "--batch", 50);
        System.out.printf("bench client: queue files under %s (%s)%n", work, Files.getFileStore(work).type());

        // Limit 1: raw SQLite inserts, one durable transaction each, into a table shaped like the queue's.
        double rawInserts = rawSqliteInserts(work.resolve("raw.db"), trackEvents);
        // Figure 1: track().
        double track;
        try (NuScapeClient client = NuScapeClient.open(ClientConfig.builder(work.resolve("track.db")).autoUpload(false)
                .maxQueuedEvents(Math.max(10_000, trackEvents)).build())) {
            Instant start = Instant.now().minusSeconds(60);
            for (int i = 0; i < 100; i++) { // warm-up: class loading and the first pages
                client.track("app", "warmup", start, Duration.ofSeconds(1));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < trackEvents; i++) {
                client.track("app", "bench.app" + (i % 30), start, Duration.ofSeconds(1));
            }
            track = trackEvents / ((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("track: %d events, durable (WAL, synchronous=FULL, one transaction each): track_per_s=%.0f;"
                + " raw SQLite inserts, same settings: raw_insert_per_s=%.0f; ratio=%.2f%n", trackEvents, track, rawInserts, track / rawInserts);

        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        env.put("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "100000000");
        env.put("NUSCAPE_BACKLOG_MAX_ENTRIES", "10000000");
        env.put("NUSCAPE_DRAIN_BLOCK_MS", "200");
        try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(root.resolve("template.yaml"), work.resolve("stack"), 0, env, System.out))) {
            try (var c = runtime.database().connect()) {
                System.out.println("bench client: postgres as it reports: " + io.nuscape.testkit.DurablePostgres.durability(c));
            }
            List<String> tokens = StackFigures.deviceTokens(runtime, UUID.randomUUID(), 2);
            URI server = URI.create(runtime.baseUrl());

            // Fill the client's queue first (not measured: no fsync per event).
            Path queue = work.resolve("upload.db");
            String device;
            try (NuScapeClient client = NuScapeClient.open(ClientConfig.builder(queue).serverUrl(server).autoUpload(false)
                    .syncEveryWrite(false).maxQueuedEvents(uploadEvents).build())) {
                device = client.useToken(tokens.get(0));
                Instant start = Instant.now().minusSeconds(600);
                for (int i = 0; i < uploadEvents; i++) {
                    client.track("app", "bench.app" + (i % 30), start.plusMillis(i), Duration.ofSeconds(1));
                }
            }

            // Limit 2: the same endpoint fed pre-built gzipped batches, one request at a time.
            double rawUpload = rawUploads(server, tokens.get(1), uploadEvents, batch);

            // Figure 2: the client empties its queue.
            double upload;
            // The bench's tokens live 2 hours (minted, not enrolled): no renewal during the run.
            try (NuScapeClient client = NuScapeClient.open(ClientConfig.builder(queue).serverUrl(server).batchSize(batch)
                    .maxQueuedEvents(uploadEvents).tokenRenewBefore(Duration.ofMinutes(10)).build())) {
                long t0 = System.nanoTime();
                if (!client.flush(Duration.ofMinutes(10))) {
                    throw new IllegalStateException("the client did not empty its queue: " + client.status());
                }
                upload = uploadEvents / ((System.nanoTime() - t0) / 1e9);
                if (client.status().deadLetters() > 0) {
                    throw new IllegalStateException("the server refused events: " + client.deadLetters(5));
                }
            }
            System.out.printf("upload: %d events, batches of %d, one upload at a time: upload_events_per_s=%.0f;"
                    + " raw ingest of pre-built gzipped batches, one at a time: raw_upload_events_per_s=%.0f; ratio=%.2f%n",
                    uploadEvents, batch, upload, rawUpload, upload / rawUpload);

            long counted = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline) {
                counted = counted(runtime, device);
                if (counted >= uploadEvents) {
                    break;
                }
                Thread.sleep(500);
            }
            Thread.sleep(2000);
            counted = counted(runtime, device);
            long lost = Math.max(0, uploadEvents - counted);
            long duplicated = Math.max(0, counted - uploadEvents);
            System.out.printf("rollups count %d of the %d events the client queued%n", counted, uploadEvents);
            System.out.printf("client: track_per_s=%.0f upload_events_per_s=%.0f lost=%d duplicated=%d%n", track, upload, lost, duplicated);
            return lost == 0 && duplicated == 0 ? 0 : 1;
        }
    }

    private static long counted(LocalRuntime runtime, String device) throws Exception {
        try (Connection c = runtime.database().connect();
             PreparedStatement s = c.prepareStatement("SELECT coalesce(sum(events), 0) FROM usage_60m WHERE device_id = ?::uuid")) {
            s.setString(1, device);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static double rawSqliteInserts(Path file, int n) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA synchronous = FULL");
            s.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, ts_ms INTEGER NOT NULL,"
                    + " kind TEXT NOT NULL, key TEXT NOT NULL, duration_ms INTEGER NOT NULL, batch_id TEXT)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO events (event_id, ts_ms, kind, key, duration_ms) VALUES (?, ?, ?, ?, ?)")) {
                long t0 = 0;
                for (int i = -100; i < n; i++) {
                    if (i == 0) {
                        t0 = System.nanoTime();
                    }
                    insert.setString(1, UUID.randomUUID().toString());
                    insert.setLong(2, System.currentTimeMillis());
                    insert.setString(3, "app");
                    insert.setString(4, "bench.app" + (i & 31));
                    insert.setLong(5, 1000);
                    insert.executeUpdate(); // autocommit: one durable transaction per row, as track()
                }
                return n / ((System.nanoTime() - t0) / 1e9);
            }
        }
    }

    private static double rawUploads(URI server, String token, int events, int batch) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        long ts = System.currentTimeMillis() - 600_000;
        for (int sent = 0; sent < events; sent += batch) {
            StringBuilder b = new StringBuilder("{\"batch_id\":\"").append(UUID.randomUUID()).append("\",\"events\":[");
            for (int i = 0; i < Math.min(batch, events - sent); i++) {
                b.append(i == 0 ? "" : ",").append("{\"event_id\":\"").append(UUID.randomUUID()).append("\",\"ts\":\"")
                        .append(Instant.ofEpochMilli(ts + sent + i)).append("\",\"kind\":\"app\",\"key\":\"bench.raw").append(i % 30)
                        .append("\",\"duration_ms\":1000}");
            }
            b.append("]}");
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(b.toString().getBytes(StandardCharsets.UTF_8));
            }
            bodies.add(gz.toByteArray());
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(server + "/api/v1/events/batch");
        long t0 = System.nanoTime();
        for (byte[] body : bodies) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                throw new IllegalStateException("raw upload answered " + r.statusCode() + ": " + r.body());
            }
        }
        return events / ((System.nanoTime() - t0) / 1e9);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
