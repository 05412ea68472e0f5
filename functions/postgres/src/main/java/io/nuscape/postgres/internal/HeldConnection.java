package io.nuscape.postgres.internal;

import io.nuscape.postgres.DatabaseOptions;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A connection kept between units of work, with when it was opened and last given back: before reuse it
 * must be younger than the maximum lifetime and, after idling past the threshold, answer {@code isValid}.
 * A connection that idled behind RDS Proxy or a NAT may be gone without the client knowing.
 */
public final class HeldConnection {
    private static final int VALIDATION_TIMEOUT_SECONDS = 2;

    private final Connection connection;
    private final long openedAt;
    private long idleSince;

    public HeldConnection(Connection connection) {
        this.connection = connection;
        this.openedAt = System.nanoTime();
        this.idleSince = openedAt;
    }

    public Connection connection() {
        return connection;
    }

    /** Marks the start of an idle period (the connection was given back). */
    public void idle() {
        idleSince = System.nanoTime();
    }

    /** True when it has lived longer than the options allow. */
    public boolean expired(DatabaseOptions options) {
        return System.nanoTime() - openedAt > options.maxLifetime().toNanos();
    }

    /** True when the connection may be used again; an expired or dead one should be closed. */
    public boolean reusable(DatabaseOptions options) {
        try {
            if (connection.isClosed() || expired(options)) {
                return false;
            }
            if (System.nanoTime() - idleSince > options.validateAfterIdle().toNanos()) {
                return connection.isValid(VALIDATION_TIMEOUT_SECONDS);
            }
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Closes it, ignoring failures (it is usually already broken). */
    public void closeQuietly() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Nothing more to do with a dead connection.
        }
    }
}
