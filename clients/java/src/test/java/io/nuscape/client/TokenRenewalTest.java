package io.nuscape.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token renewal against the scripted server: when it happens, and what a failed or odd answer leaves behind. */
class TokenRenewalTest {
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

    Path db() {
        return dir.resolve("client.db");
    }

    ClientConfig.Builder config() {
        return ClientConfig.builder(db()).serverUrl(server.url()).batchSize(10).uploadInterval(Duration.ofMillis(200))
                .backoffBase(Duration.ofMillis(50)).backoffCap(Duration.ofMillis(400)).tokenRenewBefore(Duration.ofMinutes(15));
    }

    /** Stores a token issued {@code issuedAgo} ago with {@code left} to live. */
    void storeToken(Duration issuedAgo, Duration left) {
        long now = Instant.now().getEpochSecond();
        server.currentToken = ScriptedServer.token("device-1", now - issuedAgo.toSeconds(), now + left.toSeconds());
        try (NuScapeClient client = NuScapeClient.open(config().autoUpload(false).tokenRenewBefore(Duration.ZERO).build())) {
            client.useToken(server.currentToken);
        }
    }

    String meta(String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = '" + name + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db()); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute(statement);
        }
    }

    static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void aTokenIsRenewedOnATickEvenWithNothingQueuedAndWithoutBackgroundUploads() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        try (NuScapeClient client = NuScapeClient.open(config().autoUpload(false).build())) {
            await(() -> server.renewals.get() > 0, Duration.ofSeconds(5));
            assertEquals(1, server.renewals.get(), "renewed with an empty queue");
            assertEquals(0, server.uploads.size());
        }
        assertEquals(server.currentToken, meta("token"));
    }

    @Test
    void aShortLivedTokenIsRenewedInTheLastThirdOfItsLifeNotBeforeEveryBatch() throws Exception {
        // Lives 30 minutes, 20 left: tokenRenewBefore (1 day) would renew it now; a third of its life (10 min) does not.
        storeToken(Duration.ofMinutes(10), Duration.ofMinutes(20));
        String token = server.currentToken;
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ofDays(1)).build())) {
            NuScapeClientTest.track(client, 3, "short");
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(0, server.renewals.get());
        }
        assertEquals(token, meta("token"));
        // Lives 30 minutes, 9 left: in its last third, so renewed.
        storeToken(Duration.ofMinutes(21), Duration.ofMinutes(9));
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ofDays(1)).build())) {
            NuScapeClientTest.track(client, 3, "short");
            assertTrue(client.flush(Duration.ofSeconds(5)));
            assertEquals(1, server.renewals.get());
        }
    }

    @Test
    void aRenewedTokenWithAnUnreadableExpiryIsStillKeptAndUsed() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        server.renewExpiresAt = "next tuesday";
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            NuScapeClientTest.track(client, 3, "odd");
            assertTrue(client.flush(Duration.ofSeconds(5)), client.status().toString());
            assertEquals(1, server.renewals.get());
            assertEquals("Bearer " + server.currentToken, server.uploads.get(0).authorization());
            assertTrue(client.status().tokenExpiresAt().isAfter(Instant.now().plus(Duration.ofDays(300))), "the token's own exp");
        }
        assertEquals(server.currentToken, meta("token"));
    }

    @Test
    void aRenewedTokenTheDatabaseRefusesIsUsedAndSavedOnceItCan() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        String old = server.currentToken;
        sql("CREATE TRIGGER refuse_token BEFORE UPDATE ON meta WHEN NEW.name = 'token' BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END");
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            NuScapeClientTest.track(client, 3, "unsaved");
            assertTrue(client.flush(Duration.ofSeconds(5)), "uploads go on with the token held in memory: " + client.status());
            assertEquals(1, server.renewals.get());
            assertNotEquals(old, server.currentToken);
            assertEquals("Bearer " + server.currentToken, server.uploads.get(0).authorization());
            assertEquals(old, meta("token"), "the database refused it so far");
            sql("DROP TRIGGER refuse_token");
            await(() -> {
                try {
                    return server.currentToken.equals(meta("token"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(5));
            assertEquals(server.currentToken, meta("token"), "saved at a later cycle");
            assertEquals(1, server.renewals.get());
        }
    }

    @Test
    void aThrottledRenewalWaitsAtLeastItsRetryAfter() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        server.renewScript.add(ScriptedServer.Answer.error(429, "rate_limited", Map.of("Retry-After", "7200")));
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            await(() -> server.renewalRequests.get() > 0, Duration.ofSeconds(5));
            Thread.sleep(200);
            String error = client.status().lastError();
            assertNotNull(error);
            // 7 200 s capped by maxRetryAfter (1 h); without it the renewal backoff's first wait is at most a minute.
            assertTrue(error.contains("429 rate_limited") && error.contains("renewing again in 3600 s"), error);
            assertEquals(1, server.renewalRequests.get());
        }
    }

    @Test
    void aFailedRenewalLeavesUploadsGoingWithTheCurrentToken() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        String token = server.currentToken;
        // Several: the renewal backoff's first wait is random (up to a minute) and may be short.
        for (int i = 0; i < 5; i++) {
            server.renewScript.add(ScriptedServer.Answer.error(503, "unavailable", Map.of()));
        }
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            NuScapeClientTest.track(client, 3, "failed");
            assertTrue(client.flush(Duration.ofSeconds(5)), client.status().toString());
            assertTrue(server.renewalRequests.get() >= 1);
            assertEquals(0, server.renewals.get());
            assertEquals("Bearer " + token, server.uploads.get(0).authorization());
        }
        assertEquals(token, meta("token"));
        assertEquals(null, meta("renewal_in_doubt_at"), "a 503 answered: nothing in doubt");

        // No answer in time: the server may have renewed, which is noted; uploads still go with the token held.
        server.renewDelayMillis = 1500;
        server.renewScript.clear();
        int before = server.renewalRequests.get();
        for (int i = 0; i < 5; i++) {
            server.renewScript.add(ScriptedServer.Answer.error(503, "unavailable", Map.of()));
        }
        try (NuScapeClient client = NuScapeClient.open(config().requestTimeout(Duration.ofMillis(500)).build())) {
            NuScapeClientTest.track(client, 2, "timeout");
            assertTrue(client.flush(Duration.ofSeconds(5)), client.status().toString());
            assertTrue(server.renewalRequests.get() > before);
        }
        assertNotNull(meta("renewal_in_doubt_at"));
    }

    @Test
    void aRenewalAnsweredAfterANewEnrollmentDoesNotReplaceIt() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        server.renewDelayMillis = 1500;
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            await(() -> server.renewalRequests.get() > 0, Duration.ofSeconds(5));
            client.enroll("GOOD-CODE", "again", "linux");
            String enrolled = meta("token");
            await(() -> server.renewals.get() > 0, Duration.ofSeconds(5));
            Thread.sleep(300);
            assertEquals(enrolled, meta("token"), "the enrollment's token stays");
        }
    }

    @Test
    void aRenewedTokenThatIsAlreadyDueAgainIsNotRenewedEveryCycle() throws Exception {
        storeToken(Duration.ofDays(300), Duration.ofMinutes(10));
        server.renewExpiresAt = Instant.now().plus(Duration.ofMinutes(5)).toString(); // within tokenRenewBefore (15 min)
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            await(() -> server.renewals.get() > 0, Duration.ofSeconds(5));
            Thread.sleep(2000); // ten cycles of 200 ms
            assertTrue(server.renewals.get() <= 2, "renewals: " + server.renewals.get());
        }
    }
}
