package io.nuscape.client.internal;

import io.nuscape.client.ClientException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's SQLite database: the queue, its batches and dead letters, the device's token and the uploader's
 * state, in one file so that a token and the events it uploads can never belong to different devices. The file
 * holds a bearer token, so it is made readable by its owner only and refused when anyone else may read it.
 * One connection, used under a lock: SQLite serializes writers anyway, and the lock makes each method atomic
 * for the threads of this process; other processes are kept out by SQLite's own locking (busy timeout).
 */
public final class ClientDatabase implements AutoCloseable {
    static final int SCHEMA_VERSION = 1;
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    /** Files of this process that are open: a second client on the same file would race the first's uploads. */
    private static final Set<Path> OPEN = new HashSet<>();

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();

    private ClientDatabase(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens (creating it owner-only when missing) the database at {@code file}. */
    public static ClientDatabase open(Path file, boolean syncEveryWrite) {
        Path path = file.toAbsolutePath().normalize();
        synchronized (OPEN) {
            if (!OPEN.add(path)) {
                throw new IllegalStateException("a NuScapeClient of this process already has " + path + " open; use that one");
            }
        }
        try {
            createOwnerOnly(path);
            checkOwnerOnly(path);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + path);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = 10000");
                    try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                        rs.next();
                        if (!"wal".equalsIgnoreCase(rs.getString(1))) {
                            throw new SQLException("SQLite could not switch " + path + " to WAL (journal_mode is " + rs.getString(1) + ")");
                        }
                    }
                    // FULL syncs the WAL at every commit: a returned track() survives a power cut, not only a crash.
                    s.execute("PRAGMA synchronous = " + (syncEveryWrite ? "FULL" : "NORMAL"));
                    if (syncEveryWrite) {
                        // On macOS fsync() does not reach the platter; F_FULLFSYNC does. Other systems ignore these.
                        s.execute("PRAGMA fullfsync = 1");
                        s.execute("PRAGMA checkpoint_fullfsync = 1");
                    }
                    s.execute("PRAGMA foreign_keys = ON");
                }
                ClientDatabase db = new ClientDatabase(path, c);
                db.migrate();
                // SQLite makes the -wal and -shm files with the database's mode; check that it did.
                checkOwnerOnly(path);
                return db;
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        } catch (SQLException e) {
            release(path);
            throw new ClientException("database", "cannot open the client database " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(path);
            throw e;
        }
    }

    private static void release(Path path) {
        synchronized (OPEN) {
            OPEN.remove(path);
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void createOwnerOnly(Path path) {
        try {
            Path dir = path.getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                if (posix(dir)) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
                } else {
                    Files.createDirectories(dir);
                }
            }
            if (!Files.exists(path)) {
                try {
                    if (posix(path)) {
                        Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                    } else {
                        Files.createFile(path);
                    }
                } catch (FileAlreadyExistsException raced) {
                    // Another process made it first; its permissions are checked next like any existing file's.
                }
            }
        } catch (IOException e) {
            throw new ClientException("database", "cannot create the client database " + path + ": " + e.getMessage(), e);
        }
    }

    /** The database and its companion files must be readable and writable by their owner only: they hold the device token. */
    static void checkOwnerOnly(Path path) {
        if (!posix(path)) {
            return; // Not a POSIX file system (Windows): the user's profile directory is what protects it.
        }
        for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
            Path f = path.resolveSibling(path.getFileName() + suffix);
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Set<PosixFilePermission> perms;
            try {
                perms = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new ClientException("permissions", "cannot read the permissions of " + f + ": " + e.getMessage(), e);
            }
            Set<PosixFilePermission> others = EnumSet.copyOf(perms);
            others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            if (!others.isEmpty()) {
                throw new ClientException(0, "permissions", f + " holds the device token and is accessible to others ("
                        + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + f);
            }
        }
    }

    private void migrate() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
            int version = 0;
            try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'schema_version'")) {
                if (rs.next()) {
                    version = Integer.parseInt(rs.getString(1));
                }
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("the database was written by a newer client (schema " + version + "); this one knows " + SCHEMA_VERSION);
            }
            if (version == SCHEMA_VERSION) {
                return;
            }
            connection.setAutoCommit(false);
            try {
                // Events wait here until the server accepts them; batch_id is set once they are in a batch.
                s.execute("""
                        CREATE TABLE events (
                          seq INTEGER PRIMARY KEY AUTOINCREMENT,
                          event_id TEXT NOT NULL UNIQUE,
                          ts_ms INTEGER NOT NULL,
                          kind TEXT NOT NULL,
                          key TEXT NOT NULL,
                          duration_ms INTEGER NOT NULL,
                          batch_id TEXT)""");
                s.execute("CREATE INDEX events_by_batch ON events (batch_id) WHERE batch_id IS NOT NULL");
                // The request body is stored as sent: every retry sends the same bytes under the same batch_id.
                s.execute("""
                        CREATE TABLE batches (
                          batch_id TEXT PRIMARY KEY,
                          formed_at_ms INTEGER NOT NULL,
                          event_count INTEGER NOT NULL,
                          body BLOB NOT NULL,
                          attempts INTEGER NOT NULL DEFAULT 0)""");
                s.execute("""
                        CREATE TABLE dead_letters (
                          id INTEGER PRIMARY KEY AUTOINCREMENT,
                          event_id TEXT NOT NULL,
                          batch_id TEXT,
                          ts_ms INTEGER NOT NULL,
                          kind TEXT NOT NULL,
                          key TEXT NOT NULL,
                          duration_ms INTEGER NOT NULL,
                          status INTEGER NOT NULL,
                          error TEXT,
                          reason TEXT NOT NULL,
                          dead_at_ms INTEGER NOT NULL)""");
                // Ids of imported events, kept while the server could still accept them: a re-import adds none again.
                s.execute("CREATE TABLE imported (event_id TEXT PRIMARY KEY, ts_ms INTEGER NOT NULL) WITHOUT ROWID");
                s.execute("CREATE INDEX imported_by_ts ON imported (ts_ms)");
                s.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', '" + SCHEMA_VERSION + "')");
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Work on the database that needs no transaction (one statement, or reads). */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} alone (no other thread of this process uses the connection meanwhile). */
    public <T> T read(Work<T> work) {
        lock.lock();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw new ClientException("database", "client database " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} in one transaction that takes SQLite's write lock at once, so it never fails half-way on a busy database. */
    public <T> T write(Work<T> work) {
        lock.lock();
        try {
            try (Statement s = connection.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            try {
                T result = work.run(connection);
                try (Statement s = connection.createStatement()) {
                    s.execute("COMMIT");
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                try (Statement s = connection.createStatement()) {
                    s.execute("ROLLBACK");
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new ClientException("database", "client database " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** A value of the meta table (device, token, uploader state). */
    public static Optional<String> meta(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public static void putMeta(Connection c, String name, String value) throws SQLException {
        if (value == null) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM meta WHERE name = ?")) {
                s.setString(1, name);
                s.executeUpdate();
            }
            return;
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
            s.setString(1, name);
            s.setString(2, value);
            s.executeUpdate();
        }
    }

    public static long metaLong(Connection c, String name) throws SQLException {
        return meta(c, name).map(Long::parseLong).orElse(0L);
    }

    public static void addToMeta(Connection c, String name, long delta) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO meta (name, value) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ? AS TEXT)""")) {
            s.setString(1, name);
            s.setString(2, Long.toString(delta));
            s.setLong(3, delta);
            s.executeUpdate();
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new ClientException("database", "closing " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
            release(file);
        }
    }
}
