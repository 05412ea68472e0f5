package io.nuscape.postgres;

import io.nuscape.core.ConfigException;
import io.nuscape.core.Settings;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.postgres.CredentialSource.Credentials;
import io.nuscape.postgres.internal.RootCertificates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * How to reach Postgres: {@code NUSCAPE_DATABASE_URL}, a {@link CredentialSource} (fixed user and password,
 * an RDS secret that rotates, or IAM auth tokens) and {@link DatabaseOptions}. A connection refused for
 * its credentials (SQLSTATE 28P01, 28000) makes a secret-backed source re-read the secret, and the connect
 * is tried once more at once.
 */
public final class Database {
    private final String url;
    private final CredentialSource credentials;
    private final DatabaseOptions options;

    public Database(String url, CredentialSource credentials, DatabaseOptions options) {
        this.url = url;
        this.credentials = credentials;
        this.options = options;
    }

    /** Fixed credentials and default options (tests, the local runtime). */
    public Database(String url, String user, String password) {
        this(url, CredentialSource.fixed(user, password), DatabaseOptions.DEFAULTS);
    }

    /**
     * From settings: IAM tokens when {@code NUSCAPE_DATABASE_AUTH=iam}, else the secret when
     * {@code NUSCAPE_DATABASE_SECRET_ARN} is set (read on first connect), else user and password.
     */
    public static Database fromSettings(Settings settings, Supplier<SecretsClient> secrets) {
        DatabaseOptions options = DatabaseOptions.fromSettings(settings);
        if (settings.databaseAuth().equals("iam")) {
            Properties parsed = org.postgresql.Driver.parseURL(settings.databaseUrl(), null);
            if (parsed == null) {
                throw new ConfigException("NUSCAPE_DATABASE_URL is not a URL pgjdbc accepts");
            }
            String host = parsed.getProperty("PGHOST").split(",")[0];
            int port = Integer.parseInt(parsed.getProperty("PGPORT", "5432").split(",")[0]);
            return new Database(settings.databaseUrl(), CredentialSource.iam(host, port, settings.databaseUser(), region(),
                    DefaultCredentialsProvider.builder().build()), options);
        }
        if (settings.databaseSecretArn().isPresent()) {
            String arn = settings.databaseSecretArn().get();
            return new Database(settings.databaseUrl(), CredentialSource.secret(secrets, arn), options);
        }
        return new Database(settings.databaseUrl(), CredentialSource.fixed(settings.databaseUser(), settings.databasePassword().orElse("")), options);
    }

    private static Region region() {
        String region = Optional.ofNullable(System.getenv("AWS_REGION")).orElse(System.getenv("AWS_DEFAULT_REGION"));
        if (region == null || region.isBlank()) {
            throw new ConfigException("AWS_REGION is not set; NUSCAPE_DATABASE_AUTH=iam signs tokens for a region");
        }
        return Region.of(region);
    }

    /** A new connection; callers own and close it. Connect and socket timeouts keep a dead database from hanging a call. */
    public Connection connect() throws SQLException {
        try {
            return open(credentials.current());
        } catch (SQLException e) {
            if (!refusedCredentials(e)) {
                throw e;
            }
            boolean reread;
            try {
                reread = credentials.reload(false);
            } catch (RuntimeException readFailure) {
                e.addSuppressed(readFailure);
                throw e;
            }
            if (!reread) {
                throw e;
            }
            return open(credentials.current());
        }
    }

    /** Re-reads rotating credentials now (after a SnapStart restore, when the snapshot's may be stale). */
    public void reloadCredentials() {
        credentials.reload(true);
    }

    /**
     * True when the failure is the connection's, not the statement's: the server is unreachable, restarting or
     * failing over, or ended this session (SQLSTATE class 08, 57P01-57P03). Worth a retry later.
     */
    public static boolean unavailable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
    }

    static boolean refusedCredentials(SQLException e) {
        // 28P01: wrong password; 28000: no such role or not allowed (pg_hba, RDS IAM).
        return "28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState());
    }

    private Connection open(Credentials c) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", c.user());
        p.setProperty("password", c.password());
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        p.setProperty("tcpKeepAlive", "true");
        // A server error's "Detail: Failing row contains (...)" could carry an email or a password hash into logs.
        p.setProperty("logServerErrorDetail", "false");
        p.setProperty("ApplicationName", "nuscape");
        p.setProperty("reWriteBatchedInserts", "true");
        p.setProperty("prepareThreshold", Integer.toString(options.prepareThreshold()));
        if (verifiesServer() && !url.contains("sslrootcert=")) {
            p.setProperty("sslrootcert", RootCertificates.path(options.sslRootCert()));
        }
        return DriverManager.getConnection(url, p);
    }

    /** True when the URL's sslmode checks the server's certificate (pgjdbc: {@code ssl=true} alone means verify-full). */
    private boolean verifiesServer() {
        Properties parsed = org.postgresql.Driver.parseURL(url, null);
        if (parsed == null) {
            return false;
        }
        String mode = parsed.getProperty("sslmode");
        if (mode == null) {
            return "true".equalsIgnoreCase(parsed.getProperty("ssl")) || "".equals(parsed.getProperty("ssl"));
        }
        mode = mode.toLowerCase(Locale.ROOT);
        return mode.equals("verify-ca") || mode.equals("verify-full");
    }

    public String url() {
        return url;
    }

    public DatabaseOptions options() {
        return options;
    }

    /** The user of the current credentials. */
    public String user() {
        return credentials.current().user();
    }

    /** The password of the current credentials (local tooling passes it on; never log it). */
    public String password() {
        return credentials.current().password();
    }
}
