package io.nuscape.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nuscape.core.Json;
import io.nuscape.core.StructuredLog;
import io.nuscape.migrate.internal.ResponseSender;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.FreePort;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MigrateFunction as the SchemaMigration custom resource, on a real Postgres, answering a local HTTP server
 * that stands in for CloudFormation's pre-signed S3 URL.
 */
class MigrationHandlerTest {
    static final String FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:nuscape-prod-MigrateFunction";
    static final StructuredLog LOG = new StructuredLog("migrate", StructuredLog.Level.WARN, System.out);
    static final Supplier<Migrator> MUST_NOT_MIGRATE = () -> {
        throw new AssertionError("this request must not migrate");
    };

    /** One PUT the stand-in received. */
    record Put(String method, String contentType, String contentLength, byte[] body) {
        JsonNode json() throws Exception {
            return Json.mapper().readTree(body);
        }
    }

    final BlockingQueue<Put> puts = new ArrayBlockingQueue<>(20);
    final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(s -> s.stop(0));
    }

    /** A stand-in for the pre-signed URL on the port given (0: any) that first answers the statuses given, then 200. */
    HttpServer cloudFormation(int port, int... firstStatuses) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int n = calls.getAndIncrement();
            int status = n < firstStatuses.length ? firstStatuses[n] : 200;
            if (status == 200) {
                puts.add(new Put(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("Content-Length"), body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return server;
    }

    static String url(int port) {
        return "http://127.0.0.1:" + port + "/cloudformation-bucket/answer?X-Amz-Signature=secret-signature";
    }

    static Map<String, Object> event(String type, int port, String physicalId, String version, String oldVersion) {
        Map<String, Object> e = new HashMap<>();
        e.put("RequestType", type);
        e.put("ResponseURL", url(port));
        e.put("StackId", "arn:aws:cloudformation:eu-west-1:123456789012:stack/nuscape-prod/1");
        e.put("RequestId", "r-" + type);
        e.put("LogicalResourceId", "SchemaMigration");
        e.put("ResourceType", "Custom::SchemaMigration");
        if (physicalId != null) {
            e.put("PhysicalResourceId", physicalId);
        }
        if (version != null) {
            // SAM's !Ref MigrateFunction.Version is the version's ARN.
            e.put("ResourceProperties", Map.of("ServiceToken", FUNCTION_ARN + ":" + version, "FunctionVersion", FUNCTION_ARN + ":" + version));
        }
        if (oldVersion != null) {
            e.put("OldResourceProperties", Map.of("ServiceToken", FUNCTION_ARN + ":" + oldVersion, "FunctionVersion", FUNCTION_ARN + ":" + oldVersion));
        }
        return e;
    }

    Put nextPut() throws Exception {
        Put p = puts.poll(20, TimeUnit.SECONDS);
        assertNotNull(p, "the stack must always get an answer");
        return p;
    }

    static Supplier<Migrator> migratorFor(TestDatabase db) {
        return () -> new Migrator(new Database(db.jdbcUrl(), db.user(), db.password()));
    }

    static ResponseSender noWait(List<Duration> waits) {
        return new ResponseSender(LOG, waits::add);
    }

    /** A Lambda context invoked through a version ARN (what ServiceToken = the version ARN does). */
    static Context invokedAs(String qualifiedArn) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[]{Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getInvokedFunctionArn" -> qualifiedArn;
                    case "getAwsRequestId" -> "lambda-request-1";
                    case "getRemainingTimeInMillis" -> 300_000;
                    default -> null;
                });
    }

    @Test
    void createMigratesUpdateOfTheSameVersionHasNothingToDoDeleteKeepsTheSchema() throws Exception {
        TestDatabase db = TestPostgres.newDatabase("migratecr");
        int port = cloudFormation(0).getAddress().getPort();
        MigrationHandler h = new MigrationHandler(migratorFor(db), LOG, noWait(new ArrayList<>()), null);

        h.handleRequest(event("Create", port, null, "7", null), invokedAs(FUNCTION_ARN + ":7"));
        Put created = nextPut();
        assertEquals("PUT", created.method());
        assertTrue(created.contentType() == null || created.contentType().isEmpty(),
                "the pre-signed URL is signed for no Content-Type; got " + created.contentType());
        assertEquals(String.valueOf(created.body().length), created.contentLength(), "S3 needs a Content-Length");
        JsonNode a = created.json();
        assertEquals("SUCCESS", a.get("Status").asText());
        assertEquals(io.nuscape.testkit.Migrations.count(), a.get("Data").get("migrations_applied").asInt());
        assertEquals("nuscape-schema", a.get("PhysicalResourceId").asText());
        assertEquals("SchemaMigration", a.get("LogicalResourceId").asText());
        assertEquals("r-Create", a.get("RequestId").asText());
        assertEquals("arn:aws:cloudformation:eu-west-1:123456789012:stack/nuscape-prod/1", a.get("StackId").asText());

        h.handleRequest(event("Update", port, "nuscape-schema", "8", "7"), invokedAs(FUNCTION_ARN + ":8"));
        JsonNode updated = nextPut().json();
        assertEquals("SUCCESS", updated.get("Status").asText());
        assertEquals(0, updated.get("Data").get("migrations_applied").asInt());
        assertEquals("nuscape-schema", updated.get("PhysicalResourceId").asText());

        h.handleRequest(event("Delete", port, "nuscape-schema", "8", null), invokedAs(FUNCTION_ARN + ":8"));
        JsonNode deleted = nextPut().json();
        assertEquals("SUCCESS", deleted.get("Status").asText());
        assertEquals("nuscape-schema", deleted.get("PhysicalResourceId").asText());
        try (var c = db.connect(); var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM accounts")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "Delete keeps the schema");
        }
    }

    @Test
    void aRollbackReachingNewerCodeAnswersSuccessWithoutMigrating() throws Exception {
        int port = cloudFormation(0).getAddress().getPort();
        // The deploy of version 9 failed; CloudFormation rolls back with version 8's properties while the
        // code that answers (through an alias that still points there) is version 9.
        MigrationHandler h = new MigrationHandler(MUST_NOT_MIGRATE, LOG, noWait(new ArrayList<>()), "9");
        h.handleRequest(event("Update", port, "nuscape-schema", "8", "9"), invokedAs(FUNCTION_ARN + ":live"));
        JsonNode a = nextPut().json();
        assertEquals("SUCCESS", a.get("Status").asText());
        assertEquals("nuscape-schema", a.get("PhysicalResourceId").asText(), "the physical id is kept: no replacement");
        String reason = a.get("Reason").asText();
        assertTrue(reason.startsWith("rollback from MigrateFunction version 9 to 8"), reason);
        assertTrue(reason.contains("forward-only"), reason);
        assertFalse(a.get("Data").get("migrated").asBoolean());
    }

    @Test
    void aStaleCallerIsNotMigratedAndCodeOlderThanItsResourceRefuses() throws Exception {
        int port = cloudFormation(0).getAddress().getPort();
        MigrationHandler h = new MigrationHandler(MUST_NOT_MIGRATE, LOG, noWait(new ArrayList<>()), null);

        h.handleRequest(event("Create", port, null, "3", null), invokedAs(FUNCTION_ARN + ":5"));
        JsonNode stale = nextPut().json();
        assertEquals("SUCCESS", stale.get("Status").asText());
        assertTrue(stale.get("Reason").asText().startsWith("stale caller"), stale.get("Reason").asText());

        h.handleRequest(event("Update", port, "nuscape-schema", "6", "5"), invokedAs(FUNCTION_ARN + ":5"));
        JsonNode older = nextPut().json();
        assertEquals("FAILED", older.get("Status").asText(), "success would leave version 6 on version 5's schema");
        assertTrue(older.get("Reason").asText().contains("ServiceToken must invoke the version"), older.get("Reason").asText());
    }

    @Test
    void olderMigrationsAgainstANewerSchemaAnswerSuccessAndChangeNothing() throws Exception {
        TestDatabase db = TestPostgres.newDatabase("migratefuture");
        // A newer release applied everything this code has, and one migration more.
        Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/migration", "classpath:db/future").load().migrate();
        String before = schemaSnapshot(db);
        assertTrue(before.contains("applied_by_a_newer_release"), before);

        int port = cloudFormation(0).getAddress().getPort();
        MigrationHandler h = new MigrationHandler(migratorFor(db), LOG, noWait(new ArrayList<>()), "7");
        // The rollback invokes the older version itself (ServiceToken = its version ARN): versions match, it
        // runs its migrations, and Flyway's default ignoreMigrationPatterns ("*:future") accepts the newer one.
        h.handleRequest(event("Update", port, "nuscape-schema", "7", "8"), invokedAs(FUNCTION_ARN + ":7"));
        JsonNode a = nextPut().json();
        assertEquals("SUCCESS", a.get("Status").asText(), a.toString());
        assertEquals(0, a.get("Data").get("migrations_applied").asInt());
        assertEquals("1000", a.get("Data").get("schema_version").asText());
        assertEquals(before, schemaSnapshot(db), "nothing changed in the schema or its history");
    }

    /** Tables (not partitions) and Flyway's history, as text. */
    static String schemaSnapshot(TestDatabase db) throws Exception {
        var sb = new StringBuilder();
        try (var c = db.connect(); var s = c.createStatement()) {
            // Rollup partitions are left out: making the coming days' partitions is upkeep, not a schema change.
            try (ResultSet rs = s.executeQuery("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1")) {
                while (rs.next()) {
                    sb.append(rs.getString(1)).append('\n');
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT installed_rank, version, checksum, success FROM flyway_schema_history ORDER BY 1")) {
                while (rs.next()) {
                    sb.append(rs.getInt(1)).append(' ').append(rs.getString(2)).append(' ').append(rs.getObject(3))
                            .append(' ').append(rs.getBoolean(4)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    @Test
    void aFailedMigrationAnswersFailedWithTheReason() throws Exception {
        int port = cloudFormation(0).getAddress().getPort();
        MigrationHandler h = new MigrationHandler(() -> new Migrator(new Database("jdbc:postgresql://127.0.0.1:1/none", "x", "y")),
                LOG, noWait(new ArrayList<>()), "7");
        h.handleRequest(event("Create", port, null, "7", null), null);
        JsonNode a = nextPut().json();
        assertEquals("FAILED", a.get("Status").asText());
        assertTrue(a.get("Reason").asText().startsWith("migration failed"), a.get("Reason").asText());
        assertEquals("nuscape-schema", a.get("PhysicalResourceId").asText());
    }

    @Test
    void aTwentyKilobyteFailureStillFitsCloudFormationsFourKilobytes() throws Exception {
        int port = cloudFormation(0).getAddress().getPort();
        // Flyway quotes the statement that failed; with non-ASCII text and quotes the JSON grows further.
        String flywayMessage = "Migration V2__big.sql failed\nSQL State: 42P07\nMessage: «relation \"x\" already exists» ä€😀 "
                .repeat(260);
        assertTrue(flywayMessage.getBytes(StandardCharsets.UTF_8).length > 20_000);
        MigrationHandler h = new MigrationHandler(() -> {
            throw new IllegalStateException(flywayMessage);
        }, LOG, noWait(new ArrayList<>()), "7");
        h.handleRequest(event("Update", port, "nuscape-schema", "7", "6"), null);
        Put put = nextPut();
        assertTrue(put.body().length <= 4096, "body of " + put.body().length + " bytes");
        assertTrue(put.body().length > 3_500, "the reason uses the room there is: " + put.body().length);
        JsonNode a = put.json();
        assertEquals("FAILED", a.get("Status").asText());
        String reason = a.get("Reason").asText();
        assertTrue(reason.startsWith("migration failed: Migration V2__big.sql failed"), reason);
        assertTrue(reason.endsWith("…"), "cut with an ellipsis");
        assertEquals("nuscape-schema", a.get("PhysicalResourceId").asText());
    }

    @Test
    void theAnswerIsRetriedWhileTheUrlIsDownAndArrivesWhenItIsUp() throws Exception {
        int port = FreePort.pick();
        List<Duration> waits = new ArrayList<>();
        // Nothing listens at first (connection refused); during the second wait the URL comes up and
        // answers 503 once (S3's "slow down"), then takes the answer.
        ResponseSender sender = new ResponseSender(LOG, d -> {
            waits.add(d);
            if (waits.size() == 2) {
                try {
                    cloudFormation(port, 503);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        MigrationHandler h = new MigrationHandler(MUST_NOT_MIGRATE, LOG, sender, "7");
        h.handleRequest(event("Delete", port, "nuscape-schema", "7", null), null);
        assertEquals("SUCCESS", nextPut().json().get("Status").asText());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), waits,
                "refused, refused, 503, then accepted: three waits with growing backoff");
    }

    @Test
    void whenTheAnswerCannotBeDeliveredTheLogSaysSoWithoutTheSignedUrl() throws Exception {
        int port = FreePort.pick();
        var out = new ByteArrayOutputStream();
        StructuredLog log = new StructuredLog("migrate", StructuredLog.Level.INFO, new PrintStream(out, true, StandardCharsets.UTF_8));
        List<Duration> waits = new ArrayList<>();
        MigrationHandler h = new MigrationHandler(MUST_NOT_MIGRATE, log, new ResponseSender(log, waits::add), "7");
        Map<String, Object> result = h.handleRequest(event("Delete", port, "nuscape-schema", "7", null), null);
        assertEquals("SUCCESS", result.get("Status"), "the handler itself completes");
        assertEquals(ResponseSender.BACKOFF.length, waits.size(), "every retry was made");
        String logged = out.toString(StandardCharsets.UTF_8);
        String line = logged.lines().filter(l -> l.contains("cannot answer CloudFormation")).findFirst().orElseThrow(
                () -> new AssertionError("no error logged: " + logged));
        JsonNode json = Json.mapper().readTree(line);
        assertEquals("ERROR", json.get("level").asText(), line);
        assertEquals("r-Delete", json.get("cloudformation_request_id").asText(), line);
        assertFalse(logged.contains("secret-signature"), "the pre-signed URL's signature never reaches the log");
    }
}
