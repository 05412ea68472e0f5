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

    static void awaitUploads(ScriptedServer server, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (server.uploads.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void aFullBatchGoesAtOnceAndAPartialOneWaitsForTheInterval() throws Exception {
        // An interval no test run can reach: whatever goes out went because a batch was full.
        NuScapeClient first = enrolled(config().uploadInterval(Duration.ofHours(1)));
        try {
            track(first, 10, "full");
            awaitUploads(server, 1, Duration.ofSeconds(10));
            assertEquals(1, server.uploads.size(), "10 events make a batch: sent without waiting for the interval");
            track(first, 3, "partial");
            Thread.sleep(800);
            assertEquals(1, server.uploads.size(), "3 events wait for the interval");
        } finally {
            first.close(Duration.ZERO); // without trying to send what is queued
        }
        assertEquals(1, server.uploads.size());
        // With a short interval, the partial batch goes out by itself.
        try (NuScapeClient client = NuScapeClient.open(config().uploadInterval(Duration.ofMillis(300)).build())) {
            awaitUploads(server, 2, Duration.ofSeconds(10));
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
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ZERO).build())) {
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
            List<String> ids = new ArrayList<>();
            for (Future<List<UUID>> f : futures) {
                for (UUID id : f.get()) {
                    ids.add(id.toString());
                }
            }
            pool.shutdown();
            assertEquals(800, new HashSet<>(ids).size(), "ids are unique");
            assertTrue(client.flush(Duration.ofSeconds(20)));
            List<String> counted = server.countedEventIds();
            assertEquals(800, counted.size(), "each event counted once, none in two batches");
            assertEquals(new HashSet<>(ids), new HashSet<>(counted));
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
        try (NuScapeClient client = enrolled(config().maxQueuedEvents(11))) {
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
            // Waits for the token's next trial (default: an hour), so no second upload in this test.
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
            assertTrue(client.status().lastError().startsWith("401 invalid_token"), client.status().lastError());
            assertFalse(client.flush(Duration.ofMillis(500)));
            assertEquals(1, server.uploads.size());
        }
    }

    @Test
    void aFourHundredThatIsNotTheContractsIsRetriedAtTheLongestBackoffNotDeadLettered() throws Exception {
        // A wrong URL or a proxy: an HTML 404, then a JSON 405 whose error the contract does not have.
        server.script.add(new ScriptedServer.Answer(404, "<html><body>Not Found</body></html>", Map.of()));
        server.script.add(new ScriptedServer.Answer(405, "{\"error\":\"method_not_allowed\"}", Map.of()));
        try (NuScapeClient client = enrolled(config().backoffCap(Duration.ofMillis(700)))) {
            track(client, 4, "proxied");
            awaitUploads(server, 1, Duration.ofSeconds(5));
            Thread.sleep(100);
            ClientStatus s = client.status();
            assertEquals(ClientStatus.State.RETRYING, s.state());
            assertTrue(s.lastError().startsWith("404"), s.lastError());
            assertEquals(0, s.deadLetters(), "not the contract's answer: the batch is kept");
            assertEquals(4, s.queuedEvents());
            assertTrue(client.flush(Duration.ofSeconds(10)), client.status().toString());
            assertEquals(3, server.uploads.size());
            assertEquals(1, server.uploads.stream().map(ScriptedServer.Upload::batchId).distinct().count(), "the same batch each time");
            for (int i = 1; i < 3; i++) {
                long waited = server.uploads.get(i).atNanos() - server.uploads.get(i - 1).atNanos();
                assertTrue(waited >= 650_000_000L, "waited the longest backoff (700 ms), not " + waited / 1_000_000 + " ms");
            }
            assertEquals(0, client.status().deadLetters());
            assertEquals(4, server.acceptedEventIds().size());
        }
    }

    @Test
    void deadLettersCanBeQueuedAgainAndAreThenSent() throws Exception {
        server.script.add(ScriptedServer.Answer.error(400, "invalid_request", Map.of()));
        try (NuScapeClient client = enrolled(config())) {
            List<UUID> ids = track(client, 4, "again");
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(4, client.status().deadLetters());
            assertEquals(4, client.requeueDeadLetters());
            assertEquals(0, client.status().deadLetters());
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.toSet()), server.acceptedEventIds(),
                    "sent again with their own ids");
            assertEquals(0, client.requeueDeadLetters());
        }
    }

    @Test
    void aBatchTooLargeIsSentAgainInHalvesAndOnlyASingleEventBecomesADeadLetter() throws Exception {
        server.script.add(ScriptedServer.Answer.error(413, "payload_too_large", Map.of()));
        server.script.add(new ScriptedServer.Answer(400, "{\"error\":\"invalid_request\",\"message\":\"too many events: at most 5 per batch; split it\"}", Map.of()));
        try (NuScapeClient client = enrolled(config())) {
            List<UUID> ids = track(client, 10, "large");
            assertTrue(client.flush(Duration.ofSeconds(10)), client.status().toString());
            assertEquals(0, client.status().deadLetters());
            List<Integer> sizes = server.uploads.stream().map(u -> u.body().path("events").size()).toList();
            assertEquals(List.of(10, 5, 2, 2, 2, 2, 2), sizes, "halved at each refusal, then kept at that size");
            assertEquals(7, server.uploads.stream().map(ScriptedServer.Upload::batchId).distinct().count(), "every batch formed anew has its own id");
            assertEquals(ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.toSet()), server.acceptedEventIds());
            assertEquals(10, server.countedEventIds().size());

            server.script.add(ScriptedServer.Answer.error(413, "payload_too_large", Map.of()));
            track(client, 1, "alone");
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(1, client.status().deadLetters(), "a single event too large cannot be split");
            assertEquals(413, client.deadLetters(1).get(0).status());
        }
    }

    @Test
    void aRefusedTokenIsTriedAgainAfterItsWaitAndUploadsResume() throws Exception {
        server.script.add(ScriptedServer.Answer.error(401, "invalid_token", Map.of()));
        try (NuScapeClient client = enrolled(config().tokenRejectedRetry(Duration.ofMillis(800)))) {
            track(client, 4, "probed");
            awaitUploads(server, 1, Duration.ofSeconds(5));
            Thread.sleep(100);
            assertEquals(ClientStatus.State.TOKEN_REJECTED, client.status().state());
            assertFalse(client.flush(Duration.ofMillis(200)), "a flush does not wait for the next trial");
            awaitUploads(server, 2, Duration.ofSeconds(5));
            assertTrue(client.flush(Duration.ofSeconds(5)), client.status().toString());
            long waited = server.uploads.get(1).atNanos() - server.uploads.get(0).atNanos();
            assertTrue(waited >= 750_000_000L, "tried again after tokenRejectedRetry, not " + waited / 1_000_000 + " ms");
            assertEquals(4, server.acceptedEventIds().size());
            assertEquals(ClientStatus.State.READY, client.status().state());
            assertEquals(null, client.status().lastError());
        }
    }

    @Test
    void aFlushRightAfterATrackIsNeverMissedWithoutBackgroundUploads() throws Exception {
        // Threads that track and flush in turn: one's track lands while the uploader reads the queue for another's flush.
        try (NuScapeClient client = enrolled(config().autoUpload(false).batchSize(1000).uploadInterval(Duration.ofHours(1)).syncEveryWrite(false))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Integer>> missed = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                missed.add(pool.submit(() -> {
                    int n = 0;
                    for (int i = 0; i < 50; i++) {
                        client.track("app", "flush" + thread, Instant.now(), Duration.ZERO);
                        n += client.flush(Duration.ofSeconds(3)) ? 0 : 1;
                    }
                    return n;
                }));
            }
            int total = 0;
            for (Future<Integer> f : missed) {
                total += f.get();
            }
            pool.shutdown();
            assertEquals(0, total, "flushes that were not woken");
            assertEquals(200, server.acceptedEventIds().size());
        }
    }

    @Test
    void anEnrollmentAnswerWithATokenIsNeverPrinted() {
        server.enrollBody = "{\"token\":\"$TOKEN\",\"expires_at\":\"2030-01-01T00:00:00Z\"}";
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            ClientException e = assertThrows(ClientException.class, () -> client.enroll("GOOD-CODE", "x", "linux"));
            assertTrue(e.getMessage().contains("device_id"), e.getMessage());
            assertFalse(e.getMessage().contains(server.currentToken), "the token is not in: " + e.getMessage());
            assertFalse(e.getMessage().contains(server.currentToken.split("\\.")[1]), e.getMessage());
        }
    }

    @Test
    void aRevocationAnsweredAfterANewEnrollmentDoesNotStopIt() throws Exception {
        try (NuScapeClient client = enrolled(config())) {
            server.delayMillis = 1500;
            server.script.add(ScriptedServer.Answer.error(403, "device_revoked", Map.of()));
            track(client, 3, "raced");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.inFlight.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            server.delayMillis = 0;
            client.enroll("GOOD-CODE", "again", "linux"); // while the upload with the old token waits for its 403
            assertTrue(client.flush(Duration.ofSeconds(10)), client.status().toString());
            assertEquals(ClientStatus.State.READY, client.status().state());
            assertEquals(3, server.acceptedEventIds().size());
        }
    }

    @Test
    void anOpenThatFailsLeavesTheFileFreeToOpenAgain() throws Exception {
        NuScapeClient.open(config().build()).close(Duration.ZERO);
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("client.db")); var st = c.createStatement()) {
            st.execute("INSERT INTO meta (name, value) VALUES ('server_offset_ms', 'not a number')");
        }
        assertThrows(RuntimeException.class, () -> NuScapeClient.open(config().build()));
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("client.db")); var st = c.createStatement()) {
            st.execute("DELETE FROM meta WHERE name = 'server_offset_ms'");
        }
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            assertEquals(ClientStatus.State.NOT_ENROLLED, client.status().state(), "the failed open did not keep the file");
        }
    }

    @Test
    void aTokenRefusedUnderAnEarlierVersionIsProbedAgain() throws Exception {
        try (NuScapeClient client = enrolled(config().autoUpload(false))) {
            track(client, 2, "earlier");
        }
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("client.db")); var st = c.createStatement()) {
            st.execute("INSERT INTO meta (name, value) VALUES ('halted', 'token_rejected'), ('halted_message', '401 invalid_token')");
        }
        try (NuScapeClient client = NuScapeClient.open(config().tokenRejectedRetry(Duration.ofMillis(300)).build())) {
            assertEquals(ClientStatus.State.TOKEN_REJECTED, client.status().state());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.acceptedEventIds().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(2, server.acceptedEventIds().size(), "probed after tokenRejectedRetry");
            assertEquals(ClientStatus.State.READY, client.status().state());
        }
    }
}
