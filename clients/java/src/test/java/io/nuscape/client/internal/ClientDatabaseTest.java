package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.client.ClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void theDatabaseAndItsWalAreMadeOwnerOnlyInAnOwnerOnlyDirectory() throws Exception {
        Path file = dir.resolve("new/dir/client.db");
        try (ClientDatabase db = ClientDatabase.open(file, true)) {
            new UploadQueue(db, 10, io.nuscape.client.QueueFullPolicy.REFUSE, 10).add(new QueuedEvent(UUID.randomUUID(), 1, "app", "k", 0));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            Path wal = file.resolveSibling("client.db-wal");
            assertTrue(Files.exists(wal), "WAL mode");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(wal)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
            assertEquals("wal", db.read(c -> {
                try (var s = c.createStatement(); var rs = s.executeQuery("PRAGMA journal_mode")) {
                    rs.next();
                    return rs.getString(1);
                }
            }));
            int synchronous = db.read(c -> {
                try (var s = c.createStatement(); var rs = s.executeQuery("PRAGMA synchronous")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertEquals(2, synchronous, "synchronous=FULL");
        }
    }

    @Test
    void aDatabaseOthersCanReadIsRefused() throws Exception {
        Path file = dir.resolve("client.db");
        ClientDatabase.open(file, true).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ClientException e = assertThrows(ClientException.class, () -> ClientDatabase.open(file, true));
        assertEquals("permissions", e.error());
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        ClientDatabase.open(file, true).close();
    }

    @Test
    void aGroupReadableWalIsRefusedToo() throws Exception {
        Path file = dir.resolve("client.db");
        ClientDatabase.open(file, true).close();
        Path wal = dir.resolve("client.db-wal");
        if (!Files.exists(wal)) {
            Files.createFile(wal);
        }
        Files.setPosixFilePermissions(wal, PosixFilePermissions.fromString("rw-r-----"));
        assertThrows(ClientException.class, () -> ClientDatabase.open(file, true));
    }

    static int pragma(ClientDatabase db, String name) {
        return db.read(c -> {
            try (var s = c.createStatement(); var rs = s.executeQuery("PRAGMA " + name)) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    @Test
    void syncEveryWriteAsksForFullFsyncWhereTheSystemHasIt() {
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("durable.db"), true)) {
            assertEquals(1, pragma(db, "fullfsync"), "macOS: fsync alone does not reach the disk");
            assertEquals(1, pragma(db, "checkpoint_fullfsync"));
        }
        try (ClientDatabase db = ClientDatabase.open(dir.resolve("fast.db"), false)) {
            assertEquals(0, pragma(db, "fullfsync"));
        }
    }
}
