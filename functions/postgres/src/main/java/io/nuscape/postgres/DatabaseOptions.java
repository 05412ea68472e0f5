package io.nuscape.postgres;

import io.nuscape.core.Settings;
import java.time.Duration;
import java.util.Optional;

/**
 * How NuScape connects beyond URL and credentials: the server-side prepare threshold, the CA certificates
 * verify-ca / verify-full check the server against, and how long a held connection may idle before it is
 * checked and live before it is replaced.
 *
 * @param prepareThreshold pgjdbc's {@code prepareThreshold}; 0 (the default) never makes named server-side
 *     statements: RDS Proxy pins a client to its database connection for the session once one exists, which
 *     ends multiplexing, and the statements here are few and cheap to plan
 * @param sslRootCert a PEM file of trusted CAs; empty means the Amazon RDS CA bundle in this jar
 * @param validateAfterIdle a connection idle longer is checked ({@code isValid}) before use: RDS Proxy and
 *     NATs drop idle clients silently
 * @param maxLifetime a connection older is closed and replaced, so none outlives a rotated password, a
 *     failover or its IAM token's 15 minutes by long
 */
public record DatabaseOptions(int prepareThreshold, Optional<String> sslRootCert, Duration validateAfterIdle, Duration maxLifetime) {
    public static final DatabaseOptions DEFAULTS = new DatabaseOptions(0, Optional.empty(), Duration.ofSeconds(30), Duration.ofMinutes(15));

    public static DatabaseOptions fromSettings(Settings s) {
        return new DatabaseOptions(s.databasePrepareThreshold(), s.databaseSslRootCert(),
                Duration.ofSeconds(s.databaseValidateIdleSeconds()), Duration.ofSeconds(s.databaseMaxLifetimeSeconds()));
    }

    public DatabaseOptions withSslRootCert(String path) {
        return new DatabaseOptions(prepareThreshold, Optional.of(path), validateAfterIdle, maxLifetime);
    }

    public DatabaseOptions withValidation(Duration validateAfterIdle, Duration maxLifetime) {
        return new DatabaseOptions(prepareThreshold, sslRootCert, validateAfterIdle, maxLifetime);
    }
}
