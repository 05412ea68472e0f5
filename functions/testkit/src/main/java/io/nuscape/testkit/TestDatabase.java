package io.nuscape.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A Postgres database a test class has to itself: JDBC URL and credentials. */
public record TestDatabase(String jdbcUrl, String user, String password) {
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }
}
