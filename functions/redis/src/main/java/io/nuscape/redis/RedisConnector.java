package io.nuscape.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.nuscape.core.Settings;
import io.nuscape.core.queue.QueueUnavailableException;
import java.time.Duration;

/**
 * One lazily opened Lettuce connection to Redis, standalone or cluster ({@code NUSCAPE_REDIS_CLUSTER}),
 * plain or TLS ({@code rediss://}). Commands fail fast when Redis is unreachable (no queueing while
 * disconnected, a fixed command timeout), so callers answer 503 long before API Gateway's 30 s. For
 * SnapStart, {@link #suspend()} before the snapshot and {@link #resume()} after restore: while suspended
 * no connection can be opened, so a connect still running on another thread (the cold-start background
 * connect) can never leave a live socket in the snapshot.
 *
 * <p>Keys are strings; values are bytes that callers encode on their own threads. Lettuce would otherwise
 * UTF-8-encode every value on its single event-loop thread, byte by byte into a direct buffer, which
 * made that thread the bottleneck of the whole ingest path.
 */
public final class RedisConnector implements AutoCloseable {
    private final ClientResources resources;
    private final RedisURI uri;
    private final boolean cluster;
    private final Duration timeout;
    private RedisClient standaloneClient;
    private RedisClusterClient clusterClient;
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private volatile StatefulConnection<String, byte[]> connection;
    private volatile RedisClusterCommands<String, byte[]> commands;
    private boolean suspended;

    public RedisConnector(Settings settings) {
        this(settings.redisUrl(), settings.redisCluster(), Duration.ofMillis(settings.redisTimeoutMs()));
    }

    public RedisConnector(String url, boolean cluster, Duration timeout) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(timeout);
        this.cluster = cluster;
        this.timeout = timeout;
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    }

    /** Synchronous commands on the shared connection, opening it first if needed. Thread-safe; Lettuce pipelines. */
    public RedisClusterCommands<String, byte[]> commands() {
        RedisClusterCommands<String, byte[]> c = commands;
        return c != null ? c : connect();
    }

    private synchronized RedisClusterCommands<String, byte[]> connect() {
        if (commands != null) {
            return commands;
        }
        if (suspended) {
            throw new QueueUnavailableException("Redis connections are suspended for a SnapStart snapshot", null);
        }
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        try {
            if (cluster) {
                if (clusterClient == null) {
                    clusterClient = RedisClusterClient.create(resources, uri);
                    clusterClient.setOptions(ClusterClientOptions.builder()
                            .socketOptions(socket)
                            .timeoutOptions(timeouts)
                            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                    .enableAllAdaptiveRefreshTriggers().build())
                            .build());
                }
                StatefulRedisClusterConnection<String, byte[]> c = clusterClient.connect(CODEC);
                connection = c;
                commands = c.sync();
            } else {
                if (standaloneClient == null) {
                    standaloneClient = RedisClient.create(resources, uri);
                    standaloneClient.setOptions(ClientOptions.builder()
                            .socketOptions(socket)
                            .timeoutOptions(timeouts)
                            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                            .build());
                }
                StatefulRedisConnection<String, byte[]> c = standaloneClient.connect(CODEC);
                connection = c;
                commands = c.sync();
            }
            return commands;
        } catch (RuntimeException e) {
            throw new QueueUnavailableException("cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort(), e);
        }
    }

    /**
     * Opens the connection now if Redis answers (after a SnapStart restore); when it does not, the first
     * request tries again and answers 503 if Redis is still away.
     */
    public void reconnectQuietly() {
        try {
            commands();
        } catch (RuntimeException e) {
            // Not fatal here: see above.
        }
    }

    /**
     * Closes the connection and refuses to open another until {@link #resume()}. Synchronized with
     * connecting: a connect under way on another thread finishes first and is then closed here.
     */
    public synchronized void suspend() {
        suspended = true;
        disconnect();
    }

    /** Allows connections again (after a SnapStart restore); the next {@link #commands()} opens one. */
    public synchronized void resume() {
        suspended = false;
    }

    /** Closes the connection (kept clients and threads stay); the next {@link #commands()} opens a new one. */
    public synchronized void disconnect() {
        StatefulConnection<String, byte[]> c = connection;
        commands = null;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public synchronized void close() {
        disconnect();
        if (standaloneClient != null) {
            standaloneClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (clusterClient != null) {
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
