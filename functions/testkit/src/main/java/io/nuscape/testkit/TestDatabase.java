package io.nuscape.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A Postgres database a test class has to itself: JDBC URL and credentials. */
public record TestDatabase(String jdbcUrl, String user, String password) {
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    /** The server's port, from the JDBC URL. */
    public int port() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("//[^:/]+:(\\d+)/").matcher(jdbcUrl);
        return m.find() ? Integer.parseInt(m.group(1)) : 5432;
    }

    /** The same database reached through another local port (a {@link TcpProxy}). */
    public TestDatabase throughPort(int port) {
        return new TestDatabase(jdbcUrl.replaceFirst("//([^:/]+):\\d+/", "//127.0.0.1:" + port + "/"), user, password);
    }

    /** Another database of the same server, same credentials. */
    public TestDatabase database(String name) {
        return new TestDatabase(jdbcUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1"), user, password);
    }

    /**
     * The same database as another role. The URL loses any {@code user} parameter: pgjdbc lets URL
     * parameters win over connection properties, so it would silently connect as the old user.
     */
    public TestDatabase as(String role, String rolePassword) {
        String url = jdbcUrl.replaceAll("([?&])user=[^&]*&?", "$1").replaceAll("[?&]$", "");
        return new TestDatabase(url, role, rolePassword);
    }

    /**
     * The same database as one of the functions' roles (made by the V2 migration). A test password is set
     * first, so that a server checking passwords admits the role as well as the embedded one that trusts.
     */
    public TestDatabase asRole(String role) {
        String rolePassword = "nuscape-test-" + role;
        try (Connection c = connect(); java.sql.Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + role + " PASSWORD '" + rolePassword + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set a test password for " + role + ": " + e.getMessage(), e);
        }
        return as(role, rolePassword);
    }
}
