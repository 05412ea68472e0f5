package io.nuscape.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.core.usage.UsageQuery;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TcpProxy;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Connections that outlive a unit of work, on a real Postgres: a pooled or held connection that died while
 * idle is replaced before anyone uses it, none lives past its maximum lifetime, and no named server-side
 * statement is ever made (RDS Proxy would pin the session).
 */
class ConnectionLifecycleTest {
    static TestDatabase db;
    static final DatabaseOptions QUICK = DatabaseOptions.DEFAULTS.withValidation(Duration.ofMillis(200), Duration.ofMinutes(15));

    @BeforeAll
    static void migrate() throws SQLException {
        db = TestPostgres.newDatabase("lifecycle");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
    }

    static Database database(TestDatabase target, DatabaseOptions options) {
        return new Database(target.jdbcUrl(), CredentialSource.fixed(target.user(), target.password()), options);
    }

    static int pid(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static void terminate(int pid) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            s.setInt(1, pid);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertTrue(rs.getBoolean(1), "backend " + pid + " terminated");
            }
        }
    }

    @Test
    void aPooledConnectionTerminatedWhileIdleIsReplacedOnBorrow() throws Exception {
        try (ConnectionPool pool = new ConnectionPool(database(db, QUICK), 1, 1000)) {
            int first;
            try (ConnectionPool.Lease l = pool.borrow()) {
                first = pid(l.connection());
            }
            terminate(first);
            Thread.sleep(400); // idle past the validation threshold
            try (ConnectionPool.Lease l = pool.borrow()) {
                int second = pid(l.connection());
                assertNotEquals(first, second, "a new backend answers");
            }
        }
    }

    @Test
    void aPooledConnectionCutBehindAProxyWhileIdleIsReplacedOnBorrow() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.port());
             ConnectionPool pool = new ConnectionPool(database(db.throughPort(proxy.port()), QUICK), 1, 1000)) {
            try (ConnectionPool.Lease l = pool.borrow()) {
                pid(l.connection());
            }
            proxy.cut();
            proxy.restore();
            Thread.sleep(400);
            try (ConnectionPool.Lease l = pool.borrow()) {
                assertTrue(pid(l.connection()) > 0, "the borrowed connection works");
            }
        }
    }

    @Test
    void aPooledConnectionIsReplacedPastItsMaximumLifetime() throws Exception {
        DatabaseOptions shortLived = DatabaseOptions.DEFAULTS.withValidation(Duration.ofSeconds(30), Duration.ofMillis(300));
        try (ConnectionPool pool = new ConnectionPool(database(db, shortLived), 1, 1000)) {
            int first;
            try (ConnectionPool.Lease l = pool.borrow()) {
                first = pid(l.connection());
            }
            try (ConnectionPool.Lease l = pool.borrow()) {
                assertEquals(first, pid(l.connection()), "reused while young");
            }
            Thread.sleep(400);
            try (ConnectionPool.Lease l = pool.borrow()) {
                assertNotEquals(first, pid(l.connection()), "replaced once older than its lifetime");
            }
        }
    }

    static List<DrainEvent> events(UUID account, UUID device, int n) {
        List<DrainEvent> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            out.add(new DrainEvent(account, device, now, 0, new UsageEvent(UUID.randomUUID().toString(), now - 60_000, "app", "k" + i % 3, 1000)));
        }
        return out;
    }

    static long counted(UUID device) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("SELECT coalesce(sum(events), 0) FROM usage_1m WHERE device_id = ?")) {
            s.setObject(1, device);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void theDrainersConnectionTerminatedWhileIdleCostsNoFailedBatch() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        try (PostgresRollupStore store = new PostgresRollupStore(database(db, QUICK))) {
            store.apply(events(account, device, 5));
            terminate(pid(store.heldConnection()));
            Thread.sleep(400);
            store.apply(events(account, device, 5)); // must not throw
            assertEquals(10, counted(device));
        }
    }

    @Test
    void theDrainersConnectionTerminatedBetweenBatchesIsRetriedOnceOnAFreshOne() throws Exception {
        // No validation before use here (a long idle threshold): the kept connection fails mid-batch, and the
        // store repeats the batch on a new connection; dedupe keys keep the count exact.
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        DatabaseOptions noCheck = DatabaseOptions.DEFAULTS.withValidation(Duration.ofHours(1), Duration.ofHours(2));
        try (PostgresRollupStore store = new PostgresRollupStore(database(db, noCheck))) {
            store.apply(events(account, device, 5));
            terminate(pid(store.heldConnection()));
            store.apply(events(account, device, 7));
            assertEquals(12, counted(device));
        }
    }

    @Test
    void noNamedServerSideStatementsAfterManyExecutions() throws Exception {
        UUID account = UUID.randomUUID();
        UUID device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        try (PostgresRollupStore store = new PostgresRollupStore(database(db, DatabaseOptions.DEFAULTS))) {
            for (int i = 0; i < 20; i++) {
                store.apply(events(account, device, 3));
            }
            Connection c = store.heldConnection();
            assertEquals(0, c.unwrap(PGConnection.class).getPrepareThreshold(), "driver prepareThreshold");
            assertEquals(0, preparedStatements(c), "pg_prepared_statements on the drainer's connection");
        }
        try (ConnectionPool pool = new ConnectionPool(database(db, DatabaseOptions.DEFAULTS), 1, 1000)) {
            PostgresUsageReader reader = new PostgresUsageReader(pool);
            PostgresControlPlaneStore control = new PostgresControlPlaneStore(pool);
            Instant now = Instant.now();
            for (int i = 0; i < 20; i++) {
                reader.top(new UsageQuery(account, now.minusSeconds(3600), now, io.nuscape.core.rollup.Granularity.MINUTE,
                        Optional.of("app"), Optional.empty(), Optional.empty()), 10);
                control.policy(account);
                control.devices(account);
            }
            try (ConnectionPool.Lease l = pool.borrow()) {
                assertEquals(0, l.connection().unwrap(PGConnection.class).getPrepareThreshold());
                assertEquals(0, preparedStatements(l.connection()), "pg_prepared_statements on the API's connection");
            }
        }
    }

    static long preparedStatements(Connection c) throws SQLException {
        try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_prepared_statements")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
