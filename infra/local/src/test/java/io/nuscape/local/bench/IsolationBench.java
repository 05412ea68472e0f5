package io.nuscape.local.bench;

import io.nuscape.core.event.EventIds;
import io.nuscape.local.LocalRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench isolation}: one tenant cannot hurt another. The local runtime (fresh embedded
 * servers, durable Postgres) with the default rate limit; a hostile device sends the largest legal batches
 * (1 000 events) of the longest legal events (24 hours each, distinct keys) as fast as its limit lets it,
 * honouring Retry-After, while a victim account ingests ordinary batches and a probe measures how long
 * the victim's events take to appear in the rollups. The same probe first runs without the hostile device:
 * that is the reference the hostile run is compared with. At the end everything accepted must be counted,
 * nothing dead-lettered or given up.
 */
public final class IsolationBench {
    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 60);
        int baselineSeconds = intArg(args, "--baseline-seconds", 15);
        Path dataDir = Files.createTempDirectory("nuscape-isolation");
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        env.put("NUSCAPE_DRAIN_BLOCK_MS", "200");
        env.put("NUSCAPE_BACKLOG_MAX_ENTRIES", "10000000");
        Path root = Path.of(System.getenv().getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath();
        try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(root.resolve("template.yaml"), dataDir, 0, env, System.out))) {
            UUID victim = UUID.randomUUID();
            UUID hostile = UUID.randomUUID();
            List<String> victimTokens = StackFigures.deviceTokens(runtime, victim, 20);
            String hostileToken = StackFigures.deviceTokens(runtime, hostile, 1).get(0);
            HttpClient http = HttpClient.newHttpClient();
            String url = runtime.baseUrl() + "/api/v1/events/batch";
            try (var c = runtime.database().connect()) {
                System.out.println("bench isolation: postgres as it reports: " + io.nuscape.testkit.DurablePostgres.durability(c));
            }
            System.out.printf("bench isolation: %s; default rate limit; reference %d s without the hostile device, then %d s with it%n",
                    runtime.baseUrl(), baselineSeconds, seconds);

            AtomicBoolean running = new AtomicBoolean(true);
            Thread victimLoad = Thread.ofPlatform().start(() -> {
                int n = 0;
                while (running.get()) {
                    StringBuilder events = new StringBuilder();
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < 50; i++) {
                        events.append(i == 0 ? "" : ",").append("{\"event_id\":\"").append(EventIds.v7(now)).append("\",\"ts\":").append(now - i * 100)
                                .append(",\"kind\":\"app\",\"key\":\"victim.k").append(i % 10).append("\",\"duration_ms\":").append(1000 + i).append('}');
                    }
                    post(http, url, victimTokens.get(n++ % victimTokens.size()), "{\"events\":[" + events + "]}");
                    sleep(50);
                }
            });

            Probe reference = Probe.run(http, url, victimTokens.get(0), runtime, victim, baselineSeconds);

            AtomicLong hostileAccepted = new AtomicLong();
            AtomicLong hostileRefused = new AtomicLong();
            Thread hostileLoad = Thread.ofPlatform().start(() -> {
                long key = 0;
                while (running.get()) {
                    StringBuilder events = new StringBuilder();
                    long start = System.currentTimeMillis() - 25 * 3_600_000L;
                    for (int i = 0; i < 1000; i++) {
                        events.append(i == 0 ? "" : ",").append("{\"event_id\":\"").append(EventIds.v7(System.currentTimeMillis())).append("\",\"ts\":").append(start + i)
                                .append(",\"kind\":\"screen\",\"key\":\"hostile.").append(key++).append("\",\"duration_ms\":86400000}");
                    }
                    HttpResponse<String> r = post(http, url, hostileToken, "{\"events\":[" + events + "]}");
                    if (r != null && r.statusCode() == 202) {
                        hostileAccepted.addAndGet(1000);
                    } else if (r != null && r.statusCode() == 429) {
                        hostileRefused.incrementAndGet();
                        long wait = Long.parseLong(r.headers().firstValue("Retry-After").orElse("1")) * 1000;
                        long until = System.currentTimeMillis() + wait;
                        while (running.get() && System.currentTimeMillis() < until) {
                            sleep(100);
                        }
                    } else {
                        sleep(100);
                    }
                }
            });

            Probe underLoad = Probe.run(http, url, victimTokens.get(1), runtime, victim, seconds);
            running.set(false);
            victimLoad.join();
            hostileLoad.join();

            // Everything accepted is drained and counted; nothing went to the dead-letter or give-up streams.
            long accepted = StackFigures.counter(runtime, "events_accepted");
            long counted = 0;
            long deadline = System.currentTimeMillis() + 600_000;
            while (System.currentTimeMillis() < deadline) {
                counted = StackFigures.counted(runtime);
                if (counted >= accepted) {
                    break;
                }
                sleep(1000);
            }
            long deadLettered = StackFigures.deadLettered(runtime);
            System.out.printf("reference (no hostile device): %d probes, freshness p50=%d ms p95=%d ms%n",
                    reference.count(), reference.percentile(50), reference.percentile(95));
            System.out.printf("with the hostile device: %d probes, freshness p50=%d ms p95=%d ms; hostile batches refused 429: %d;"
                    + " accepted %d events, counted %d%n", underLoad.count(), underLoad.percentile(50), underLoad.percentile(95),
                    hostileRefused.get(), accepted, counted);
            System.out.printf("isolation: victim_freshness_p95_ms=%d hostile_events_per_s=%.1f dead_lettered=%d"
                    + " reference_freshness_p95_ms=%d ratio=%.2f lost=%d%n", underLoad.percentile(95), hostileAccepted.get() / (double) seconds,
                    deadLettered, reference.percentile(95), underLoad.percentile(95) / (double) Math.max(1, reference.percentile(95)),
                    Math.max(0, accepted - counted));
        }
    }

    /** One-event batches with keys of their own every 250 ms, polled in the rollups until each is visible. */
    record Probe(List<Long> freshness) {
        static Probe run(HttpClient http, String url, String token, LocalRuntime runtime, UUID account, int seconds) throws Exception {
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            List<Long> freshness = Collections.synchronizedList(new ArrayList<>());
            long end = System.currentTimeMillis() + seconds * 1000L;
            String prefix = "probe." + UUID.randomUUID() + ".";
            Thread poller = Thread.ofPlatform().start(() -> {
                try (Connection c = runtime.database().connect();
                     PreparedStatement s = c.prepareStatement("SELECT key FROM usage_1m WHERE account_id = ? AND key = ANY (?)")) {
                    while (System.currentTimeMillis() < end + 30_000 && (System.currentTimeMillis() < end || !sentAt.isEmpty())) {
                        if (!sentAt.isEmpty()) {
                            s.setObject(1, account);
                            s.setArray(2, c.createArrayOf("text", sentAt.keySet().toArray()));
                            long now = System.currentTimeMillis();
                            try (ResultSet rs = s.executeQuery()) {
                                while (rs.next()) {
                                    Long t0 = sentAt.remove(rs.getString(1));
                                    if (t0 != null) {
                                        freshness.add(now - t0);
                                    }
                                }
                            }
                        }
                        sleep(20);
                    }
                } catch (Exception e) {
                    System.err.println("freshness poller stopped: " + e);
                }
            });
            int n = 0;
            while (System.currentTimeMillis() < end) {
                String key = prefix + (n++);
                long t0 = System.currentTimeMillis();
                HttpResponse<String> r = post(http, url, token, "{\"events\":[{\"event_id\":\"" + EventIds.v7(t0) + "\",\"ts\":" + t0
                        + ",\"kind\":\"app\",\"key\":\"" + key + "\",\"duration_ms\":0}]}");
                if (r != null && r.statusCode() == 202) {
                    sentAt.put(key, t0);
                }
                sleep(250);
            }
            poller.join();
            // A probe never seen within 30 s after the end counts as 30 s late, not as absent.
            sentAt.values().forEach(t0 -> freshness.add(end + 30_000 - t0));
            List<Long> sorted = new ArrayList<>(freshness);
            sorted.sort(null);
            return new Probe(sorted);
        }

        int count() {
            return freshness.size();
        }

        long percentile(int p) {
            return freshness.isEmpty() ? -1 : freshness.get(Math.min(freshness.size() - 1, (int) Math.ceil(freshness.size() * p / 100.0) - 1));
        }
    }

    private static HttpResponse<String> post(HttpClient http, String url, String token, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
