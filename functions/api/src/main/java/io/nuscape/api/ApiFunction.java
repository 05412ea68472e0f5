package io.nuscape.api;

import io.nuscape.api.internal.AuthenticationFilter;
import io.nuscape.api.internal.ErrorMapper;
import io.nuscape.api.resource.ControlPlaneResource;
import io.nuscape.api.resource.OpenApiResource;
import io.nuscape.api.resource.OperationsResource;
import io.nuscape.api.resource.UsageResource;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresControlPlaneStore;
import io.nuscape.postgres.PostgresUsageReader;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.RedisEventStream;
import java.time.Clock;
import java.time.Duration;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * The API function wired from settings: key set (verifying and issuing), Postgres pool and control-plane
 * store, Redis for the ingest-side cache and stream figures, and the Jersey application serving it all.
 */
public final class ApiFunction implements AutoCloseable {
    private final Settings settings;
    private final RedisConnector redis;
    private final Database database;
    private final ConnectionPool pool;
    private final ResourceConfig application;

    public ApiFunction(Settings settings) {
        this(settings, KeySource.fromSettings(settings, () -> SecretsClient.create(settings)));
    }

    public ApiFunction(Settings settings, KeySource keys) {
        this(settings, keys, Database.fromSettings(settings, () -> SecretsClient.create(settings)));
    }

    /** With a database of the caller's (tests give it a secret in an emulator). */
    public ApiFunction(Settings settings, KeySource keys, Database database) {
        this.settings = settings;
        this.redis = new RedisConnector(settings);
        this.database = database;
        this.pool = new ConnectionPool(database, settings.apiDatabaseConnections(), 5_000);
        StructuredLog log = new StructuredLog("api", settings.logLevel());
        TokenVerifier verifier = new TokenVerifier(keys, settings.jwtIssuer(), settings.jwtAudience());
        TokenIssuer issuer = new TokenIssuer(keys, settings.jwtSigningKid(), settings.jwtIssuer(), settings.jwtAudience());
        RedisEventStream stream = new RedisEventStream(redis, settings);
        this.application = new ResourceConfig()
                .register(new AuthenticationFilter(verifier))
                .register(new ErrorMapper(log))
                .register(new ControlPlaneResource(new PostgresControlPlaneStore(pool), new RedisControlPlaneCache(redis, stream.keys()),
                        issuer, Duration.ofDays(settings.deviceTokenDays()), settings.retentionLimits(), Clock.systemUTC()))
                .register(new OperationsResource(redis, pool, stream, settings.streamShards()))
                .register(new UsageResource(new PostgresUsageReader(pool), Clock.systemUTC()))
                .register(new OpenApiResource());
    }

    public ResourceConfig application() {
        return application;
    }

    public Settings settings() {
        return settings;
    }

    public RedisConnector redis() {
        return redis;
    }

    /** Before a SnapStart snapshot: no database connection may be frozen into it. */
    public void releaseDatabaseConnections() {
        pool.closeIdle();
    }

    /**
     * After a SnapStart restore: the snapshot's credentials may have rotated since it was taken, and its
     * connections are dead. Re-reads the credentials and drops pooled connections.
     */
    public void renewDatabaseAccess() {
        try {
            database.reloadCredentials();
        } catch (RuntimeException e) {
            // Secrets Manager unreachable right now: the first connect reads the secret again if refused.
        }
        pool.closeIdle();
    }

    @Override
    public void close() {
        pool.close();
        redis.close();
    }
}
