package io.nuscape.postgres.internal;

import io.nuscape.postgres.ConnectionPool;
import java.sql.Connection;
import java.sql.SQLException;

/** Work on one pooled connection in one transaction: committed when the work returns, rolled back otherwise. */
public final class Transaction {
    private Transaction() {
    }

    /** Work that reads and writes through the connection. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    public static <T> T run(ConnectionPool pool, Work<T> work) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow()) {
            Connection c = l.connection();
            c.setAutoCommit(false);
            T result = work.apply(c); // on failure the lease rolls back before the connection is reused
            c.commit();
            return result;
        }
    }
}
