package io.nuscape.core.auth;

import io.nuscape.core.ConfigException;
import io.nuscape.core.Settings;
import io.nuscape.core.internal.SecretsClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the key set comes from: {@code NUSCAPE_JWT_KEYS} directly, or the Secrets Manager secret named by
 * {@code NUSCAPE_JWT_KEYS_SECRET_ARN}. A secret-backed set is re-read every refresh interval, and at once
 * (at most every 30 s) when a token names a kid the set does not know, so a key added to the secret works
 * without a redeploy.
 */
public final class KeySource {
    private static final Duration UNKNOWN_KID_REFRESH_FLOOR = Duration.ofSeconds(30);

    private final Supplier<String> loader;
    private final boolean refreshable;
    private final Duration refreshEvery;
    private final Clock clock;
    private volatile KeySet current;
    private volatile Instant loadedAt;

    private KeySource(Supplier<String> loader, boolean refreshable, Duration refreshEvery, KeySet initial) {
        this.loader = loader;
        this.refreshable = refreshable;
        this.refreshEvery = refreshEvery;
        this.clock = Clock.systemUTC();
        this.current = initial;
        this.loadedAt = clock.instant();
    }

    /** A fixed key set, for tests and tools. */
    public static KeySource of(KeySet keys) {
        return new KeySource(() -> null, false, Duration.ZERO, keys);
    }

    /** The configured source; the secret wins when both variables are set, since AWS deployments use it. */
    public static KeySource fromSettings(Settings settings, Supplier<SecretsClient> secrets) {
        Optional<String> arn = settings.jwtKeysSecretArn();
        if (arn.isPresent()) {
            SecretsClient client = secrets.get();
            Supplier<String> loader = () -> client.secretString(arn.get());
            return new KeySource(loader, true, Duration.ofSeconds(settings.jwtKeysRefreshSeconds()),
                    KeySet.parse(loader.get()));
        }
        String json = settings.jwtKeysJson().orElseThrow(() -> new ConfigException(
                "no JWT key set: set NUSCAPE_JWT_KEYS (a JSON array of keys) or NUSCAPE_JWT_KEYS_SECRET_ARN"));
        return new KeySource(() -> json, false, Duration.ZERO, KeySet.parse(json));
    }

    /** The key set, re-read first when a secret-backed one is older than its refresh interval. */
    public KeySet keys() {
        if (refreshable && !refreshEvery.isZero() && clock.instant().isAfter(loadedAt.plus(refreshEvery))) {
            reload();
        }
        return current;
    }

    /** Looks a kid up; an unknown kid in a secret-backed set triggers one early re-read (rate limited). */
    public Optional<JwtKey> find(String kid) {
        Optional<JwtKey> key = keys().find(kid);
        if (key.isEmpty() && refreshable && clock.instant().isAfter(loadedAt.plus(UNKNOWN_KID_REFRESH_FLOOR))) {
            reload();
            key = current.find(kid);
        }
        return key;
    }

    private synchronized void reload() {
        try {
            current = KeySet.parse(loader.get());
        } catch (RuntimeException e) {
            // Keep serving with the keys we have: a broken secret must not lock every client out.
            System.err.println("{\"level\":\"ERROR\",\"component\":\"keys\",\"message\":\"JWT key set reload failed; keeping the previous set\",\"reason\":"
                    + io.nuscape.core.Json.write(String.valueOf(e.getMessage())) + "}");
        } finally {
            loadedAt = clock.instant();
        }
    }
}
