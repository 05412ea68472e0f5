package io.nuscape.postgres;

import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.internal.IamTokenCredentials;
import io.nuscape.postgres.internal.SecretCredentials;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where the user name and password of the next Postgres connection come from: fixed values, a Secrets
 * Manager secret that may rotate, or an RDS IAM auth token signed for each connection.
 */
public interface CredentialSource {
    /** Credentials for the next connection. */
    Credentials current();

    /**
     * Re-reads the credentials after a connection was refused for them; true when something was re-read, so
     * one more attempt may succeed. {@code force} skips the rate limit (after a SnapStart restore).
     */
    boolean reload(boolean force);

    /** A user name and password; {@link #toString()} never shows the password. */
    record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + "]";
        }
    }

    /** Fixed credentials ({@code NUSCAPE_DATABASE_USER} / {@code _PASSWORD}). */
    static CredentialSource fixed(String user, String password) {
        Credentials c = new Credentials(user, password);
        return new CredentialSource() {
            @Override
            public Credentials current() {
                return c;
            }

            @Override
            public boolean reload(boolean force) {
                return false;
            }
        };
    }

    /** Secrets Manager is asked again at most this often, however often connections are refused. */
    Duration SECRET_REREAD_FLOOR = Duration.ofSeconds(5);

    /**
     * A Secrets Manager secret with {@code username} and {@code password}: read on first use (the client
     * too), cached, re-read at most once per {@link #SECRET_REREAD_FLOOR}.
     */
    static CredentialSource secret(Supplier<SecretsClient> secrets, String arn) {
        Supplier<String> read = new Supplier<>() {
            private SecretsClient client;

            @Override
            public synchronized String get() {
                if (client == null) {
                    client = secrets.get();
                }
                return client.secretString(arn);
            }
        };
        return new SecretCredentials(read, SECRET_REREAD_FLOOR, Clock.systemUTC());
    }

    /** RDS IAM auth: a fresh token (valid 15 minutes) for each connection to host:port as the user. */
    static CredentialSource iam(String host, int port, String user, Region region, AwsCredentialsProvider aws) {
        return new IamTokenCredentials(host, port, user, region, aws);
    }
}
