package io.nuscape.postgres;

import io.nuscape.postgres.internal.HeldConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small bounded pool: a Lambda instance serves one request at a time and needs one connection (RDS
 * Proxy multiplexes them); the local runtime serves many and needs a few. Connections come back through
 * {@link Lease#close()}; a broken one is dropped rather than returned. An idle connection is checked
 * before it is handed out after idling past {@link DatabaseOptions#validateAfterIdle()}, and replaced once
 * older than {@link DatabaseOptions#maxLifetime()}, so callers never get a connection that died idle.
 */
public final class ConnectionPool implements AutoCloseable {
    private final Database database;
    private final BlockingQueue<HeldConnection> idle;
    private final Semaphore permits;
    private final long waitMillis;

    public ConnectionPool(Database database, int size, long waitMillis) {
        this.database = database;
        this.idle = new ArrayBlockingQueue<>(size);
        this.permits = new Semaphore(size);
        this.waitMillis = waitMillis;
    }

    /** A connection for one unit of work; close the lease to give it back. */
    public Lease borrow() throws SQLException {
        try {
            if (!permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new SQLTransientConnectionException("no database connection free within " + waitMillis + " ms", "08001");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while waiting for a connection", "08001");
        }
        try {
            HeldConnection held;
            while ((held = idle.poll()) != null && !held.reusable(database.options())) {
                held.closeQuietly();
            }
            if (held == null) {
                held = new HeldConnection(database.connect());
            }
            held.connection().setAutoCommit(true);
            return new Lease(held);
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** Closes every idle connection; the next borrow opens fresh ones (after a SnapStart restore, a credential change). */
    public void closeIdle() {
        HeldConnection c;
        while ((c = idle.poll()) != null) {
            c.closeQuietly();
        }
    }

    /** A borrowed connection. */
    public final class Lease implements AutoCloseable {
        private final HeldConnection held;
        private boolean broken;

        private Lease(HeldConnection held) {
            this.held = held;
        }

        public Connection connection() {
            return held.connection();
        }

        /** Marks the connection as unusable (after an I/O failure): it is closed, not reused. */
        public void discard() {
            broken = true;
        }

        @Override
        public void close() {
            Connection connection = held.connection();
            try {
                if (broken || connection.isClosed() || held.expired(database.options())
                        || !connection.getAutoCommit() && !rollback()) {
                    held.closeQuietly();
                } else {
                    held.idle();
                    if (!idle.offer(held)) {
                        held.closeQuietly();
                    }
                }
            } catch (SQLException e) {
                held.closeQuietly();
            } finally {
                permits.release();
            }
        }

        private boolean rollback() {
            try {
                held.connection().rollback();
                held.connection().setAutoCommit(true);
                return true;
            } catch (SQLException e) {
                return false;
            }
        }
    }

    @Override
    public void close() {
        closeIdle();
    }
}
