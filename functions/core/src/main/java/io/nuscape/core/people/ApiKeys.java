package io.nuscape.core.people;

import io.nuscape.core.audit.Change;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.SecretTokens;
import io.nuscape.core.auth.TokenRejectedException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * API keys for scripts and integrations: {@code nsk_} and 256 random bits, shown once and stored as a
 * hash, looked up on every request so that a revocation applies to the very next one. The time of last
 * use is written at most once a minute per key, and never while the request waits: on {@code background}.
 */
public final class ApiKeys {
    public static final String PREFIX = "nsk_";
    private static final int KEY_BYTES = 32;
    private static final int SHOWN_CHARACTERS = 12;
    private static final long TOUCH_INTERVAL_MILLIS = 60_000;
    private static final int MAX_KEY_CHARACTERS = 100;

    /** A new key and the secret to show once. */
    public record Created(ApiKey key, String secret) {
    }

    private final ApiKeyStore store;
    private final Executor background;
    private final Clock clock;
    // When this instance last asked for a key's use to be recorded: a hot key queues one write a minute, not one a request.
    private final Map<UUID, Long> touched = new ConcurrentHashMap<>();

    public ApiKeys(ApiKeyStore store, Executor background, Clock clock) {
        this.store = store;
        this.background = background;
        this.clock = clock;
    }

    public static boolean looksLikeKey(String bearer) {
        return bearer.startsWith(PREFIX);
    }

    public Created create(UUID accountId, String name, Set<Scope> scopes, Instant expiresAt, String actor) throws Exception {
        String secret = PREFIX + SecretTokens.random(KEY_BYTES);
        ApiKey key = store.create(accountId, name, scopes, expiresAt, SecretTokens.sha256(secret), secret.substring(0, SHOWN_CHARACTERS),
                new Change(actor, clock.instant()));
        return new Created(key, secret);
    }

    /** The principal of a presented key; the rejection's message is safe to return. */
    public Principal authenticate(String secret) throws Exception {
        if (secret.length() > MAX_KEY_CHARACTERS) {
            throw new TokenRejectedException("API key is malformed");
        }
        ApiKey key = store.find(SecretTokens.sha256(secret)).orElseThrow(() -> new TokenRejectedException("API key is not known"));
        Instant now = clock.instant();
        if (key.revokedAt() != null) {
            throw new TokenRejectedException("API key was revoked; ask an admin for a new one");
        }
        if (!key.usableAt(now)) {
            throw new TokenRejectedException("API key has expired; ask an admin for a new one");
        }
        recordUse(key, now);
        return new Principal(key.accountId(), key.actor(), key.scopes(), 0, key.expiresAt() == null ? Instant.MAX : key.expiresAt());
    }

    private void recordUse(ApiKey key, Instant now) {
        long nowMillis = now.toEpochMilli();
        if (key.lastUsedAt() != null && nowMillis - key.lastUsedAt().toEpochMilli() < TOUCH_INTERVAL_MILLIS) {
            return;
        }
        Long last = touched.get(key.apiKeyId());
        if (last != null && nowMillis - last < TOUCH_INTERVAL_MILLIS) {
            return;
        }
        touched.put(key.apiKeyId(), nowMillis);
        if (touched.size() > 10_000) {
            touched.clear(); // bounded; at worst a key is recorded twice in a minute
        }
        background.execute(() -> {
            try {
                store.touch(key.apiKeyId(), now);
            } catch (Exception e) {
                touched.remove(key.apiKeyId()); // try again on the next use
            }
        });
    }
}
