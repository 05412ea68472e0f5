package io.nuscape.core;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting NuScape reads, taken from environment variables ({@code NUSCAPE_*}), validated once at
 * start-up. The README's configuration table lists the same names and defaults.
 */
public record Settings(
        String redisUrl,
        boolean redisCluster,
        String redisPrefix,
        int redisTimeoutMs,
        int streamShards,
        Optional<String> jwtKeysJson,
        Optional<String> jwtKeysSecretArn,
        int jwtKeysRefreshSeconds,
        String jwtIssuer,
        String jwtAudience,
        int maxEventsPerBatch,
        int maxBodyBytes,
        long defaultRateLimitPerMinute,
        long backlogMaxEntries,
        int retryAfterSeconds,
        int idempotencyTtlSeconds,
        long dlqMaxEntries,
        Optional<URI> awsEndpoint,
        String logLevel,
        String databaseUrl,
        String databaseUser,
        Optional<String> databasePassword,
        Optional<String> databaseSecretArn,
        int drainBatchEntries,
        int drainBlockMs,
        int drainClaimIdleMs,
        int drainMaxFailures,
        int drainSafetyMarginMs,
        Optional<String> jwtSigningKid,
        int deviceTokenDays,
        int apiDatabaseConnections,
        int dedupeWindowHours,
        int maintenanceBatchRows,
        int drainMaxRowsPerTransaction,
        String databaseAuth,
        Optional<String> databaseSslRootCert,
        int databasePrepareThreshold,
        int databaseValidateIdleSeconds,
        int databaseMaxLifetimeSeconds,
        io.nuscape.core.control.RetentionLimits retentionLimits,
        int redisWaitReplicas,
        io.nuscape.core.people.PeopleSettings people,
        io.nuscape.core.webhook.DeliverySettings delivery) {

    /** Settings from the process environment. */
    public static Settings fromEnvironment() {
        return from(System.getenv());
    }

    /** Settings from a variable map (tests and the local runtime pass their own). */
    public static Settings from(Map<String, String> env) {
        Reader r = new Reader(env);
        Settings s = new Settings(
                r.string("NUSCAPE_REDIS_URL", "redis://localhost:6379"),
                r.bool("NUSCAPE_REDIS_CLUSTER", false),
                r.string("NUSCAPE_REDIS_PREFIX", "nuscape"),
                r.integer("NUSCAPE_REDIS_TIMEOUT_MS", 2000, 50, 25_000),
                r.integer("NUSCAPE_STREAM_SHARDS", 1, 1, 1024),
                r.optional("NUSCAPE_JWT_KEYS"),
                r.optional("NUSCAPE_JWT_KEYS_SECRET_ARN"),
                r.integer("NUSCAPE_JWT_KEYS_REFRESH_SECONDS", 300, 0, 86_400),
                r.string("NUSCAPE_JWT_ISSUER", "nuscape"),
                r.string("NUSCAPE_JWT_AUDIENCE", "nuscape"),
                r.integer("NUSCAPE_MAX_EVENTS_PER_BATCH", 1000, 1, 100_000),
                r.integer("NUSCAPE_MAX_BODY_BYTES", 1 << 20, 1024, 6 << 20),
                r.longValue("NUSCAPE_RATE_LIMIT_DEFAULT_PER_MINUTE", 120_000, 0, Long.MAX_VALUE / 2),
                r.longValue("NUSCAPE_BACKLOG_MAX_ENTRIES", 100_000, 1, Long.MAX_VALUE / 2),
                r.integer("NUSCAPE_RETRY_AFTER_SECONDS", 5, 1, 3600),
                r.integer("NUSCAPE_IDEMPOTENCY_TTL_SECONDS", 48 * 3600, 60, 30 * 86_400),
                r.longValue("NUSCAPE_DLQ_MAX_ENTRIES", 20_000, 1000, Long.MAX_VALUE / 2),
                r.optional("NUSCAPE_AWS_ENDPOINT_URL").map(Reader::uri),
                r.string("NUSCAPE_LOG_LEVEL", "INFO").toUpperCase(java.util.Locale.ROOT),
                r.string("NUSCAPE_DATABASE_URL", "jdbc:postgresql://localhost:5432/nuscape"),
                r.string("NUSCAPE_DATABASE_USER", "nuscape"),
                r.optional("NUSCAPE_DATABASE_PASSWORD"),
                r.optional("NUSCAPE_DATABASE_SECRET_ARN"),
                r.integer("NUSCAPE_DRAIN_BATCH_ENTRIES", 200, 1, 10_000),
                r.integer("NUSCAPE_DRAIN_BLOCK_MS", 1000, 1, 30_000),
                r.integer("NUSCAPE_DRAIN_CLAIM_IDLE_MS", 60_000, 10, 3_600_000),
                r.integer("NUSCAPE_DRAIN_MAX_FAILURES", 5, 1, 1000),
                r.integer("NUSCAPE_DRAIN_SAFETY_MARGIN_MS", 10_000, 0, 600_000),
                r.optional("NUSCAPE_JWT_SIGNING_KID"),
                r.integer("NUSCAPE_DEVICE_TOKEN_DAYS", 365, 1, 3660),
                r.integer("NUSCAPE_API_DB_CONNECTIONS", 4, 1, 100),
                r.integer("NUSCAPE_DEDUPE_WINDOW_HOURS", 48, 48, 24 * 400),
                r.integer("NUSCAPE_MAINTENANCE_BATCH_ROWS", 5000, 100, 1_000_000),
                // At least one event's worth (a 24-hour event writes 1 755 rows).
                r.integer("NUSCAPE_DRAIN_MAX_ROWS_PER_TRANSACTION", 50_000, 2_000, 10_000_000),
                r.string("NUSCAPE_DATABASE_AUTH", "password").toLowerCase(java.util.Locale.ROOT),
                r.optional("NUSCAPE_DATABASE_SSL_ROOT_CERT"),
                r.integer("NUSCAPE_DATABASE_PREPARE_THRESHOLD", 0, 0, 1_000_000),
                r.integer("NUSCAPE_DATABASE_VALIDATE_IDLE_SECONDS", 30, 0, 86_400),
                r.integer("NUSCAPE_DATABASE_MAX_LIFETIME_SECONDS", 900, 10, 86_400),
                new io.nuscape.core.control.RetentionLimits(
                        r.integer("NUSCAPE_RETENTION_MAX_DAYS_1M", 35, 14, 3660),
                        r.integer("NUSCAPE_RETENTION_MAX_DAYS_5M", 400, 90, 3660),
                        r.integer("NUSCAPE_RETENTION_MAX_DAYS_60M", 1100, 400, 3660)),
                r.integer("NUSCAPE_REDIS_WAIT_REPLICAS", 0, 0, 16),
                new io.nuscape.core.people.PeopleSettings(
                        java.time.Duration.ofMinutes(r.integer("NUSCAPE_ACCESS_TOKEN_MINUTES", 15, 1, 60)),
                        java.time.Duration.ofDays(r.integer("NUSCAPE_SESSION_DAYS", 30, 1, 365)),
                        java.time.Duration.ofDays(r.integer("NUSCAPE_INVITATION_DAYS", 7, 1, 30)),
                        java.time.Duration.ofMinutes(r.integer("NUSCAPE_ENROLLMENT_CODE_MINUTES", 15, 1, 1440)),
                        r.optional("NUSCAPE_PUBLIC_URL").map(v -> Reader.url("NUSCAPE_PUBLIC_URL", v)),
                        r.optional("NUSCAPE_ALLOWED_ORIGINS").map(v -> java.util.Arrays.stream(v.split(","))
                                .map(String::strip).filter(o -> !o.isEmpty()).map(o -> Reader.url("NUSCAPE_ALLOWED_ORIGINS", o).toString())
                                .toList()).orElse(java.util.List.of()),
                        r.integer("NUSCAPE_SIGNIN_FAILURES_PER_EMAIL", 5, 1, 1000),
                        r.integer("NUSCAPE_SIGNIN_FAILURES_PER_ADDRESS", 50, 1, 100_000),
                        java.time.Duration.ofMinutes(r.integer("NUSCAPE_SIGNIN_WINDOW_MINUTES", 15, 1, 1440)),
                        new io.nuscape.core.people.PasswordHasher.Parameters(
                                r.integer("NUSCAPE_ARGON2_MEMORY_KIB", io.nuscape.core.people.PasswordHasher.Parameters.DEFAULT.memoryKib(), 8, 4 << 20),
                                r.integer("NUSCAPE_ARGON2_ITERATIONS", io.nuscape.core.people.PasswordHasher.Parameters.DEFAULT.iterations(), 1, 100),
                                r.integer("NUSCAPE_ARGON2_PARALLELISM", io.nuscape.core.people.PasswordHasher.Parameters.DEFAULT.parallelism(), 1, 64))),
                new io.nuscape.core.webhook.DeliverySettings(
                        r.bool("NUSCAPE_WEBHOOK_ALLOW_PRIVATE", false),
                        java.time.Duration.ofMillis(r.integer("NUSCAPE_WEBHOOK_TIMEOUT_MS", 5000, 100, 60_000)),
                        r.optional("NUSCAPE_ALERT_BUS_NAME"),
                        r.optional("NUSCAPE_WEBHOOK_SENDER_FUNCTION")));
        if (!s.databaseUrl.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("NUSCAPE_DATABASE_URL must be a JDBC URL starting with jdbc:postgresql://");
        }
        if (!java.util.List.of("password", "iam").contains(s.databaseAuth)) {
            throw new ConfigException("NUSCAPE_DATABASE_AUTH must be password or iam, got '" + s.databaseAuth + "'");
        }
        if (s.databaseAuth.equals("iam") && s.databaseSecretArn.isPresent()) {
            throw new ConfigException("NUSCAPE_DATABASE_AUTH=iam takes no NUSCAPE_DATABASE_SECRET_ARN: IAM roles have no password");
        }
        if (!s.redisPrefix.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new ConfigException("NUSCAPE_REDIS_PREFIX must be 1-64 characters of [A-Za-z0-9_.-], got '"
                    + s.redisPrefix + "'");
        }
        if (!s.redisUrl.startsWith("redis://") && !s.redisUrl.startsWith("rediss://")) {
            throw new ConfigException("NUSCAPE_REDIS_URL must start with redis:// or rediss://");
        }
        if (!java.util.List.of("DEBUG", "INFO", "WARN", "ERROR").contains(s.logLevel)) {
            throw new ConfigException("NUSCAPE_LOG_LEVEL must be DEBUG, INFO, WARN or ERROR, got '" + s.logLevel + "'");
        }
        return s;
    }

    /** A copy with some variables overridden; for tests and the local runtime. */
    public static Settings with(Map<String, String> base, Map<String, String> overrides) {
        var merged = new java.util.HashMap<>(base);
        merged.putAll(overrides);
        return from(merged);
    }

    private record Reader(Map<String, String> env) {
        Optional<String> optional(String name) {
            String v = env.get(name);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
        }

        String string(String name, String fallback) {
            return optional(name).orElse(fallback);
        }

        boolean bool(String name, boolean fallback) {
            return optional(name).map(v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw new ConfigException(name + " must be true or false, got '" + v + "'");
            }).orElse(fallback);
        }

        int integer(String name, int fallback, int min, int max) {
            return (int) longValue(name, fallback, min, max);
        }

        long longValue(String name, long fallback, long min, long max) {
            Optional<String> v = optional(name);
            if (v.isEmpty()) {
                return fallback;
            }
            long parsed;
            try {
                parsed = Long.parseLong(v.get());
            } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be a whole number, got '" + v.get() + "'");
            }
            if (parsed < min || parsed > max) {
                throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + parsed);
            }
            return parsed;
        }

        /** An http(s) origin or base URL without query or fragment; a trailing slash is dropped. */
        static URI url(String name, String v) {
            URI u;
            try {
                u = URI.create(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " is not a URL: " + v, e);
            }
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null || u.getQuery() != null
                    || u.getFragment() != null) {
                throw new ConfigException(name + " must be an http(s) URL without query or fragment, got " + v);
            }
            return u;
        }

        static URI uri(String v) {
            try {
                return URI.create(v);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("NUSCAPE_AWS_ENDPOINT_URL is not a URL: " + v, e);
            }
        }
    }
}
