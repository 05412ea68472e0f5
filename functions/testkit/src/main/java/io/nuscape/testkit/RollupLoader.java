package io.nuscape.testkit;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Bulk-loads synthetic rollup rows with COPY for benchmarks: for each (account, device), rows at evenly
 * strided buckets of the range (distinct, so the primary key holds), a random key of {@code keys}.
 */
public final class RollupLoader {
    private RollupLoader() {
    }

    /** Loads up to {@code rows} rows into {@code table} with buckets of {@code stepMillis} in [start, end); returns rows written. */
    public static long copy(String jdbcUrl, String user, String password, String table, long stepMillis, long rows,
                            UUID[] accounts, UUID[][] devices, int keys, Instant start, Instant end, Random rnd) throws Exception {
        long buckets = Math.max(1, (end.toEpochMilli() - start.toEpochMilli()) / stepMillis);
        long pairs = (long) accounts.length * devices[0].length;
        long perDevice = Math.max(1, rows / pairs);
        long stride = Math.max(1, buckets / perDevice);
        long written = 0;
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY " + table + " (account_id, device_id, bucket_start, kind, key, events, duration_ms) FROM STDIN");
            StringBuilder b = new StringBuilder(1 << 20);
            for (int a = 0; a < accounts.length; a++) {
                for (int d = 0; d < devices[a].length; d++) {
                    long offset = rnd.nextInt((int) stride);
                    for (long i = 0; i < perDevice && written < rows; i++) {
                        long bucket = start.toEpochMilli() + ((offset + i * stride) % buckets) * stepMillis;
                        b.append(accounts[a]).append('\t').append(devices[a][d]).append('\t').append(Instant.ofEpochMilli(bucket)).append('\t')
                                .append(rnd.nextInt(5) == 0 ? "web" : "app").append('\t').append("com.example.k").append(rnd.nextInt(keys)).append('\t')
                                .append(1 + rnd.nextInt(20)).append('\t').append(rnd.nextInt((int) Math.min(stepMillis, 3_600_000))).append('\n');
                        written++;
                        if (b.length() > (1 << 20)) {
                            flush(in, b);
                        }
                    }
                }
            }
            flush(in, b);
            in.endCopy();
        }
        return written;
    }

    private static void flush(CopyIn in, StringBuilder b) throws java.sql.SQLException {
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(bytes, 0, bytes.length);
        b.setLength(0);
    }
}
