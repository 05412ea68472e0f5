package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.Json;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.FreePort;
import io.nuscape.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole local stack as scripts/local-up runs it, in its own process, under HTTP load from clients that
 * retry as the contract says (same batch id after a 503 or no answer): the stack is killed with SIGKILL
 * in the middle of ingesting and draining, and started again on the same data. Every batch the clients
 * got a 202 for is counted exactly once, nothing is dead-lettered.
 */
class LocalStackFaultTest {
    @TempDir
    Path dataDir;

    Process localUp(int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.nuscape.local.Main", "--port", Integer.toString(port), "--data-dir", dataDir.toString());
        pb.environment().put("NUSCAPE_HOME", Path.of("../..").toAbsolutePath().normalize().toString());
        pb.environment().put("NUSCAPE_LOG_LEVEL", "WARN");
        pb.environment().put("NUSCAPE_DRAIN_BLOCK_MS", "100");
        pb.environment().put("NUSCAPE_DRAIN_CLAIM_IDLE_MS", "2000");
        pb.environment().put("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", "100000000");
        Path log = dataDir.resolve("local-up-" + System.nanoTime() + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.readString(log).contains("listening on")) {
            assertTrue(p.isAlive() && System.currentTimeMillis() < deadline, () -> "local-up did not start: " + read(log));
            Thread.sleep(100);
        }
        return p;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** A device that sends 20-event batches, each until it is accepted, with the same batch id every time. */
    static final class RetryingClient implements AutoCloseable {
        final AtomicBoolean sending = new AtomicBoolean(true);
        final AtomicLong acceptedEvents = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        /** Answers other than 202 by what they said ("503 unavailable"), and tries that got no answer at all. */
        final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
        final AtomicLong unanswered = new AtomicLong();
        final Thread thread;

        RetryingClient(URI url, String token) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            thread = Thread.ofPlatform().start(() -> {
                while (sending.get()) {
                    StringBuilder events = new StringBuilder();
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < 20; i++) {
                        events.append(i == 0 ? "" : ",").append("{\"event_id\":\"").append(UUID.randomUUID()).append("\",\"ts\":").append(now - i)
                                .append(",\"kind\":\"app\",\"key\":\"k").append(i % 5).append("\",\"duration_ms\":100}");
                    }
                    String body = "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[" + events + "]}";
                    while (true) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
                                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 202) {
                                // First acceptance, or "duplicate": an earlier try was accepted and its answer lost.
                                // Either way this batch was accepted exactly once.
                                acceptedEvents.addAndGet(20);
                                break;
                            }
                            refusals.computeIfAbsent(refusal(r), k -> new AtomicLong()).incrementAndGet();
                        } catch (Exception lost) {
                            // No answer: the stack is down or restarting; the contract says: retry the same batch.
                            unanswered.incrementAndGet();
                        }
                        retries.incrementAndGet();
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
        }

        /** Status, error code and whether Retry-After came with it: what the contract says a refusal carries. */
        private static String refusal(HttpResponse<String> r) {
            String error;
            try {
                error = Json.mapper().readTree(r.body()).path("error").asText("(no error code)");
            } catch (Exception notJson) {
                error = "(not JSON)";
            }
            return r.statusCode() + " " + error + (r.headers().firstValue("Retry-After").isPresent() ? "" : " without Retry-After");
        }

        @Override
        public void close() throws InterruptedException {
            sending.set(false);
            thread.join();
        }
    }

    /** An ingest token of a new device of the account, enrolled first in the stack's Postgres: only enrolled devices count. */
    String token(UUID account) throws Exception {
        UUID device = UUID.randomUUID();
        var info = Json.mapper().readTree(Files.readString(dataDir.resolve("runtime.json")));
        Enrollment.enroll(new TestDatabase(info.get("NUSCAPE_DATABASE_URL").asText(), info.get("NUSCAPE_DATABASE_USER").asText(),
                info.get("NUSCAPE_DATABASE_PASSWORD").asText()), account, device);
        KeySet keys = KeySet.parse(Files.readString(dataDir.resolve("jwt-keys.json")));
        return new TokenIssuer(io.nuscape.core.auth.KeySource.of(keys), Optional.empty(), "nuscape", "nuscape")
                .issue(account, device.toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
    }

    /** Waits until the account's events in the rollups reach the expected number (or a minute passes); checks the DLQ. */
    void assertCountedOnce(UUID account, RetryingClient client) throws Exception {
        var info = Json.mapper().readTree(Files.readString(dataDir.resolve("runtime.json")));
        long counted = -1;
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try (Connection c = java.sql.DriverManager.getConnection(info.get("NUSCAPE_DATABASE_URL").asText(),
                    info.get("NUSCAPE_DATABASE_USER").asText(), info.get("NUSCAPE_DATABASE_PASSWORD").asText());
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT coalesce(sum(events), 0) FROM usage_60m WHERE account_id = '" + account + "'")) {
                rs.next();
                counted = rs.getLong(1);
            }
            if (counted == client.acceptedEvents.get()) {
                break;
            }
            Thread.sleep(500);
        }
        assertTrue(client.acceptedEvents.get() > 0);
        assertEquals(client.acceptedEvents.get(), counted, "every accepted batch counted once (" + client.retries.get() + " retries)");
        try (var redis = new io.nuscape.redis.RedisConnector(info.get("NUSCAPE_REDIS_URL").asText(), false, Duration.ofSeconds(2))) {
            assertEquals(0, redis.commands().xlen("nuscape:dlq:{0}") + redis.commands().xlen("nuscape:giveup:{0}"), "nothing dead-lettered");
        }
    }

    @Test
    void killedMidDrainAndStartedAgainEveryAcceptedBatchIsCountedOnce() throws Exception {
        int port = FreePort.pick();
        Process first = localUp(port);
        UUID account = UUID.randomUUID();
        Process second = null;
        try (RetryingClient client = new RetryingClient(URI.create("http://127.0.0.1:" + port + "/api/v1/events/batch"), token(account))) {
            Thread.sleep(4_000);
            first.destroyForcibly().waitFor(); // SIGKILL in the middle of ingesting and draining
            Thread.sleep(1_000);
            second = localUp(port);
            Thread.sleep(4_000);
            client.close();
            assertTrue(client.retries.get() > 0, "the kill was felt by the client");
            assertCountedOnce(account, client);
        } finally {
            if (second != null) {
                second.destroy();
                second.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Postgres stopped under ingest (20 s here; NUSCAPE_FAULT_OUTAGE_SECONDS=600 for the ten minutes of the
     * issue), then started again with the very command line it ran with: ingest goes on answering 202 (it
     * never needs Postgres), the drainer waits without charging any entry, then counts everything once.
     */
    @Test
    void postgresStoppedUnderIngestThenStartedEverythingIsCountedOnceAndNothingDeadLettered() throws Exception {
        int outage = Integer.parseInt(System.getenv().getOrDefault("NUSCAPE_FAULT_OUTAGE_SECONDS", "20"));
        int port = FreePort.pick();
        Process stack = localUp(port);
        UUID account = UUID.randomUUID();
        try (RetryingClient client = new RetryingClient(URI.create("http://127.0.0.1:" + port + "/api/v1/events/batch"), token(account))) {
            Thread.sleep(2_000);
            Path pgData = dataDir.resolve("postgres");
            long postmaster = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).strip());
            // postmaster.opts holds the command line the server runs with: the same server is started again from it.
            String opts = Files.readString(pgData.resolve("postmaster.opts")).strip();
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster)).start().waitFor();
            ProcessHandle.of(postmaster).ifPresent(p -> p.onExit().join());
            long acceptedBefore = client.acceptedEvents.get();
            Thread.sleep(outage * 1000L);
            assertTrue(client.acceptedEvents.get() > acceptedBefore, "ingest kept accepting while Postgres was down");
            // As the embedded server does, as root: in a user namespace of its own (Postgres refuses to run as root).
            String asUser = "root".equals(System.getProperty("user.name")) ? "unshare -U " : "";
            new ProcessBuilder("bash", "-c", "exec " + asUser + opts + " >/dev/null 2>&1 &").start().waitFor();
            Thread.sleep(3_000);
            client.close();
            assertCountedOnce(account, client);
        } finally {
            stack.destroy();
            stack.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * redis-server killed (SIGKILL) under ingest and draining, kept down for a while (10 s here;
     * NUSCAPE_FAULT_OUTAGE_SECONDS for longer), then started again with the very command line it ran with
     * (redis.command: same port, same data, append-only file synced on every write). While it is down,
     * ingest refuses with 503 unavailable and Retry-After: never 500, never a hang, never a 202. Then the
     * same stack, not restarted, accepts again within seconds (its connections re-established), the
     * drainer counts every accepted batch exactly once and nothing is dead-lettered.
     *
     * <p>The outage costs no test time: the drainer, stopped by it, resumes at its next minute tick, which
     * the test waits for anyway. Ten seconds also tell a capped reconnect backoff (about 1 s) from
     * Lettuce's default one, whose next attempt would come 6 s after Redis is back.
     */
    @Test
    void redisKilledUnderLoadThenStartedAgainIngestRecoversAndEverythingIsCountedOnce() throws Exception {
        int outage = Integer.parseInt(System.getenv().getOrDefault("NUSCAPE_FAULT_OUTAGE_SECONDS", "10"));
        int port = FreePort.pick();
        Process stack = localUp(port);
        Path pidFile = dataDir.resolve("redis.pid");
        URI url = URI.create("http://127.0.0.1:" + port + "/api/v1/events/batch");
        // Several devices of several accounts: requests in flight on the shared connection when it breaks.
        Map<UUID, RetryingClient> clients = new LinkedHashMap<>();
        try {
            for (int i = 0; i < 3; i++) {
                UUID account = UUID.randomUUID();
                clients.put(account, new RetryingClient(url, token(account)));
            }
            Thread.sleep(3_000);
            ProcessHandle redis = Leftovers.running(pidFile, "redis-server")
                    .orElseThrow(() -> new AssertionError("no redis-server named by " + pidFile));
            List<String> command = Files.readAllLines(dataDir.resolve("redis.command"));
            assertTrue(redis.destroyForcibly(), "SIGKILL sent to redis-server");
            redis.onExit().get(10, TimeUnit.SECONDS);
            long killed = System.nanoTime();
            // A 202 already on its way back when the server died may still arrive; later ones would be lies.
            Thread.sleep(500);
            long acceptedDuringOutage = total(clients, c -> c.acceptedEvents.get());
            long retriesDuringOutage = total(clients, c -> c.retries.get());
            Thread.sleep(Math.max(0, outage * 1000L - (System.nanoTime() - killed) / 1_000_000));
            assertEquals(acceptedDuringOutage, total(clients, c -> c.acceptedEvents.get()), "no 202 while Redis was down");
            assertTrue(total(clients, c -> c.retries.get()) > retriesDuringOutage, "clients were refused while Redis was down");

            Process restarted = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("redis.log").toFile())).start();
            long started = System.nanoTime();
            while (total(clients, c -> c.acceptedEvents.get()) == acceptedDuringOutage) {
                assertTrue(restarted.isAlive() || restarted.exitValue() == 0, () -> "redis-server did not start again: " + read(dataDir.resolve("redis.log")));
                assertTrue(System.nanoTime() - started < 5_000_000_000L, "ingest accepts again within 5 s of Redis being back");
                Thread.sleep(50);
            }
            System.out.printf("redis outage %d s; ingest accepted again %d ms after redis-server was started%n",
                    outage, (System.nanoTime() - started) / 1_000_000);
            Thread.sleep(3_000); // more load on the re-established connections, the drainer running again
            for (RetryingClient c : clients.values()) {
                c.close();
            }
            Map<String, Long> refusals = new TreeMap<>();
            clients.values().forEach(c -> c.refusals.forEach((k, v) -> refusals.merge(k, v.get(), Long::sum)));
            System.out.println("events accepted " + total(clients, c -> c.acceptedEvents.get()) + "; answers other than 202: " + refusals);
            assertTrue(refusals.getOrDefault("503 unavailable", 0L) > 0, "the outage was answered 503 unavailable: " + refusals);
            assertEquals(Set.of("503 unavailable"), refusals.keySet(), "only 503 unavailable with Retry-After, no 500");
            assertEquals(0, total(clients, c -> c.unanswered.get()), "every request got an answer (no hang, no timeout)");
            for (var e : clients.entrySet()) {
                assertCountedOnce(e.getKey(), e.getValue());
            }
        } finally {
            for (RetryingClient c : clients.values()) {
                c.close();
            }
            stack.destroy();
            stack.waitFor(60, TimeUnit.SECONDS);
            // The stack stops the redis-server it started; the one started again here is this test's to stop.
            Optional<ProcessHandle> again = Leftovers.running(pidFile, "redis-server");
            if (again.isPresent()) {
                again.get().destroy(); // SIGTERM: syncs its append-only file and exits
                again.get().onExit().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static long total(Map<UUID, RetryingClient> clients, java.util.function.ToLongFunction<RetryingClient> figure) {
        return clients.values().stream().mapToLong(figure).sum();
    }
}
