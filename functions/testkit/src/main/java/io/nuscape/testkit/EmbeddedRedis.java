package io.nuscape.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import redis.embedded.RedisServer;

/**
 * A real redis-server child process on a loopback port (from the embedded-redis package), which tests may
 * stop and start again on the same port to simulate an outage.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private final int port;
    private RedisServer server;

    private EmbeddedRedis(int port) {
        this.port = port;
    }

    public static EmbeddedRedis start() {
        EmbeddedRedis r = new EmbeddedRedis(FreePort.pick());
        r.startServer();
        return r;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized void startServer() {
        try {
            server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("maxmemory-policy noeviction")
                    .onShutdownForceStop(true)
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded redis-server on port " + port, e);
        }
        FreePort.awaitListening(port, Duration.ofSeconds(10));
    }

    public synchronized void stopServer() {
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = null;
        }
    }

    @Override
    public void close() {
        stopServer();
    }
}
