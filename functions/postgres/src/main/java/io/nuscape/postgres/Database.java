package io.nuscape.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.ConfigException;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.internal.SecretsClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * How to reach Postgres: {@code NUSCAPE_DATABASE_URL} plus user and password, or the credentials of an RDS
 * secret ({@code NUSCAPE_DATABASE_SECRET_ARN}: JSON with {@code username} and {@code password}).
 */
public final class Database {
    private final String url;
    private final String user;
    private final String password;

    public Database(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    public static Database fromSettings(Settings settings, Supplier<SecretsClient> secrets) {
        if (settings.databaseSecretArn().isPresent()) {
            JsonNode secret;
            try {
                secret = Json.MAPPER.readTree(secrets.get().secretString(settings.databaseSecretArn().get()));
            } catch (java.io.IOException e) {
                throw new ConfigException("database secret is not JSON with username and password");
            }
            if (secret == null || !secret.hasNonNull("username") || !secret.hasNonNull("password")) {
                throw new ConfigException("database secret must hold \"username\" and \"password\"");
            }
            return new Database(settings.databaseUrl(), secret.get("username").asText(), secret.get("password").asText());
        }
        return new Database(settings.databaseUrl(), settings.databaseUser(), settings.databasePassword().orElse(""));
    }

    /** A new connection; callers own and close it. Connect and socket timeouts keep a dead database from hanging a call. */
    public Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "nuscape");
        p.setProperty("reWriteBatchedInserts", "true");
        return DriverManager.getConnection(url, p);
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }
}
