package io.nuscape.api;

import io.nuscape.api.internal.AuthenticationFilter;
import io.nuscape.api.internal.ErrorMapper;
import io.nuscape.api.internal.InvitationLinks;
import io.nuscape.api.internal.NoStore;
import io.nuscape.api.internal.SessionCookie;
import io.nuscape.api.internal.WebPage;
import io.nuscape.api.resource.ApiKeyResource;
import io.nuscape.api.resource.AuditResource;
import io.nuscape.api.resource.CategoryResource;
import io.nuscape.api.resource.ControlPlaneResource;
import io.nuscape.api.resource.OpenApiResource;
import io.nuscape.api.resource.PageResource;
import io.nuscape.api.resource.OperationsResource;
import io.nuscape.api.resource.ProfileResource;
import io.nuscape.api.resource.SessionResource;
import io.nuscape.api.resource.UsageResource;
import io.nuscape.api.resource.UserResource;
import io.nuscape.api.resource.WebhookResource;
import io.nuscape.core.Settings;
import io.nuscape.core.StructuredLog;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.core.category.Categories;
import io.nuscape.core.category.CategoryUsage;
import io.nuscape.core.profile.CombinedScreenTime;
import io.nuscape.core.limit.LimitEvaluator;
import io.nuscape.api.resource.LimitResource;
import io.nuscape.postgres.PostgresLimitStore;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.core.people.ApiKeys;
import io.nuscape.core.people.Invitations;
import io.nuscape.core.people.PasswordHasher;
import io.nuscape.core.people.PeopleSettings;
import io.nuscape.core.people.Sessions;
import io.nuscape.core.people.GuessThrottle;
import io.nuscape.core.people.UserStore;
import io.nuscape.core.profile.ProfileStore;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresApiKeyStore;
import io.nuscape.postgres.PostgresAuditLog;
import io.nuscape.postgres.PostgresCategoryStore;
import io.nuscape.postgres.PostgresControlPlaneStore;
import io.nuscape.postgres.PostgresProfileStore;
import io.nuscape.postgres.PostgresSessionStore;
import io.nuscape.postgres.PostgresUsageReader;
import io.nuscape.postgres.PostgresUserStore;
import io.nuscape.redis.RedisConnector;
import io.nuscape.redis.RedisControlPlaneCache;
import io.nuscape.redis.RedisEventStream;
import io.nuscape.redis.RedisGuessThrottle;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * The API function wired from settings: key set (verifying and issuing), Postgres pool and the stores of
 * the control plane and of people, Redis for the ingest-side cache, the sign-in throttle and stream
 * figures, and the Jersey application serving it all.
 */
public final class ApiFunction implements AutoCloseable {
    private final Settings settings;
    private final RedisConnector redis;
    private final Database database;
    private final ConnectionPool pool;
    private final ResourceConfig application;
    private final ExecutorService background;

    public ApiFunction(Settings settings) {
        this(settings, KeySource.fromSettings(settings, () -> SecretsClient.create(settings)));
    }

    public ApiFunction(Settings settings, KeySource keys) {
        this(settings, keys, Database.fromSettings(settings, () -> SecretsClient.create(settings)));
    }

    /** With a database of the caller's (tests give it a secret in an emulator). */
    public ApiFunction(Settings settings, KeySource keys, Database database) {
        this(settings, keys, database, Clock.systemUTC());
    }

    /** With the caller's clock as well (tests of expiry move it instead of sleeping). */
    public ApiFunction(Settings settings, KeySource keys, Database database, Clock clock) {
        this.settings = settings;
        this.redis = new RedisConnector(settings);
        this.database = database;
        this.pool = new ConnectionPool(database, settings.apiDatabaseConnections(), 5_000);
        StructuredLog log = new StructuredLog("api", settings.logLevel());
        TokenVerifier verifier = new TokenVerifier(keys, settings.jwtIssuer(), settings.jwtAudience(), clock);
        TokenIssuer issuer = new TokenIssuer(keys, settings.jwtSigningKid(), settings.jwtIssuer(), settings.jwtAudience());
        RedisEventStream stream = new RedisEventStream(redis, settings);
        PeopleSettings people = settings.people();
        // Records API keys' last use off the request path; one thread, and a full queue drops (the next use records).
        this.background = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1000), r -> {
            Thread t = new Thread(r, "api-key-last-use");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
        UserStore users = new PostgresUserStore(pool);
        ProfileStore profiles = new PostgresProfileStore(pool);
        PostgresUsageReader usage = new PostgresUsageReader(pool);
        Categories categories = new Categories(new PostgresCategoryStore(pool));
        CategoryUsage categoryUsage = new CategoryUsage(usage, categories);
        CombinedScreenTime screenTime = new CombinedScreenTime(profiles, usage);
        PostgresApiKeyStore keyStore = new PostgresApiKeyStore(pool);
        ApiKeys apiKeys = new ApiKeys(keyStore, background, clock);
        GuessThrottle signIns = new RedisGuessThrottle(redis, settings.redisPrefix(), "signin",
                new RedisGuessThrottle.Limits(people.failuresPerEmail(), people.failuresPerAddress(), people.failureWindow()));
        // Codes have no email to count by; their own counters, so that code guessing never blocks an office's sign-ins.
        GuessThrottle codes = new RedisGuessThrottle(redis, settings.redisPrefix(), "enroll",
                new RedisGuessThrottle.Limits(1, people.failuresPerAddress(), people.failureWindow()));
        Invitations invitations = new Invitations(users, people.invitation(), clock);
        InvitationLinks links = new InvitationLinks(people.publicUrl());
        List<String> origins = new ArrayList<>(people.allowedOrigins());
        people.publicUrl().ifPresent(u -> origins.add(u.getScheme() + "://" + u.getAuthority()));
        Sessions sessions = new Sessions(users, new PostgresSessionStore(pool), new PasswordHasher(people.argon2()), signIns, issuer,
                people.lifetimes(), clock);
        RedisControlPlaneCache ingestRules = new RedisControlPlaneCache(redis, stream.keys());
        PostgresControlPlaneStore controlPlane = new PostgresControlPlaneStore(pool);
        this.application = new ResourceConfig()
                .register(new AuthenticationFilter(verifier, apiKeys, users))
                .register(new ErrorMapper(log))
                .register(new NoStore())
                .register(new ControlPlaneResource(controlPlane, ingestRules,
                        issuer, Duration.ofDays(settings.deviceTokenDays()), settings.retentionLimits(), invitations, links, codes,
                        people.enrollmentCode(), clock))
                .register(new SessionResource(sessions, new SessionCookie(origins), clock))
                .register(new UserResource(users, invitations, links, clock))
                .register(new ApiKeyResource(apiKeys, keyStore, clock))
                .register(new AuditResource(new PostgresAuditLog(pool), clock))
                .register(new OperationsResource(redis, pool, stream, settings.streamShards()))
                .register(new UsageResource(usage, profiles, categoryUsage, ingestRules, controlPlane, settings.retentionLimits(), clock))
                .register(new CategoryResource(categories, clock))
                .register(new ProfileResource(profiles, screenTime, clock))
                .register(new LimitResource(new PostgresLimitStore(pool), new LimitEvaluator(profiles, screenTime, usage, categoryUsage), clock))
                .register(new WebhookResource(new io.nuscape.postgres.PostgresWebhookStore(pool), settings.delivery().guard(), clock))
                .register(new OpenApiResource())
                .register(new PageResource(new WebPage()));
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
        background.shutdown();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS); // let queued last-use writes finish before the pool closes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
        redis.close();
    }
}
