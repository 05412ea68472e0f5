package io.nuscape.postgres.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.ConfigException;
import io.nuscape.core.Json;
import io.nuscape.postgres.CredentialSource;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Credentials from a Secrets Manager secret ({@code username}, {@code password}), read on first use and
 * kept until a connection is refused; re-reads are rate limited so a wrong password cannot turn every
 * connection attempt into a Secrets Manager call.
 */
public final class SecretCredentials implements CredentialSource {
    private final Supplier<String> secret;
    private final Duration minInterval;
    private final Clock clock;
    private Credentials cached;
    private Instant reloadedAt;

    public SecretCredentials(Supplier<String> secret, Duration minInterval, Clock clock) {
        this.secret = secret;
        this.minInterval = minInterval;
        this.clock = clock;
    }

    @Override
    public synchronized Credentials current() {
        if (cached == null) {
            read();
        }
        return cached;
    }

    @Override
    public synchronized boolean reload(boolean force) {
        if (!force && reloadedAt != null && clock.instant().isBefore(reloadedAt.plus(minInterval))) {
            return false;
        }
        // Stamped before the call: a failing Secrets Manager is rate limited too. The first read does not
        // count, so the first refusal after a rotation always re-reads at once.
        reloadedAt = clock.instant();
        read();
        return true;
    }

    private void read() {
        JsonNode node;
        try {
            node = Json.mapper().readTree(secret.get());
        } catch (IOException e) {
            throw new ConfigException("database secret is not JSON with username and password");
        }
        if (node == null || !node.hasNonNull("username") || !node.hasNonNull("password")) {
            throw new ConfigException("database secret must hold \"username\" and \"password\"");
        }
        cached = new Credentials(node.get("username").asText(), node.get("password").asText());
    }
}
