package io.nuscape.local;

import io.nuscape.postgres.Database;
import io.nuscape.testkit.FreePort;
import io.nuscape.testkit.RedisBinary;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The servers of a local stack: the Postgres and Redis named by {@code NUSCAPE_DATABASE_URL} /
 * {@code NUSCAPE_REDIS_URL}, or embedded ones (a real PostgreSQL 16 and redis-server) whose data lives
 * under the data directory, so that a restart keeps it. Embedded Redis writes an append-only file synced
 * on every write: a 202 means the batch is on disk here too.
 *
 * <p>redis-server is started here rather than through the embedded-redis library, whose JVM shutdown hook
 * would stop it while the drainer and requests in flight still need it; it runs in a session of its own
 * ({@code setsid}) so that a terminal's Ctrl-C reaches only the JVM, which stops it last. Its command
 * line is kept in {@code redis.command} (one argument a line), as Postgres keeps {@code postmaster.opts}:
 * redis-server overwrites its process title, so nothing else tells how to start the same server again
 * (same port, data and durability) after it died.
 */
final class LocalServers implements AutoCloseable {
    final String redisUrl;
    final Database database;
    private final EmbeddedPostgres postgres;
    private final Process redis;
    private boolean closed;

    private LocalServers(String redisUrl, Database database, EmbeddedPostgres postgres, Process redis) {
        this.redisUrl = redisUrl;
        this.database = database;
        this.postgres = postgres;
        this.redis = redis;
    }

    static LocalServers start(Path dataDir, Map<String, String> env) throws IOException {
        Files.createDirectories(dataDir);
        EmbeddedPostgres pg = null;
        Database db;
        String externalDb = env.get("NUSCAPE_DATABASE_URL");
        if (externalDb != null && !externalDb.isBlank()) {
            db = new Database(externalDb, env.getOrDefault("NUSCAPE_DATABASE_USER", "nuscape"), env.getOrDefault("NUSCAPE_DATABASE_PASSWORD", ""));
        } else {
            Path pgData = dataDir.resolve("postgres");
            Leftovers.stopPostgres(pgData);
            // Durable, as the README promises: the embedded server's defaults (-F, synchronous_commit off)
            // may lose committed rows in a crash, and the exactly-once guarantee rests on commits.
            pg = EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPort(FreePort.pick())
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .start();
            db = new Database(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
        }
        Process rs = null;
        String redisUrl = env.get("NUSCAPE_REDIS_URL");
        if (redisUrl == null || redisUrl.isBlank()) {
            Path redisData = Files.createDirectories(dataDir.resolve("redis"));
            Path pidFile = dataDir.resolve("redis.pid");
            Leftovers.stopRedis(pidFile);
            int port = FreePort.pick();
            List<String> command = new ArrayList<>();
            if (new File("/usr/bin/setsid").canExecute()) {
                command.add("/usr/bin/setsid");
            }
            command.addAll(List.of(RedisBinary.path(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", redisData.toAbsolutePath().toString(), "--appendonly", "yes", "--appendfsync", "always",
                    "--save", "", "--maxmemory-policy", "noeviction",
                    "--pidfile", pidFile.toAbsolutePath().toString()));
            Files.write(dataDir.resolve("redis.command"), command);
            rs = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dataDir.resolve("redis.log").toFile())
                    .start();
            try {
                FreePort.awaitListening(port, Duration.ofSeconds(30));
            } catch (IllegalStateException e) {
                rs.destroyForcibly();
                throw new IOException("redis-server did not start; see " + dataDir.resolve("redis.log"), e);
            }
            redisUrl = "redis://127.0.0.1:" + port;
        }
        return new LocalServers(redisUrl, db, pg, rs);
    }

    /** Stops embedded servers cleanly: Redis flushes its append-only file, Postgres shuts down. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (redis != null) {
            redis.destroy(); // SIGTERM: redis-server syncs its append-only file and exits
            try {
                if (!redis.waitFor(30, TimeUnit.SECONDS)) {
                    System.err.println("redis-server did not stop in 30 s; killing it");
                    redis.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                System.err.println("postgres did not stop cleanly: " + e.getMessage());
            }
        }
    }
}
