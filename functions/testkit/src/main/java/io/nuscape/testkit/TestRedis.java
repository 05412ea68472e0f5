package io.nuscape.testkit;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Redis every test in a JVM shares: the server named by {@code NUSCAPE_TEST_REDIS_URL}, else one
 * embedded redis-server started on first use. Test classes isolate themselves with a key prefix of their
 * own ({@link #uniquePrefix}).
 */
public final class TestRedis {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static volatile String url;

    private TestRedis() {
    }

    public static synchronized String url() {
        if (url == null) {
            String external = System.getenv("NUSCAPE_TEST_REDIS_URL");
            if (external != null && !external.isBlank()) {
                url = external.trim();
            } else {
                EmbeddedRedis embedded = EmbeddedRedis.start();
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
                url = embedded.url();
            }
        }
        return url;
    }

    /** A key prefix no other test class in any JVM run uses. */
    public static String uniquePrefix(String name) {
        String clean = name.replaceAll("[^A-Za-z0-9]", "").toLowerCase(java.util.Locale.ROOT);
        return "t" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + "-"
                + clean.substring(0, Math.min(20, clean.length()));
    }
}
