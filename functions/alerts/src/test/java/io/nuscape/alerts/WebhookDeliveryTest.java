package io.nuscape.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nuscape.webhooksender.HttpWebhookSender;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.audit.Change;
import io.nuscape.core.webhook.Delivery;
import io.nuscape.core.webhook.ReceiverGuard;
import io.nuscape.core.webhook.RetrySchedule;
import io.nuscape.core.webhook.WebhookDeliverer;
import io.nuscape.core.webhook.WebhookSender;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresWebhookStore;
import io.nuscape.testkit.MovableClock;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook deliveries on real Postgres (the deliverer as the alerts role) to real HTTP receivers on loopback:
 * signatures checked with an HMAC computed here, retries on an injected clock, slow, redirecting and
 * talkative receivers, two deliverers at once, and the address guard of production.
 */
class WebhookDeliveryTest {
    static TestDatabase db;
    static ConnectionPool owner;
    static ConnectionPool alertsRole;
    static final StructuredLog QUIET = new StructuredLog("alerts", StructuredLog.Level.ERROR, System.out);

    /** A database of its own for each test: deliveries left pending by one test must not be claimed by another. */
    @BeforeEach
    void start() throws Exception {
        db = TestPostgres.newDatabase("webhooks");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        owner = new ConnectionPool(new Database(db.jdbcUrl(), db.user(), db.password()), 4, 5_000);
        TestDatabase role = db.asRole("nuscape_alerts");
        alertsRole = new ConnectionPool(new Database(role.jdbcUrl(), role.user(), role.password()), 8, 5_000);
    }

    @AfterEach
    void stop() {
        owner.close();
        alertsRole.close();
    }

    /** A receiver on loopback recording what it got; {@code answer} decides the status (and may sleep). */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();

        interface Answer {
            int status(byte[] body) throws Exception;
        }

        Receiver(Answer answer) throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                received.add(Map.of("signature", String.valueOf(ex.getRequestHeaders().getFirst("NuScape-Signature")),
                        "body", new String(body, StandardCharsets.UTF_8), "path", ex.getRequestURI().getPath()));
                int status;
                try {
                    status = answer.status(body);
                } catch (Exception e) {
                    status = 599;
                }
                if (status >= 300 && status < 400) {
                    ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + server.getAddress().getPort() + "/redirected");
                }
                ex.sendResponseHeaders(status, -1);
                ex.close();
            });
            server.start();
        }

        URI url(String path) {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static UUID account() throws Exception {
        UUID account = UUID.randomUUID();
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("INSERT INTO accounts (account_id, name) VALUES (?, 'a')")) {
            s.setObject(1, account);
            s.executeUpdate();
        }
        return account;
    }

    static String register(UUID account, URI url, String... events) throws Exception {
        String secret = "whsec_test_" + UUID.randomUUID();
        new PostgresWebhookStore(owner).create(account, url, List.of(events), secret, Change.system(Instant.now()));
        return secret;
    }

    /**
     * An alert recorded as the evaluator records one, as its role (which cannot read webhooks): the trigger
     * queues the deliveries all the same.
     */
    static UUID alert(UUID account, String type, Instant at) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = db.asRole("nuscape_alerts").connect(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO alerts (alert_id, account_id, type, day, raised_at, details) VALUES (?, ?, ?, current_date, ?, ?::jsonb)")) {
            s.setObject(1, id);
            s.setObject(2, account);
            s.setString(3, type);
            s.setTimestamp(4, java.sql.Timestamp.from(at));
            s.setString(5, "{\"month\":\"2026-11\",\"events_accepted\":80,\"monthly_event_quota\":100}");
            s.executeUpdate();
        }
        return id;
    }

    static WebhookDeliverer deliverer(java.time.Clock clock, Duration timeout) {
        return new WebhookDeliverer(new PostgresWebhookStore(alertsRole), new HttpWebhookSender(ReceiverGuard.LOCAL, timeout),
                RetrySchedule.DEFAULT, clock, new SplittableRandom(7), QUIET);
    }

    static List<Delivery> log(UUID account, UUID webhookId) throws Exception {
        return new PostgresWebhookStore(owner).deliveries(account, webhookId, 100);
    }

    static UUID webhookOf(UUID account) throws Exception {
        return new PostgresWebhookStore(owner).list(account).get(0).webhookId();
    }

    /** The signature as a receiver computes it, with nothing of NuScape's code. */
    static String independentSignature(String secret, long t, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anAlertIsPostedSignedOnceToEachSubscribedWebhookAndLogged() throws Exception {
        try (Receiver r = new Receiver(body -> 204); Receiver other = new Receiver(body -> 200)) {
            UUID account = account();
            String secret = register(account, r.url("/hook"), "quota.warning", "limit.exceeded");
            register(account, other.url("/other"), "limit.warning"); // not subscribed to this type
            UUID alertId = alert(account, "quota.warning", Instant.now());
            MovableClock clock = new MovableClock(Instant.now());
            WebhookDeliverer.Report report = deliverer(clock, Duration.ofSeconds(2)).run(10);
            assertEquals(1, report.delivered(), report.toString());
            assertEquals(1, r.received.size());
            assertEquals(0, other.received.size(), "a webhook gets only the types it asked for");

            String body = (String) r.received.get(0).get("body");
            String header = (String) r.received.get(0).get("signature");
            long t = Long.parseLong(header.substring(2, header.indexOf(',')));
            assertEquals(independentSignature(secret, t, body), header);
            assertTrue(Math.abs(t - clock.instant().getEpochSecond()) <= 1);
            assertFalse(io.nuscape.core.webhook.WebhookSignature.verify("whsec_another", header, body.getBytes(StandardCharsets.UTF_8)));
            assertFalse(io.nuscape.core.webhook.WebhookSignature.verify(secret, header, (body + " ").getBytes(StandardCharsets.UTF_8)));
            JsonNode json = Json.mapper().readTree(body);
            assertEquals(alertId.toString(), json.get("alert_id").asText());
            assertEquals("quota.warning", json.get("type").asText());
            assertEquals(account.toString(), json.get("account_id").asText());
            assertEquals(80, json.get("events_accepted").asInt());
            assertTrue(json.has("at"));

            Delivery d = log(account, new PostgresWebhookStore(owner).list(account).get(0).webhookId()).get(0);
            assertEquals("delivered", d.status());
            assertEquals(1, d.attempts());
            assertEquals(204, d.lastStatus());
            assertEquals(0, deliverer(clock, Duration.ofSeconds(2)).run(10).attempted(), "delivered is done");
        }
    }

    /** Failures back off exponentially with full jitter (injected clock), then the delivery fails 24 h after the alert. */
    @Test
    void aFailingReceiverIsRetriedWithBackoffForADayThenTheDeliveryFails() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (Receiver r = new Receiver(body -> {
            calls.incrementAndGet();
            return 503;
        })) {
            UUID account = account();
            register(account, r.url("/down"), "limit.exceeded");
            Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS); // as Postgres keeps it
            alert(account, "limit.exceeded", start);
            MovableClock clock = new MovableClock(start);
            WebhookDeliverer deliverer = deliverer(clock, Duration.ofSeconds(2));
            UUID webhook = webhookOf(account);
            List<Long> waits = new ArrayList<>();
            for (int attempt = 1; attempt <= 500; attempt++) {
                WebhookDeliverer.Report report = deliverer.run(10);
                Delivery d = log(account, webhook).get(0);
                assertEquals(attempt, d.attempts());
                assertEquals(503, d.lastStatus());
                if (d.status().equals("failed")) {
                    break;
                }
                assertEquals(1, report.retrying());
                long wait = Duration.between(clock.instant(), d.nextAttemptAt()).toMillis();
                waits.add(wait);
                assertEquals(0, deliverer.run(10).attempted(), "not due before its time");
                clock.set(d.nextAttemptAt());
            }
            Delivery last = log(account, webhook).get(0);
            assertEquals("failed", last.status(), "gave up");
            assertTrue(!clock.instant().isBefore(start.plus(Duration.ofHours(24))), "only after 24 h: " + clock.instant());
            assertTrue(clock.instant().isBefore(start.plus(Duration.ofHours(24)).plusSeconds(5)), "and not long after");
            assertEquals(last.attempts(), calls.get());
            // Full jitter: each wait lies between 1 s and min(1 h, 30 s * 2^(n-1)) + 1 s.
            for (int n = 1; n <= waits.size() - 1; n++) {
                long ceiling = Math.min(3_600_000L, 30_000L << Math.min(n - 1, 20)) + 1_000;
                assertTrue(waits.get(n - 1) >= 1_000 && waits.get(n - 1) <= ceiling, "wait " + n + " = " + waits.get(n - 1));
            }
            assertTrue(waits.stream().distinct().count() > waits.size() / 2, "jittered, not fixed: " + waits);
            assertEquals(0, deliverer.run(10).attempted(), "a failed delivery is never tried again");
        }
    }

    /** A receiver that never answers costs its own delivery the timeout; the others go out meanwhile. */
    @Test
    void aSlowReceiverCannotHoldUpOtherDeliveriesAndRedirectsAndBigAnswersAreBounded() throws Exception {
        try (Receiver slow = new Receiver(body -> {
            Thread.sleep(30_000);
            return 200;
        }); Receiver fast = new Receiver(body -> 200); Receiver redirecting = new Receiver(body -> 302)) {
            UUID a = account();
            UUID b = account();
            UUID c = account();
            register(a, slow.url("/slow"), "limit.warning");
            register(b, fast.url("/fast"), "limit.warning");
            register(c, redirecting.url("/moved"), "limit.warning");
            for (int i = 0; i < 5; i++) {
                alert(a, "limit.warning", Instant.now());
                alert(b, "limit.warning", Instant.now());
            }
            alert(c, "limit.warning", Instant.now());
            long started = System.nanoTime();
            WebhookDeliverer.Report report = deliverer(new MovableClock(Instant.now()), Duration.ofMillis(500)).run(100);
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertEquals(5, report.delivered(), report.toString());
            assertEquals(6, report.retrying());
            assertTrue(ms < 5_000, "the round took " + ms + " ms: deliveries run side by side, each bounded by the timeout");
            Delivery timedOut = log(a, webhookOf(a)).get(0);
            assertNull(timedOut.lastStatus());
            assertTrue(timedOut.lastError().contains("no answer within 500 ms"), timedOut.lastError());
            Delivery moved = log(c, webhookOf(c)).get(0);
            assertEquals(302, moved.lastStatus(), "a redirect is an answer, not followed");
            assertEquals(List.of("/moved"), redirecting.received.stream().map(m -> m.get("path")).toList());
        }
    }

    @Test
    void aReceiverAnsweringWithAHugeBodyIsNotRead() throws Exception {
        HttpServer big = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        big.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0); // chunked, endless
            byte[] chunk = new byte[1 << 16];
            try (var out = ex.getResponseBody()) {
                for (long sent = 0; sent < (4L << 30); sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (java.io.IOException closedByTheClient) {
                // what should happen
            }
        });
        big.start();
        try {
            UUID account = account();
            register(account, URI.create("http://127.0.0.1:" + big.getAddress().getPort() + "/big"), "limit.warning");
            alert(account, "limit.warning", Instant.now());
            long started = System.nanoTime();
            assertEquals(1, deliverer(new MovableClock(Instant.now()), Duration.ofSeconds(10)).run(10).delivered());
            assertTrue((System.nanoTime() - started) / 1_000_000 < 5_000, "the answer's body (4 GiB) was not read");
        } finally {
            big.stop(0);
        }
    }

    /** Deliverers running at once claim disjoint deliveries: each alert reaches the receiver once. */
    @Test
    void twoDeliverersAtOnceSendEachDeliveryOnce() throws Exception {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        try (Receiver r = new Receiver(body -> {
            seen.merge(Json.mapper().readTree(body).get("alert_id").asText(), 1, Integer::sum);
            Thread.sleep(20);
            return 200;
        })) {
            UUID account = account();
            register(account, r.url("/both"), "limit.exceeded");
            for (int i = 0; i < 60; i++) {
                alert(account, "limit.exceeded", Instant.now());
            }
            MovableClock clock = new MovableClock(Instant.now());
            List<Thread> threads = new ArrayList<>();
            AtomicInteger delivered = new AtomicInteger();
            for (int k = 0; k < 2; k++) {
                WebhookDeliverer d = deliverer(clock, Duration.ofSeconds(2));
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int round = 0; round < 10; round++) {
                            delivered.addAndGet(d.run(7).delivered());
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(60, delivered.get());
            assertEquals(60, seen.size());
            assertTrue(seen.values().stream().allMatch(n -> n == 1), "each once: " + seen);
        }
    }

    /** Production refuses receivers in the service's own network, however the name is written, at every attempt. */
    @Test
    void productionRefusesPrivateAndLoopbackReceivers() throws Exception {
        for (String address : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                "::1", "fd00::1", "fe80::1", "64:ff9b::a00:1", "2002:a00:1::", "224.0.0.1", "255.255.255.255", "2130706433")) {
            assertFalse(ReceiverGuard.isPublic(InetAddress.getByName(address)), address);
        }
        // The JDK reads "0177.0.0.1" as 177.0.0.1 (decimal), and the HTTP client connects with that same reading:
        // the address checked is the address connected to.
        assertEquals("177.0.0.1", InetAddress.getByName("0177.0.0.1").getHostAddress());
        // An IPv4-mapped IPv6 address as such (InetAddress.getByName would turn it into IPv4 first).
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        assertFalse(ReceiverGuard.isPublic(java.net.Inet6Address.getByAddress(null, mapped, null)), "::ffff:10.0.0.1");
        mapped[12] = 8;
        mapped[13] = 8;
        mapped[14] = 8;
        mapped[15] = 8;
        assertTrue(ReceiverGuard.isPublic(java.net.Inet6Address.getByAddress(null, mapped, null)), "::ffff:8.8.8.8");
        for (String address : List.of("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8")) {
            assertTrue(ReceiverGuard.isPublic(InetAddress.getByName(address)), address);
        }
        assertTrue(ReceiverGuard.PRODUCTION.checkUrl(URI.create("http://example.com/x")).isPresent(), "https only");
        assertTrue(ReceiverGuard.PRODUCTION.checkUrl(URI.create("https://user:pw@example.com/x")).isPresent());
        assertTrue(ReceiverGuard.PRODUCTION.checkUrl(URI.create("https://example.com/x")).isEmpty());

        try (Receiver local = new Receiver(body -> 200)) {
            UUID account = account();
            register(account, URI.create("https://localhost:" + local.server.getAddress().getPort() + "/x"), "limit.warning");
            alert(account, "limit.warning", Instant.now());
            WebhookSender production = new HttpWebhookSender(ReceiverGuard.PRODUCTION, Duration.ofSeconds(1));
            WebhookDeliverer d = new WebhookDeliverer(new PostgresWebhookStore(alertsRole), production, RetrySchedule.DEFAULT,
                    new MovableClock(Instant.now()), new SplittableRandom(1), QUIET);
            assertEquals(1, d.run(10).retrying());
            Delivery refused = log(account, webhookOf(account)).get(0);
            assertEquals("refused: the host must resolve, within 2 s, to public internet addresses only", refused.lastError(),
                    "the same words whatever the address: the log must not map the service's network");
            assertEquals(0, local.received.size(), "nothing reached the loopback receiver");
        }
    }

    /** An alert now (to the microsecond, as Postgres keeps it) with one delivery queued to a receiver nobody runs. */
    static Instant queued(UUID account) throws Exception {
        register(account, URI.create("http://127.0.0.1:9/never"), "limit.warning");
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        alert(account, "limit.warning", start);
        return start;
    }

    /**
     * A deliverer that dies mid-post leaves its claim to lapse: the delivery is due again after the lease, and
     * the dead one's attempt, should it still finish, is not recorded over the new claim's.
     */
    @Test
    void aLapsedClaimIsDueAgainAndALateAttemptIsNotRecorded() throws Exception {
        UUID account = account();
        Instant start = queued(account);
        PostgresWebhookStore store = new PostgresWebhookStore(alertsRole);
        List<io.nuscape.core.webhook.DueDelivery> first = store.claimDue(start, 10, WebhookDeliverer.LEASE, start.minus(Duration.ofHours(24)));
        assertEquals(1, first.size());
        assertEquals(List.of(), store.claimDue(start.plusSeconds(60), 10, WebhookDeliverer.LEASE, start.minus(Duration.ofHours(24))),
                "held while its lease runs");
        Instant later = start.plus(WebhookDeliverer.LEASE).plusSeconds(1);
        List<io.nuscape.core.webhook.DueDelivery> second = store.claimDue(later, 10, WebhookDeliverer.LEASE, later.minus(Duration.ofHours(24)));
        assertEquals(1, second.size(), "due again once the lease lapsed");
        store.recordAttempt(second.get(0), later, 200, null, true, Optional.empty());
        store.recordAttempt(first.get(0), later.plusSeconds(1), 500, "answered 500", false, Optional.of(later.plusSeconds(60)));
        Delivery d = log(account, webhookOf(account)).get(0);
        assertEquals("delivered", d.status(), "the late attempt of the lapsed claim changed nothing");
        assertEquals(1, d.attempts());
        assertEquals(200, d.lastStatus());
    }

    /** A delivery whose attempts never finish (its deliverer killed every time) still fails 24 h after its alert. */
    @Test
    void aDeliveryWithoutAFinishedAttemptStillEndsAfterADay() throws Exception {
        UUID account = account();
        Instant start = queued(account);
        PostgresWebhookStore store = new PostgresWebhookStore(alertsRole);
        Instant t = start;
        while (t.isBefore(start.plus(Duration.ofHours(25)))) {
            store.claimDue(t, 10, WebhookDeliverer.LEASE, t.minus(Duration.ofHours(24))); // claimed, never recorded
            t = t.plus(WebhookDeliverer.LEASE).plusSeconds(1);
        }
        Delivery d = log(account, webhookOf(account)).get(0);
        assertEquals("failed", d.status());
        assertEquals(0, d.attempts());
        assertEquals("no attempt finished (gave up: 24 h passed)", d.lastError());
    }

    @Test
    void anAccountHasAtMostTwentyWebhooks() throws Exception {
        UUID account = account();
        for (int i = 0; i < io.nuscape.core.webhook.Webhook.MAX_PER_ACCOUNT; i++) {
            register(account, URI.create("https://93.184.215.14/h" + i), "limit.warning");
        }
        io.nuscape.core.ApiException e = org.junit.jupiter.api.Assertions.assertThrows(io.nuscape.core.ApiException.class,
                () -> register(account, URI.create("https://93.184.215.14/one-more"), "limit.warning"));
        assertEquals(409, e.error().status());
    }

    /** The handler's rounds, with the settings a deployment gives it, deliver through the alerts role. */
    @Test
    void theHandlerDeliversWithinARound() throws Exception {
        try (Receiver r = new Receiver(body -> 200)) {
            UUID account = account();
            register(account, r.url("/handler"), "quota.exceeded");
            alert(account, "quota.exceeded", Instant.now());
            TestDatabase role = db.asRole("nuscape_alerts");
            Settings settings = Settings.from(Map.of("NUSCAPE_DATABASE_URL", role.jdbcUrl(), "NUSCAPE_DATABASE_USER", role.user(),
                    "NUSCAPE_DATABASE_PASSWORD", role.password(), "NUSCAPE_WEBHOOK_ALLOW_PRIVATE", "true", "NUSCAPE_LOG_LEVEL", "ERROR"));
            try (AlertsHandler handler = new AlertsHandler(settings, java.time.Clock.systemUTC())) {
                AtomicInteger rounds = new AtomicInteger();
                Map<String, Object> summary = handler.run(() -> rounds.incrementAndGet() < 2);
                assertEquals(1, summary.get("webhook_delivered"), summary.toString());
                assertEquals(0, summary.get("errors"));
            }
            assertEquals(1, r.received.size());
        }
    }
}
