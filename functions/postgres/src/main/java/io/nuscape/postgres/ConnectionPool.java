package io.nuscape.postgres;

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
 * {@link Lease#close()}; a broken one is dropped rather than returned.
 */
public final class ConnectionPool implements AutoCloseable {
    private final Database database;
    private final BlockingQueue<Connection> idle;
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
            Connection c = idle.poll();
            if (c == null || c.isClosed()) {
                c = database.connect();
            }
            c.setAutoCommit(true);
            return new Lease(c);
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** A borrowed connection. */
    public final class Lease implements AutoCloseable {
        private final Connection connection;
        private boolean broken;

        private Lease(Connection connection) {
            this.connection = connection;
        }

        public Connection connection() {
            return connection;
        }

        /** Marks the connection as unusable (after an I/O failure): it is closed, not reused. */
        public void discard() {
            broken = true;
        }

        @Override
        public void close() {
            try {
                if (broken || connection.isClosed() || !connection.getAutoCommit() && !rollback()) {
                    connection.close();
                } else if (!idle.offer(connection)) {
                    connection.close();
                }
            } catch (SQLException e) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // Already broken.
                }
            } finally {
                permits.release();
            }
        }

        private boolean rollback() {
            try {
                connection.rollback();
                connection.setAutoCommit(true);
                return true;
            } catch (SQLException e) {
                return false;
            }
        }
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.poll()) != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing anyway.
            }
        }
    }
}
