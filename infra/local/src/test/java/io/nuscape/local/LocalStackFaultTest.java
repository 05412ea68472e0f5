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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
                        } catch (Exception lost) {
                            // No answer: the stack is down or restarting; the contract says: retry the same batch.
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

        @Override
        public void close() throws InterruptedException {
            sending.set(false);
            thread.join();
        }
    }

    /** An ingest token of a new device of the account, enrolled first in the stack's Postgres: only enrolled devices count. */
    String token(UUID account) throws Exception {
        UUID device = UUID.randomUUID();
        var info = Json.MAPPER.readTree(Files.readString(dataDir.resolve("runtime.json")));
        Enrollment.enroll(new TestDatabase(info.get("NUSCAPE_DATABASE_URL").asText(), info.get("NUSCAPE_DATABASE_USER").asText(),
                info.get("NUSCAPE_DATABASE_PASSWORD").asText()), account, device);
        KeySet keys = KeySet.parse(Files.readString(dataDir.resolve("jwt-keys.json")));
        return new TokenIssuer(io.nuscape.core.auth.KeySource.of(keys), Optional.empty(), "nuscape", "nuscape")
                .issue(account, device.toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
    }

    /** Waits until the account's events in the rollups reach the expected number (or a minute passes); checks the DLQ. */
    void assertCountedOnce(UUID account, RetryingClient client) throws Exception {
        var info = Json.MAPPER.readTree(Files.readString(dataDir.resolve("runtime.json")));
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
}
