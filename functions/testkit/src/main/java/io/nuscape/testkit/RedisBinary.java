package io.nuscape.testkit;

import java.io.File;
import redis.embedded.core.ExecutableProvider;

/** Where a redis-server executable is: on the PATH, else the one the embedded-redis package ships. */
public final class RedisBinary {
    private RedisBinary() {
    }

    /** The absolute path of a redis-server for this platform. */
    public static String path() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "redis-server");
            if (candidate.canExecute()) {
                return candidate.getAbsolutePath();
            }
        }
        try {
            return ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot unpack the embedded redis-server", e);
        }
    }
}
