package io.nuscape.client.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * UUID version 5 (SHA-1 of a namespace and a name, RFC 9562): the same source always gives the same event id,
 * so importing a file twice sends ids the queue and the server already know.
 */
public final class NameBasedUuid {
    /** The namespace of events imported from other trackers (a fixed random UUID of this project). */
    public static final UUID IMPORTS = UUID.fromString("6b0f3c8e-2f0a-4d5e-9a51-7c3e1d2b4f60");

    private NameBasedUuid() {
    }

    public static UUID of(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
        sha1.update(toBytes(namespace));
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) (hash[6] & 0x0F | 0x50);
        hash[8] = (byte) (hash[8] & 0x3F | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = msb << 8 | (hash[i] & 0xFF);
            lsb = lsb << 8 | (hash[8 + i] & 0xFF);
        }
        return new UUID(msb, lsb);
    }

    private static byte[] toBytes(UUID id) {
        byte[] b = new byte[16];
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (msb >>> (56 - 8 * i));
            b[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return b;
    }
}
