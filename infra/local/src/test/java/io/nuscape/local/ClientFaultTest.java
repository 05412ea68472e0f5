package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.client.ClientConfig;
import io.nuscape.client.ClientStatus;
import io.nuscape.client.DeadLetter;
import io.nuscape.client.NuScapeClient;
import io.nuscape.client.QueueFullException;
import io.nuscape.client.QueueFullPolicy;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.local.FaultInjectingProxy.Exchange;
import io.nuscape.local.FaultInjectingProxy.Fault;
import io.nuscape.testkit.Enrollment;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against the real functions over HTTP, through a proxy that injects what networks and servers
 * do: throttling and outages with {@code Retry-After}, requests that time out, resets, a connection dropped
 * after the server accepted; then a revoked device, a full queue, token renewal and jumps of the device clock.
 * Each test ends with the rollups compared, per key, with what the device tracked.
 */
class ClientFaultTest {
    @TempDir
    static Path dir;
    static ClientTestStack stack;
    FaultInjectingProxy proxy;
    Path db;

    @BeforeAll
    static void start() throws Exception {
        stack = new ClientTestStack("clientfaults", dir.resolve("stack"), Map.of());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @BeforeEach
    void proxy() throws Exception {
        proxy = new FaultInjectingProxy(stack.url());
        db = dir.resolve(UUID.randomUUID() + ".db");
    }

    @AfterEach
    void closeProxy() throws Exception {
        proxy.close();
    }

    ClientConfig.Builder config() {
        return ClientConfig.builder(db).serverUrl(proxy.url()).batchSize(10).uploadInterval(Duration.ofMillis(200))
                .backoffBase(Duration.ofMillis(100)).backoffCap(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(15));
    }

    /** Tracks {@code n} events of {@code key} a minute ago; adds them to {@code tally}. */
    static void track(NuScapeClient client, String key, int n, long durationMs, Map<String, long[]> tally) {
        for (int i = 0; i < n; i++) {
            client.track("app", key, Instant.now().minusSeconds(60), Duration.ofMillis(durationMs));
            long[] t = tally.computeIfAbsent("app/" + key, k -> new long[2]);
            t[0]++;
            t[1] += durationMs;
        }
    }

    void assertCounted(String device, Map<String, long[]> expected) throws Exception {
        Map<String, long[]> counted = stack.awaitCounted(device, expected, Duration.ofSeconds(30));
        assertEquals(ClientTestStack.describe(expected), ClientTestStack.describe(counted));
    }

    static Map<String, List<Exchange>> byBatch(List<Exchange> exchanges) {
        Map<String, List<Exchange>> out = new HashMap<>();
        for (Exchange e : exchanges) {
            out.computeIfAbsent(e.batchId(), k -> new ArrayList<>()).add(e);
        }
        return out;
    }

    @Test
    void throttlingOutagesTimeoutsAndResetsAreRetriedWithTheSameBatchAndCountedOnce() throws Exception {
        proxy.plan(Fault.RATE_LIMITED, Fault.UNAVAILABLE, Fault.HANG, Fault.RESET, Fault.PASS, Fault.RATE_LIMITED, Fault.PASS, Fault.UNAVAILABLE);
        Map<String, long[]> tally = new TreeMap<>();
        String device;
        try (NuScapeClient client = NuScapeClient.open(config().autoUpload(false).build())) {
            device = client.enroll(stack.enrollmentCode(), "faults", "linux");
            track(client, "faults.a", 17, 1000, tally);
            track(client, "faults.b", 13, 2500, tally);
        }
        // A short timeout for the planned HANG; on a slow machine it may also cut a real answer short, which the
        // client sends again under the same batch_id and the server answers duplicate: checked below.
        try (NuScapeClient client = NuScapeClient.open(config().requestTimeout(Duration.ofSeconds(2)).build())) {
            assertTrue(client.flush(Duration.ofSeconds(60)), client.status().toString());
            assertEquals(ClientStatus.State.READY, client.status().state());
            assertEquals(0, client.status().deadLetters());
        }
        List<Exchange> exchanges = proxy.exchanges();
        Map<String, List<Exchange>> batches = byBatch(exchanges);
        assertEquals(3, batches.size(), "30 events, batches of 10, each formed once: " + exchanges);
        for (List<Exchange> attempts : batches.values()) {
            assertEquals(1, attempts.stream().filter(e -> e.upstreamStatus() == 202 && !e.duplicateAnswer()).count(),
                    "the server accepted each batch once (any other 202 is a duplicate answer): " + attempts);
            assertEquals(10, attempts.get(0).events());
        }
        Exchange throttled = exchanges.get(0);
        assertEquals(Fault.RATE_LIMITED, throttled.fault());
        long waitedMs = (exchanges.get(1).atNanos() - throttled.atNanos()) / 1_000_000;
        assertTrue(waitedMs >= 1000, "Retry-After: 1 honoured: waited " + waitedMs + " ms");
        assertEquals(Fault.HANG, exchanges.get(2).fault());
        assertEquals(exchanges.get(2).batchId(), exchanges.get(4).batchId(), "after a timeout and a reset, the same batch");
        assertCounted(device, tally);
    }

    @Test
    void aConnectionDroppedAfterTheServerAcceptedIsRetriedAndAnsweredDuplicate() throws Exception {
        proxy.plan(Fault.DROP_AFTER_ACCEPT);
        Map<String, long[]> tally = new TreeMap<>();
        String device;
        // Tracked with uploads off, so the ten events make one batch however slowly they are written.
        try (NuScapeClient client = NuScapeClient.open(config().autoUpload(false).build())) {
            device = client.enroll(stack.enrollmentCode(), "dropped", "linux");
            track(client, "dropped.a", 10, 60_000, tally);
        }
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            assertTrue(client.flush(Duration.ofSeconds(30)), client.status().toString());
        }
        List<Exchange> exchanges = proxy.exchanges();
        assertEquals(2, exchanges.size(), exchanges.toString());
        assertEquals(exchanges.get(0).batchId(), exchanges.get(1).batchId());
        assertEquals(202, exchanges.get(0).upstreamStatus());
        assertTrue(exchanges.get(0).upstreamBody().contains("\"duplicate\":false"), exchanges.get(0).upstreamBody());
        assertTrue(exchanges.get(1).duplicateAnswer(), "the retry is answered duplicate: true: " + exchanges.get(1).upstreamBody());
        assertCounted(device, tally);
    }

    @Test
    void aRevokedDeviceStopsUploadingSaysSoAndKeepsItsEvents() throws Exception {
        Map<String, long[]> before = new TreeMap<>();
        Map<String, long[]> after = new TreeMap<>();
        try (NuScapeClient client = NuScapeClient.open(config().build())) {
            String device = client.enroll(stack.enrollmentCode(), "to revoke", "linux");
            track(client, "revoked.before", 5, 1000, before);
            assertTrue(client.flush(Duration.ofSeconds(30)));
            assertCounted(device, before);

            stack.admin("DELETE", "/api/v1/devices/" + device, null, 202);
            int sent = proxy.exchanges().size();
            track(client, "revoked.after", 5, 1000, after);
            assertFalse(client.flush(Duration.ofSeconds(10)), "nothing can be sent now");
            ClientStatus s = client.status();
            assertEquals(ClientStatus.State.REVOKED, s.state());
            assertTrue(s.lastError().contains("device_revoked"), s.lastError());
            assertEquals(5, s.queuedEvents(), "the events stay on the device");
            assertEquals(0, s.deadLetters());
            assertEquals(sent + 1, proxy.exchanges().size(), "one refused attempt, then silence");
            track(client, "revoked.after", 12, 1000, after);
            Thread.sleep(1000);
            assertEquals(sent + 1, proxy.exchanges().size(), "a full batch does not restart uploads");
            assertEquals(403, proxy.exchanges().get(sent).upstreamStatus());
            assertCounted(device, before);

            // Enrolled again (a new device), the queue goes out under the new identity.
            String again = client.enroll(stack.enrollmentCode(), "enrolled again", "linux");
            assertNotEquals(device, again);
            assertTrue(client.flush(Duration.ofSeconds(30)), client.status().toString());
            assertCounted(again, after);
        }
    }

    @Test
    void aFullQueueDropsTheOldestAndCountsThemOrRefuses() throws Exception {
        // Offline (no uploads) until the queue has overflowed: exactly which events were dropped is known.
        Map<String, long[]> kept = new TreeMap<>();
        String device;
        try (NuScapeClient client = NuScapeClient.open(config().autoUpload(false).maxQueuedEvents(20).build())) {
            device = client.enroll(stack.enrollmentCode(), "full", "linux");
            for (int i = 0; i < 30; i++) {
                client.track("app", "full." + i, Instant.now().minusSeconds(60), Duration.ofSeconds(1));
                if (i >= 10) {
                    kept.put("app/full." + i, new long[] {1, 1000});
                }
            }
            assertEquals(20, client.status().queuedEvents());
            assertEquals(10, client.status().droppedEvents());
        }
        try (NuScapeClient client = NuScapeClient.open(config().maxQueuedEvents(20).build())) {
            assertTrue(client.flush(Duration.ofSeconds(30)));
        }
        assertCounted(device, kept);

        // During an outage, with the uploader running: the batch being sent is never dropped, the oldest others are.
        proxy.plan(repeat(Fault.UNAVAILABLE, 1000));
        db = dir.resolve("outage.db");
        Set<String> all = new LinkedHashSet<>();
        String outageDevice;
        try (NuScapeClient client = NuScapeClient.open(config().maxQueuedEvents(20).build())) {
            outageDevice = client.enroll(stack.enrollmentCode(), "outage", "linux");
            for (int i = 0; i < 30; i++) {
                client.track("app", "outage." + i, Instant.now().minusSeconds(60), Duration.ofSeconds(1));
                all.add("app/outage." + i);
                Thread.sleep(20);
            }
            assertEquals(10, client.status().droppedEvents());
            assertEquals(ClientStatus.State.RETRYING, client.status().state());
            proxy.clearPlan();
            assertTrue(client.flush(Duration.ofSeconds(30)), client.status().toString());
        }
        Map<String, long[]> counted = stack.awaitCounted(outageDevice, Map.of("never", new long[0]), Duration.ofSeconds(3));
        assertEquals(20, counted.size(), ClientTestStack.describe(counted));
        for (long[] c : counted.values()) {
            assertEquals(1, c[0], "each counted once");
        }
        for (int i = 20; i < 30; i++) {
            assertTrue(counted.containsKey("app/outage." + i), "the newest are kept: " + i);
        }

        // Refuse: the 21st event is not written.
        db = dir.resolve("refuse.db");
        try (NuScapeClient client = NuScapeClient.open(config().autoUpload(false).maxQueuedEvents(20).queueFullPolicy(QueueFullPolicy.REFUSE).build())) {
            String refusing = client.enroll(stack.enrollmentCode(), "refuse", "linux");
            Map<String, long[]> written = new TreeMap<>();
            track(client, "refuse.a", 20, 1000, written);
            assertThrows(QueueFullException.class, () -> client.track("app", "refuse.b", Instant.now(), Duration.ofSeconds(1)));
            assertEquals(0, client.status().droppedEvents());
            assertTrue(client.flush(Duration.ofSeconds(30)));
            assertCounted(refusing, written);
        }
    }

    static Fault[] repeat(Fault f, int n) {
        Fault[] out = new Fault[n];
        java.util.Arrays.fill(out, f);
        return out;
    }

    static String storedToken(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'token'")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    @Test
    void theTokenIsRenewedBeforeItExpiresAndTheOldOneStopsWorking() throws Exception {
        // A device whose token (minted like the control plane's first one, generation 1) was issued for 12 minutes and has 2
        // left; the client renews at min(5 minutes, a third of its life: 4 minutes).
        UUID device = UUID.randomUUID();
        Enrollment.enroll(stack.db, stack.account, device);
        String expiring = new TokenIssuer(stack.runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                .issue(stack.account, device.toString(), Set.of(Scope.INGEST), 1, Instant.now().minus(Duration.ofMinutes(10)), Duration.ofMinutes(12));
        Map<String, long[]> tally = new TreeMap<>();
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ofMinutes(5)).build())) {
            assertEquals(device.toString(), client.useToken(expiring));
            track(client, "renewed.a", 3, 1000, tally);
            assertTrue(client.flush(Duration.ofSeconds(30)), client.status().toString());
            Instant expires = client.status().tokenExpiresAt();
            assertTrue(expires.isAfter(Instant.now().plus(Duration.ofDays(300))), "renewed for the server's lifetime: " + expires);
        }
        String renewed = storedToken(db);
        assertNotEquals(expiring, renewed, "the new token is kept in the database");
        String batch = "{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + System.currentTimeMillis()
                + ",\"kind\":\"app\",\"key\":\"renewed.b\",\"duration_ms\":1000}]}";
        var old = stack.call("POST", "/api/v1/events/batch", batch, expiring);
        assertEquals(403, old.statusCode(), old.body());
        assertTrue(old.body().contains("device_revoked"));
        assertEquals(202, stack.call("POST", "/api/v1/events/batch", batch, renewed).statusCode());
        tally.put("app/renewed.b", new long[] {1, 1000});

        // With a year left, nothing is renewed.
        try (NuScapeClient client = NuScapeClient.open(config().tokenRenewBefore(Duration.ofDays(30)).build())) {
            track(client, "renewed.c", 2, 1000, tally);
            assertTrue(client.flush(Duration.ofSeconds(30)));
        }
        assertEquals(renewed, storedToken(db));
        assertCounted(device.toString(), tally);
    }

    /** A wall clock the test moves; the client must wait by the monotonic clock whatever this one does. */
    static final class SteppedClock extends Clock {
        final AtomicLong offsetMs = new AtomicLong();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plusMillis(offsetMs.get());
        }
    }

    @Test
    void clockJumpsLoseNothingAndEventsOutsideTheServersWindowBecomeDeadLetters() throws Exception {
        SteppedClock clock = new SteppedClock();
        Map<String, long[]> tally = new TreeMap<>();
        String device;
        String token;
        try (NuScapeClient client = NuScapeClient.open(config().clock(clock).build())) {
            device = client.enroll(stack.enrollmentCode(), "clock", "linux");
            token = storedToken(db);
            // Events stamped with the device clock, as an app would.
            for (int i = 0; i < 4; i++) {
                client.track("app", "clock.ok", clock.instant().minusSeconds(30), Duration.ofSeconds(10));
            }
            assertTrue(client.flush(Duration.ofSeconds(30)));
            // An outage asks for a second's pause: the next attempt meets it.
            int before = proxy.exchanges().size();
            proxy.plan(Fault.UNAVAILABLE);
            clock.offsetMs.set(Duration.ofDays(2).toMillis());
            for (int i = 0; i < 3; i++) {
                client.track("app", "clock.ahead", clock.instant(), Duration.ofSeconds(10));
            }
            clock.offsetMs.set(-Duration.ofDays(40).toMillis());
            for (int i = 0; i < 3; i++) {
                client.track("app", "clock.behind", clock.instant(), Duration.ofSeconds(10));
            }
            clock.offsetMs.set(0);
            for (int i = 0; i < 5; i++) {
                client.track("app", "clock.ok", clock.instant().minusSeconds(30), Duration.ofSeconds(10));
            }
            tally.put("app/clock.ok", new long[] {9, 90_000});
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (proxy.exchanges().size() == before && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // While the client waits out the Retry-After, its clock jumps a day back: the retry still comes after about a second.
            clock.offsetMs.set(-Duration.ofDays(1).toMillis());
            assertTrue(client.flush(Duration.ofSeconds(30)), client.status().toString());
            List<Exchange> exchanges = proxy.exchanges().subList(before, proxy.exchanges().size());
            assertEquals(Fault.UNAVAILABLE, exchanges.get(0).fault());
            long waitedMs = (exchanges.get(1).atNanos() - exchanges.get(0).atNanos()) / 1_000_000;
            assertTrue(waitedMs >= 1000 && waitedMs < 5000, "waited " + waitedMs + " ms after a 1 s Retry-After across a clock jump");

            // The device clock 400 days ahead: the token is still good by the server's clock, so it is not renewed.
            clock.offsetMs.set(Duration.ofDays(400).toMillis());
            client.track("app", "clock.far", Instant.now().minusSeconds(30), Duration.ofSeconds(10));
            tally.put("app/clock.far", new long[] {1, 10_000});
            assertTrue(client.flush(Duration.ofSeconds(30)));
            assertEquals(token, storedToken(db), "no renewal because the device clock jumped");

            ClientStatus s = client.status();
            assertEquals(0, s.queuedEvents());
            assertEquals(6, s.deadLetters());
            List<DeadLetter> dead = client.deadLetters(10);
            assertEquals(3, dead.stream().filter(d -> d.key().equals("clock.ahead") && d.reason().contains("future")).count(), dead.toString());
            assertEquals(3, dead.stream().filter(d -> d.key().equals("clock.behind") && d.reason().contains("30 days")).count(), dead.toString());
            assertTrue(dead.stream().allMatch(d -> d.status() == 202 && d.error().equals("rejected")));
        }
        assertCounted(device, tally);
    }
}
