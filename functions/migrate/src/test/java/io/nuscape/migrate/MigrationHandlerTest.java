package io.nuscape.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nuscape.core.Json;
import io.nuscape.core.StructuredLog;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MigrateFunction on a real Postgres, answering a local stand-in for CloudFormation's pre-signed URL. */
class MigrationHandlerTest {
    static HttpServer cloudFormation;
    static final BlockingQueue<String> answers = new ArrayBlockingQueue<>(10);
    static final StructuredLog LOG = new StructuredLog("migrate", StructuredLog.Level.WARN, System.out);

    @BeforeAll
    static void start() throws Exception {
        cloudFormation = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cloudFormation.createContext("/", exchange -> {
            assertEquals("PUT", exchange.getRequestMethod());
            answers.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        cloudFormation.start();
    }

    @AfterAll
    static void stop() {
        cloudFormation.stop(0);
    }

    static Map<String, Object> event(String type) {
        Map<String, Object> e = new HashMap<>();
        e.put("RequestType", type);
        e.put("ResponseURL", "http://127.0.0.1:" + cloudFormation.getAddress().getPort() + "/signed");
        e.put("StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/nuscape/1");
        e.put("RequestId", "r-1");
        e.put("LogicalResourceId", "SchemaMigration");
        return e;
    }

    static JsonNode nextAnswer() throws Exception {
        String a = answers.poll(10, TimeUnit.SECONDS);
        assertTrue(a != null, "the stack must always get an answer");
        return Json.MAPPER.readTree(a);
    }

    @Test
    void migratesOnCreateAndAnswersSuccessThenNothingToDoOnUpdate() throws Exception {
        TestDatabase db = TestPostgres.newDatabase("migratecr");
        MigrationHandler h = new MigrationHandler(() -> new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())), LOG);
        h.handleRequest(event("Create"), null);
        JsonNode a = nextAnswer();
        assertEquals("SUCCESS", a.get("Status").asText());
        assertEquals(2, a.get("Data").get("migrations_applied").asInt());
        assertEquals("SchemaMigration", a.get("LogicalResourceId").asText());

        h.handleRequest(event("Update"), null);
        assertEquals(0, nextAnswer().get("Data").get("migrations_applied").asInt());

        h.handleRequest(event("Delete"), null);
        JsonNode deleted = nextAnswer();
        assertEquals("SUCCESS", deleted.get("Status").asText());
        try (var c = db.connect(); var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM accounts")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "Delete keeps the schema");
        }
    }

    @Test
    void aFailedMigrationAnswersFailedWithTheReason() throws Exception {
        MigrationHandler h = new MigrationHandler(() -> new Migrator(new Database("jdbc:postgresql://127.0.0.1:1/none", "x", "y")), LOG);
        h.handleRequest(event("Create"), null);
        JsonNode a = nextAnswer();
        assertEquals("FAILED", a.get("Status").asText());
        assertTrue(a.get("Reason").asText().startsWith("migration failed"), a.get("Reason").asText());
    }

    @Test
    void aDirectInvocationMigratesAndReturnsWhatItDid() {
        TestDatabase db = TestPostgres.newDatabase("migratedirect");
        MigrationHandler h = new MigrationHandler(() -> new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())), LOG);
        Map<String, Object> r = h.handleRequest(Map.of(), null);
        assertEquals(2, r.get("migrations_applied"));
        assertEquals("2", r.get("schema_version"));
    }
}
