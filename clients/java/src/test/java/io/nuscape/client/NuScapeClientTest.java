package io.nuscape.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a scripted stand-in of the contract's routes: batching, retries, dead letters, revocation, renewal. */
class NuScapeClientTest {
    @TempDir
    Path dir;
    ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ClientConfig.Builder config() {
        return ClientConfig.builder(dir.resolve("client.db")).serverUrl(server.url()).batchSize(10)
                .uploadInterval(Duration.ofMillis(200)).backoffBase(Duration.ofMillis(50)).backoffCap(Duration.ofMillis(400));
    }

    NuScapeClient enrolled(ClientConfig.Builder b) {
        NuScapeClient client = NuScapeClient.open(b.build());
        client.enroll("GOOD-CODE", "test", "linux");
        return client;
    }

    static List<UUID> track(NuScapeClient client, int n, String key) {
        List<UUID> ids = new ArrayList<>();
        Instant start = Instant.now().minusSeconds(120);
        for (int i = 0; i < n; i++) {
            ids.add(client.track("app", key, start.plusMillis(i), Duration.ofSeconds(1)));
        }
        return ids;
    }

    @Test
    void batchesAreGzippedAtMostBatchSizeAndEveryEventArrives() throws Exception {
        try (NuScapeClient client = enrolled(config())) {
            List<UUID> ids = track(client, 35, "com.example");
            assertTrue(client.flush(Duration.ofSeconds(10)));
            assertEquals(35, server.acceptedEventIds().size());
            for (UUID id : ids) {
                assertTrue(server.acceptedEventIds().contains(id.toString()));
            }
            for (ScriptedServer.Upload u : server.uploads) {
                assertEquals("gzip", u.encoding());
                assertTrue(u.body().path("events").size() <= 10);
                JsonNode e = u.body().path("events").get(0);
                assertTrue(e.path("ts").asText().endsWith("Z"), "RFC 3339 in UTC");
                assertEquals(1000, e.path("duration_ms").asLong());
            }
            assertEquals(1, server.maxInFlight.get(), "one upload at a time");
            ClientStatus s = client.status();
            assertEquals(0, s.queuedEvents());
            assertNotNull(s.lastUploadAt());
            assertEquals(ClientStatus.State.READY, s.state());
        }
    }

    @Test
    void aFullBatchGoesAtOnceAndAPartialOneWaitsForTheInterval() throws Exception {
        try (NuScapeClient client = enrolled(config().uploadInterval(Duration.ofSeconds(3)))) {
            track(client, 10, "full");
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (server.uploads.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, server.uploads.size(), "10 events make a batch: sent without waiting 3 s");
            track(client, 3, "partial");
            Thread.sleep(800);
            assertEquals(1, server.uploads.size(), "3 events wait for the interval");
            deadline = System.nanoTime() + 5_000_000_000L;
            while (server.uploads.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(2, server.uploads.size(), "sent at the interval");
            assertEquals(3, server.uploads.get(1).body().path("events").size());
        }
    }

    @Test
    void retriesSendTheSameBatchAndHonourRetryAfter() throws Exception {
        server.script.add(ScriptedServer.Answer.error(429, "rate_limited", Map.of("Retry-After", "1")));
        server.script.add(ScriptedServer.Answer.error(503, "unavailable", Map.of()));
        server.script.add(new ScriptedServer.Answer(502, "<html>bad gateway</html>", Map.of()));
        try (NuScapeClient client = enrolled(config())) {
            track(client, 5, "retry");
            assertTrue(client.flush(Duration.ofSeconds(15)));
            assertEquals(4, server.uploads.size());
            Set<String> batchIds = new HashSet<>();
            for (ScriptedServer.Upload u : server.uploads) {
                batchIds.add(u.batchId());
                assertEquals(new String(server.uploads.get(0).raw(), java.nio.charset.StandardCharsets.ISO_8859_1),
                        new String(u.raw(), java.nio.charset.StandardCharsets.ISO_8859_1), "the very same bytes on every retry");
            }
            assertEquals(1, batchIds.size());
            long waited = server.uploads.get(1).atNanos() - server.uploads.get(0).atNanos();
            assertTrue(waited >= 1_000_000_000L, "Retry-After: 1 was honoured, waited " + waited / 1_000_000 + " ms");
            assertEquals(5, server.acceptedEventIds().size());
            assertEquals(ClientStatus.State.READY, client.status().state());
            assertEquals(null, client.status().lastError());
        }
    }

    @Test
    void aRefusedBatchBecomesDeadLettersWithTheServersAnswer() throws Exception {
        server.script.add(ScriptedServer.Answer.error(400, "invalid_request", Map.of()));
        try (NuScapeClient client = enrolled(config())) {
            List<UUID> ids = track(client, 4, "refused");
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(1, server.uploads.size(), "a 400 is not retried");
            assertEquals(4, client.status().deadLetters());
            List<DeadLetter> dead = client.deadLetters(10);
            assertEquals(4, dead.size());
            assertEquals(400, dead.get(0).status());
            assertEquals("invalid_request", dead.get(0).error());
            assertTrue(dead.get(0).reason().contains("scripted invalid_request"), dead.get(0).reason());
            assertTrue(ids.contains(dead.get(0).eventId()));
            assertTrue(client.status().lastError().contains("400 invalid_request"));
        }
    }

    @Test
    void eventsRejectedOneByOneAreDeadLettersAndTheRestLeaveTheQueue() throws Exception {
        server.rejectEvent = e -> e.path("key").asText().equals("bad");
        try (NuScapeClient client = enrolled(config())) {
            track(client, 3, "good");
            UUID bad = client.track("app", "bad", Instant.now(), Duration.ZERO);
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(0, client.status().queuedEvents());
            List<DeadLetter> dead = client.deadLetters(10);
            assertEquals(1, dead.size());
            assertEquals(bad, dead.get(0).eventId());
            assertEquals(202, dead.get(0).status());
            assertEquals("scripted rejection", dead.get(0).reason());
        }
    }

    @Test
    void aRevokedDeviceStopsUploadingAndSaysSo() throws Exception {
        try (NuScapeClient client = enrolled(config())) {
            server.currentToken = "replaced";
            track(client, 3, "revoked");
            assertFalse(client.flush(Duration.ofSeconds(5)), "flush cannot finish once revoked");
            int seen = server.uploads.size();
            assertEquals(1, seen);
            ClientStatus s = client.status();
            assertEquals(ClientStatus.State.REVOKED, s.state());
            assertTrue(s.lastError().contains("device_revoked"), s.lastError());
            assertEquals(3, s.queuedEvents(), "events stay queued");
            track(client, 12, "more");
            assertFalse(client.flush(Duration.ofMillis(500)));
            Thread.sleep(500);
            assertEquals(seen, server.uploads.size(), "nothing more is sent");

            client.enroll("GOOD-CODE", "again", "linux");
            assertTrue(client.flush(Duration.ofSeconds(5)), "enrolling again resumes uploads");
            assertEquals(15, server.acceptedEventIds().size());
        }
    }

    @Test
    void theTokenIsRenewedBeforeItExpiresAndKept() throws Exception {
        Path db = dir.resolve("client.db");
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            server.currentToken = ScriptedServer.token("device-1", Instant.now().plusSeconds(600).getEpochSecond());
            client.useToken(server.currentToken);
        }
        String before = server.currentToken;
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ofMinutes(15)).build())) {
            track(client, 2, "renew");
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(1, server.renewals.get(), "10 minutes left, renewed at 15");
            assertNotEquals(before, server.currentToken);
            assertTrue(client.status().tokenExpiresAt().isAfter(Instant.now().plus(Duration.ofDays(300))));
            assertEquals(("Bearer " + server.currentToken), server.uploads.get(0).authorization());
        }
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ofMinutes(15)).build())) {
            track(client, 1, "after");
            assertTrue(client.flush(Duration.ofSeconds(5)), "the renewed token was kept in " + db);
            assertEquals(1, server.renewals.get(), "not renewed again");
        }
    }

    @Test
    void flushAndCloseWaitAtMostTheirTimeout() throws Exception {
        server.delayMillis = 3000;
        NuScapeClient client = enrolled(config().requestTimeout(Duration.ofSeconds(20)));
        track(client, 3, "slow");
        long t0 = System.nanoTime();
        assertFalse(client.flush(Duration.ofMillis(300)));
        long flushMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(flushMs < 1500, "flush took " + flushMs + " ms");
        t0 = System.nanoTime();
        client.close(Duration.ofMillis(300));
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closeMs < 2500, "close took " + closeMs + " ms");
        server.delayMillis = 0;
        try (NuScapeClient again = NuScapeClient.open(config().build())) {
            assertTrue(again.flush(Duration.ofSeconds(10)), "what close left is sent after a restart");
            assertEquals(3, server.acceptedEventIds().size());
        }
    }

    @Test
    void manyThreadsTrackAtOnceAndNothingIsLostOrDuplicated() throws Exception {
        try (NuScapeClient client = enrolled(config().batchSize(50).syncEveryWrite(false))) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<List<UUID>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(pool.submit(() -> track(client, 100, "thread" + thread)));
            }
            Set<String> ids = new HashSet<>();
            for (Future<List<UUID>> f : futures) {
                for (UUID id : f.get()) {
                    ids.add(id.toString());
                }
            }
            pool.shutdown();
            assertEquals(800, ids.size(), "ids are unique");
            assertTrue(client.flush(Duration.ofSeconds(20)));
            assertEquals(ids, server.acceptedEventIds());
            assertEquals(1, server.maxInFlight.get());
        }
    }

    @Test
    void wrongEnrollmentCodesAndBadEventsFailAtTheCall() {
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            ClientException e = assertThrows(ClientException.class, () -> client.enroll("WRONG", "x", "linux"));
            assertEquals(400, e.status());
            assertEquals("invalid_request", e.error());
            assertEquals(ClientStatus.State.NOT_ENROLLED, client.status().state());
            assertThrows(IllegalArgumentException.class, () -> client.track("App", "k", Instant.now(), Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> client.track("app", "", Instant.now(), Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> client.track("app", "k", Instant.now(), Duration.ofHours(25)));
            assertThrows(IllegalArgumentException.class, () -> client.track("app", "a\u0007b", Instant.now(), Duration.ZERO));
            client.track("app", "k", Instant.now(), Duration.ZERO);
            assertFalse(client.flush(Duration.ofSeconds(1)), "not enrolled: nothing can be sent");
            assertEquals(1, client.status().queuedEvents());
        }
        assertThrows(IllegalStateException.class, () -> {
            try (NuScapeClient a = NuScapeClient.open(config().build()); NuScapeClient b = NuScapeClient.open(config().build())) {
                a.status();
                b.status();
            }
        }, "one client per database and process");
    }

    @Test
    void anActivityWatchExportIsImportedOnceHoweverOftenItIsImported() throws Exception {
        Path export = dir.resolve("aw-export.json");
        java.nio.file.Files.writeString(export, io.nuscape.client.internal.ActivityWatchExport.scenario(Instant.now()).text());
        try (NuScapeClient client = enrolled(config().maxQueuedEvents(10))) {
            ImportReport first = client.importActivityWatch(export);
            assertEquals(6, first.queued());
            assertEquals(0, first.alreadyImported());
            assertEquals(1_200_000, first.afkExcludedMs());
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(6, server.acceptedEventIds().size());
            int uploads = server.uploads.size();
            ImportReport again = client.importActivityWatch(export);
            assertEquals(0, again.queued());
            assertEquals(6, again.alreadyImported());
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(uploads, server.uploads.size(), "nothing sent again");
        }
    }

    @Test
    void aRefusedTokenStopsUploadsWithoutDeadLetteringTheBatch() throws Exception {
        server.script.add(ScriptedServer.Answer.error(401, "invalid_token", Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
        try (NuScapeClient client = enrolled(config())) {
            track(client, 4, "expired");
            assertFalse(client.flush(Duration.ofSeconds(5)));
            ClientStatus s = client.status();
            assertEquals(ClientStatus.State.TOKEN_REJECTED, s.state());
            assertTrue(s.lastError().startsWith("401 invalid_token"), s.lastError());
            assertEquals(4, s.queuedEvents(), "the batch is not the problem: it stays queued");
            assertEquals(0, s.deadLetters());
            assertEquals(1, server.uploads.size());
        }
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            assertEquals(ClientStatus.State.TOKEN_REJECTED, client.status().state(), "remembered across restarts: no hammering");
            assertFalse(client.flush(Duration.ofMillis(500)));
            assertEquals(1, server.uploads.size());
        }
    }
}
