package io.nuscape.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Enrolls devices, and their accounts, straight in the control-plane tables: the drainer counts only events
 * of devices that have a row in {@code devices}, as the control plane makes when it issues a device token.
 * Two statements over {@code unnest} whatever the number of devices, so benchmarks enroll thousands at once.
 * Rows that exist already are left as they are. Needs a connection that may write those tables (the owner,
 * not a function's role).
 */
public final class Enrollment {
    private static final String ACCOUNTS = """
            INSERT INTO accounts (account_id, name)
            SELECT DISTINCT a, 'test account' FROM unnest(?::uuid[]) AS a
            ON CONFLICT DO NOTHING""";
    private static final String DEVICES = """
            INSERT INTO devices (device_id, account_id, name, platform)
            SELECT d, a, 'test device', 'test' FROM unnest(?::uuid[], ?::uuid[]) AS v(d, a)
            ON CONFLICT DO NOTHING""";

    private Enrollment() {
    }

    /** Enrolls the devices in {@code account}. */
    public static void enroll(TestDatabase owner, UUID account, UUID... devices) throws SQLException {
        Map<UUID, UUID> accountOfDevice = new HashMap<>();
        for (UUID device : devices) {
            accountOfDevice.put(device, account);
        }
        try (Connection c = owner.connect()) {
            enroll(c, accountOfDevice);
        }
    }

    /** Enrolls each device of the map in the account it maps to. */
    public static void enroll(Connection owner, Map<UUID, UUID> accountOfDevice) throws SQLException {
        UUID[] devices = new UUID[accountOfDevice.size()];
        UUID[] accounts = new UUID[devices.length];
        int i = 0;
        for (var e : accountOfDevice.entrySet()) {
            devices[i] = e.getKey();
            accounts[i++] = e.getValue();
        }
        try (PreparedStatement a = owner.prepareStatement(ACCOUNTS); PreparedStatement d = owner.prepareStatement(DEVICES)) {
            a.setArray(1, owner.createArrayOf("uuid", accounts));
            a.executeUpdate();
            d.setArray(1, owner.createArrayOf("uuid", devices));
            d.setArray(2, owner.createArrayOf("uuid", accounts));
            d.executeUpdate();
        }
    }
}
