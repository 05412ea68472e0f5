package io.nuscape.client.internal;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The device's identity as kept in the client database: the server it enrolled with, its id and its current
 * token. Saved in the same transaction that obtains it, so a renewed token is never lost to a crash after the
 * server has replaced the old one (the server's answer itself can still be lost in transit; see the README).
 */
public record Credentials(URI server, String deviceId, String token, Instant expiresAt) {
    static final String SERVER = "server_url";
    static final String DEVICE = "device_id";
    static final String TOKEN = "token";
    static final String EXPIRES = "token_expires_at";

    public static Optional<Credentials> load(Connection c) throws SQLException {
        Optional<String> token = ClientDatabase.meta(c, TOKEN);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(ClientDatabase.meta(c, SERVER).map(URI::create).orElse(null),
                ClientDatabase.meta(c, DEVICE).orElse(null), token.get(),
                ClientDatabase.meta(c, EXPIRES).map(Instant::parse).orElse(null)));
    }

    /** Leaves the token out: credentials end up in logs and exception messages. */
    @Override
    public String toString() {
        return "Credentials[server=" + server + ", deviceId=" + deviceId + ", token=<redacted>, expiresAt=" + expiresAt + "]";
    }

    public void save(Connection c) throws SQLException {
        ClientDatabase.putMeta(c, SERVER, server == null ? null : server.toString());
        ClientDatabase.putMeta(c, DEVICE, deviceId);
        ClientDatabase.putMeta(c, TOKEN, token);
        ClientDatabase.putMeta(c, EXPIRES, expiresAt == null ? null : expiresAt.toString());
    }
}
