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
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
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
 *
 * <p>A connection that breaks (Redis restarted, a failover) is reopened in the background by Lettuce,
 * with a backoff capped at {@link #RECONNECT_DELAY_MAX}: Lettuce's own cap, 30 s, kept ingest answering
 * 503 for up to that long after Redis was back (13 s after a 20 s outage, measured on the local stack).
 */
public final class RedisConnector implements AutoCloseable {
    static {
        // Netty and Lettuce emit JFR events whenever the JVM has JFR, so the first connection loads JFR's own
        // machinery: about 60 ms of ingest's cold start (scripts/bench coldstart), for events nobody records
        // on Lambda. Set before either library reads them (they do once, in static initialisers); a -D of
        // their own (JAVA_TOOL_OPTIONS) still wins, to record them when profiling.
        offUnlessSet("io.netty.jfr.enabled");
        offUnlessSet("io.lettuce.core.jfr");
    }

    private static void offUnlessSet(String property) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, "false");
        }
    }

    private final ClientResources resources;
    private final RedisURI uri;
    private final boolean cluster;
    private final Duration timeout;
    private RedisClient standaloneClient;
    private RedisClusterClient clusterClient;
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    /** The longest wait between two reconnect attempts: one refused connect a second costs Redis nothing. */
    static final Duration RECONNECT_DELAY_MAX = Duration.ofSeconds(1);

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
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), RECONNECT_DELAY_MAX, 2, java.util.concurrent.TimeUnit.MILLISECONDS))
                .build();
    }

    /** Synchronous commands on the shared connection, opening it first if needed. Thread-safe; Lettuce pipelines. */
    public RedisClusterCommands<String, byte[]> commands() {
        RedisClusterCommands<String, byte[]> c = commands;
        return c != null ? c : connect();
    }

    /**
     * Runs commands and turns Redis being unreachable or failing over into {@link QueueUnavailableException}
     * (the callers' 503 with Retry-After), never a bare Lettuce exception (a 500).
     */
    public <T> T call(java.util.function.Function<RedisClusterCommands<String, byte[]>, T> commands) {
        try {
            return commands.apply(commands());
        } catch (QueueUnavailableException e) {
            throw e;
        } catch (io.lettuce.core.RedisException e) {
            throw new QueueUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
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
                openNodeConnections(c);
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
     * The connection to the server that takes writes for a key: the standalone connection, or on a cluster
     * the node connection of the master that serves the key's slot as far as this client knows (a stale
     * view answers MOVED: {@link #refreshTopology()} and ask again). Commands sent on it go to that node
     * only, which is what {@code WAIT} needs: it counts the replicas of the node it runs on.
     */
    StatefulRedisConnection<String, byte[]> writerFor(String key) {
        commands();
        StatefulConnection<String, byte[]> c = connection;
        try {
            if (c instanceof StatefulRedisClusterConnection<String, byte[]> cluster) {
                int slot = SlotHash.getSlot(key);
                RedisClusterNode node = cluster.getPartitions().getPartitionBySlot(slot);
                if (node == null) {
                    throw new QueueUnavailableException("no Redis node serves slot " + slot + " now", null);
                }
                // By address, not node id: the same connection the cluster connection routes the slot's
                // commands on (and opened by openNodeConnections), not a second one per node.
                return cluster.getConnection(node.getUri().getHost(), node.getUri().getPort());
            }
        } catch (RuntimeException e) {
            throw new QueueUnavailableException("cannot connect to the Redis node of " + key, e);
        }
        if (c instanceof StatefulRedisConnection<String, byte[]> standalone) {
            return standalone;
        }
        throw new QueueUnavailableException("the Redis connection was closed", null);
    }

    /**
     * Lettuce opens the connection to a cluster node when the first command is routed to it, and with
     * REJECT_COMMANDS rejects that command while the connection is still being made: the first request
     * to each master would answer 503. Opening them all here, and waiting for them, avoids that. They are
     * keyed by address: {@code getConnection(nodeId)} would open other ones.
     */
    private static void openNodeConnections(StatefulRedisClusterConnection<String, byte[]> c) {
        for (RedisClusterNode node : c.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                try {
                    c.getConnection(node.getUri().getHost(), node.getUri().getPort());
                } catch (RuntimeException e) {
                    // A node down now: its slots answer 503 until it or its successor is reached.
                }
            }
        }
    }

    private long lastRefreshNanos;

    /**
     * Reloads the cluster's slot map now (no-op when standalone), at most every 200 ms: after a failover or
     * a slot migration every request in flight would otherwise ask at once.
     */
    void refreshTopology() {
        RedisClusterClient c;
        synchronized (this) {
            long now = System.nanoTime();
            if (clusterClient == null || now - lastRefreshNanos < 200_000_000L) {
                return;
            }
            lastRefreshNanos = now;
            c = clusterClient;
        }
        try {
            c.refreshPartitions();
            if (connection instanceof StatefulRedisClusterConnection<String, byte[]> open) {
                openNodeConnections(open); // a promoted replica, a migration target
            }
        } catch (RuntimeException e) {
            // The next request asks again; until then it answers 503 at worst.
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
