package io.nuscape.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.alerts.internal.EventBridgeAlertBus;
import io.nuscape.core.Json;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.postgres.PostgresAlertStore;
import io.nuscape.testkit.AwsEmulator;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Alerts on the stack's EventBridge bus, against the AWS API emulator: a rule on the bus routes them to a
 * queue, as a customer's rule would route them to SNS or e-mail. Every alert arrives once with the webhook's
 * JSON as its detail; a bus that refuses leaves them unpublished for the next round.
 */
class EventBusTest {

    @Test
    void everyAlertGoesOnTheBusOnceAndARefusingBusLeavesThemForLater() throws Exception {
        try (AwsEmulator aws = AwsEmulator.start()) {
            Region region = Region.of(AwsEmulator.REGION);
            EventBridgeClient events = EventBridgeClient.builder().endpointOverride(aws.endpoint()).region(region)
                    .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(AwsEmulator.credentials()).build();
            SqsClient sqs = SqsClient.builder().endpointOverride(aws.endpoint()).region(region)
                    .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(AwsEmulator.credentials()).build();
            events.createEventBus(b -> b.name("nuscape-test-alerts"));
            String queueUrl = sqs.createQueue(b -> b.queueName("alerts-routed")).queueUrl();
            String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            events.putRule(b -> b.name("to-queue").eventBusName("nuscape-test-alerts")
                    .eventPattern("{\"source\":[\"" + EventBridgeAlertBus.SOURCE + "\"]}"));
            events.putTargets(b -> b.rule("to-queue").eventBusName("nuscape-test-alerts")
                    .targets(Target.builder().id("q").arn(queueArn).build()));

            TestDatabase db = migrated("eventbus");
            TestDatabase role = db.asRole("nuscape_alerts");
            UUID account = account(db);
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 23; i++) { // more than one PutEvents call holds (10)
                ids.add(alert(role, account, i % 2 == 0 ? "limit.warning" : "limit.exceeded").toString());
            }
            try (ConnectionPool pool = new ConnectionPool(new Database(role.jdbcUrl(), role.user(), role.password()), 2, 5_000)) {
                PostgresAlertStore store = new PostgresAlertStore(pool);
                EventBridgeAlertBus missing = EventBridgeAlertBus.create("no-such-bus", Optional.of(aws.endpoint()), AwsEmulator.credentials(), region);
                assertThrows(Exception.class, () -> store.publishPending(100, missing), "a bus that does not exist refuses");
                assertEquals(23, unpublished(db), "nothing marked published");

                EventBridgeAlertBus bus = EventBridgeAlertBus.create("nuscape-test-alerts", Optional.of(aws.endpoint()),
                        AwsEmulator.credentials(), region);
                assertEquals(20, store.publishPending(20, bus));
                assertEquals(3, store.publishPending(20, bus));
                assertEquals(0, store.publishPending(20, bus), "each alert once");
                assertEquals(0, unpublished(db));
            }

            Map<String, JsonNode> received = new java.util.HashMap<>();
            long until = System.currentTimeMillis() + 15_000;
            while (received.size() < 23 && System.currentTimeMillis() < until) {
                for (Message m : sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode event = Json.mapper().readTree(m.body());
                    JsonNode detail = event.get("detail");
                    assertTrue(received.put(detail.get("alert_id").asText(), event) == null, "once: " + m.body());
                    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                }
            }
            assertEquals(ids, received.keySet());
            JsonNode one = received.values().iterator().next();
            assertEquals(EventBridgeAlertBus.SOURCE, one.get("source").asText());
            assertEquals(one.get("detail-type").asText(), one.get("detail").get("type").asText());
            assertEquals(account.toString(), one.get("detail").get("account_id").asText());
            events.close();
            sqs.close();
        }
    }

    /** What the bus took is marked, what it did not take stays for the next round (EventBridge answers per entry). */
    @Test
    void onlyTheAlertsTheBusTookAreMarkedPublished() throws Exception {
        TestDatabase db = migrated("eventbuspartial");
        TestDatabase role = db.asRole("nuscape_alerts");
        UUID account = account(db);
        for (int i = 0; i < 8; i++) {
            alert(role, account, "limit.warning");
        }
        try (ConnectionPool pool = new ConnectionPool(new Database(role.jdbcUrl(), role.user(), role.password()), 2, 5_000)) {
            PostgresAlertStore store = new PostgresAlertStore(pool);
            io.nuscape.core.limit.AlertBus halfTaken = alerts -> {
                Set<UUID> taken = new HashSet<>();
                alerts.stream().limit(alerts.size() / 2).forEach(a -> taken.add(a.alertId()));
                return taken;
            };
            assertEquals(4, store.publishPending(100, halfTaken));
            assertEquals(4, unpublished(db));
            assertEquals(2, store.publishPending(100, halfTaken));
            assertEquals(2, unpublished(db));
        }
    }

    private static TestDatabase migrated(String name) throws Exception {
        TestDatabase db = TestPostgres.newDatabase(name);
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        return db;
    }

    private static UUID account(TestDatabase db) throws Exception {
        UUID account = UUID.randomUUID();
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("INSERT INTO accounts (account_id, name) VALUES (?, 'a')")) {
            s.setObject(1, account);
            s.executeUpdate();
        }
        return account;
    }

    private static UUID alert(TestDatabase role, UUID account, String type) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = role.connect(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO alerts (alert_id, account_id, type, day, raised_at, details) VALUES (?, ?, ?, current_date, ?, '{\"x\":1}'::jsonb)")) {
            s.setObject(1, id);
            s.setObject(2, account);
            s.setString(3, type);
            s.setTimestamp(4, java.sql.Timestamp.from(Instant.now()));
            s.executeUpdate();
        }
        return id;
    }

    private static long unpublished(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("SELECT count(*) FROM alerts WHERE published_at IS NULL");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
