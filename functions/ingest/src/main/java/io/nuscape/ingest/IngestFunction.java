package io.nuscape.ingest;

import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisEventQueue;
import java.time.Clock;

/**
 * The ingest function wired from settings: key set, token verifier, Redis connection (opened lazily) and
 * service. One instance per Lambda execution environment, or per local runtime.
 */
public final class IngestFunction implements AutoCloseable {
    private final Settings settings;
    private final KeySource keys;
    private final TokenVerifier verifier;
    private final RedisConnector redis;
    private final RedisEventQueue queue;
    private final IngestService service;

    public IngestFunction(Settings settings) {
        this(settings, KeySource.fromSettings(settings, () -> SecretsClient.create(settings)));
    }

    public IngestFunction(Settings settings, KeySource keys) {
        this.settings = settings;
        this.keys = keys;
        this.verifier = new TokenVerifier(keys, settings.jwtIssuer(), settings.jwtAudience());
        this.redis = new RedisConnector(settings);
        this.queue = new RedisEventQueue(redis, settings);
        this.service = new IngestService(verifier, queue, settings.maxEventsPerBatch(), settings.maxBodyBytes(),
                settings.retryAfterSeconds(), Clock.systemUTC(), new StructuredLog("ingest", settings.logLevel()));
    }

    /**
     * Opens the Redis connection on another thread while the caller goes on loading classes: on a cold start
     * without SnapStart the network handshake then overlaps JVM work instead of adding to the first request.
     * (With SnapStart, beforeCheckpoint closes it and afterRestore opens a new one.)
     */
    public IngestFunction connectInBackground() {
        Thread.ofPlatform().daemon(true).name("redis-connect").start(redis::reconnectQuietly);
        return this;
    }

    public Settings settings() {
        return settings;
    }

    public KeySource keys() {
        return keys;
    }

    public TokenVerifier verifier() {
        return verifier;
    }

    public RedisConnector redis() {
        return redis;
    }

    public RedisEventQueue queue() {
        return queue;
    }

    public IngestService service() {
        return service;
    }

    @Override
    public void close() {
        redis.close();
    }
}
