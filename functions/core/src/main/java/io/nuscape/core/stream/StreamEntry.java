package io.nuscape.core.stream;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One stream entry as read: its id and raw fields (an ingest batch, or whatever an older writer left). */
public record StreamEntry(String id, Map<String, byte[]> fields) {

    public String text(String field) {
        byte[] v = fields.get(field);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }
}
