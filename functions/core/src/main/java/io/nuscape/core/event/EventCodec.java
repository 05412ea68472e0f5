package io.nuscape.core.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.nuscape.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact form events take inside a stream entry: a JSON array of
 * {@code [event_id, ts_ms, kind, key, duration_ms]} arrays. Written by ingest, read by the drainer; the
 * entry's {@code v} field names this version.
 */
public final class EventCodec {
    public static final String VERSION = "1";

    private EventCodec() {
    }

    /** UTF-8 JSON bytes: what the stream entry holds, encoded once on the caller's thread. */
    public static byte[] encode(List<UsageEvent> events) {
        ByteArrayBuilder out = new ByteArrayBuilder(events.size() * 96);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (UsageEvent e : events) {
                g.writeStartArray();
                g.writeString(e.eventId());
                g.writeNumber(e.tsMillis());
                g.writeString(e.kind());
                g.writeString(e.key());
                g.writeNumber(e.durationMs());
                g.writeEndArray();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Decodes an entry's events; throws {@link MalformedBatchException} when the text is not this format. */
    public static List<UsageEvent> decode(byte[] text) throws MalformedBatchException {
        try (JsonParser p = Json.FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new MalformedBatchException("events field is not an array");
            }
            List<UsageEvent> out = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_ARRAY) {
                String id = p.nextTextValue();
                p.nextToken();
                long ts = p.getLongValue();
                String kind = p.nextTextValue();
                String key = p.nextTextValue();
                p.nextToken();
                long duration = p.getLongValue();
                if (id == null || kind == null || key == null || p.nextToken() != JsonToken.END_ARRAY) {
                    throw new MalformedBatchException("event is not [event_id, ts, kind, key, duration_ms]");
                }
                out.add(new UsageEvent(id, ts, kind, key, duration));
            }
            if (p.currentToken() != JsonToken.END_ARRAY || p.nextToken() != null) {
                throw new MalformedBatchException("events field is not a well-formed array");
            }
            return out;
        } catch (IOException e) {
            throw new MalformedBatchException("events field is not valid JSON: " + e.getMessage());
        }
    }
}
