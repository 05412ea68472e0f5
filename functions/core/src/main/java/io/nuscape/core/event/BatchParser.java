package io.nuscape.core.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Uuids;
import java.io.CharConversionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads an ingest request body in one streaming pass: the body must be one JSON object (strict: duplicate
 * keys, bad UTF-8, NaN, trailing data and deep nesting are refused) with an {@code events} array of 1 to
 * {@code maxEvents} elements; each element is validated by {@link EventRules} and either accepted or
 * rejected with a reason. Unknown fields are skipped.
 */
public final class BatchParser {
    /** A rejected event's raw JSON is kept for the dead-letter record up to this size. */
    static final int MAX_RAW_REJECTED_BYTES = 2048;

    private final int maxEvents;

    public BatchParser(int maxEvents) {
        this.maxEvents = maxEvents;
    }

    public ParsedBatch parse(byte[] body, long receivedAtMillis) throws MalformedBatchException {
        try (JsonParser p = Json.FACTORY.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new MalformedBatchException("body is empty; send a JSON object with an \"events\" array");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new MalformedBatchException("body must be a JSON object with an \"events\" array");
            }
            Optional<String> batchId = Optional.empty();
            ParsedBatch events = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "batch_id" -> batchId = batchId(p, v);
                    case "events" -> events = events(p, v, body, receivedAtMillis);
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new MalformedBatchException("body is not valid JSON");
            }
            if (p.nextToken() != null) {
                throw new MalformedBatchException("body has data after the JSON object");
            }
            if (events == null) {
                throw new MalformedBatchException("body has no \"events\" array");
            }
            return new ParsedBatch(batchId, events.accepted(), events.rejected(), events.rejectedRaw());
        } catch (StreamConstraintsException e) {
            throw new MalformedBatchException("body is nested too deeply or has an over-long number or string");
        } catch (CharConversionException e) {
            throw new MalformedBatchException("body is not valid UTF-8");
        } catch (StreamReadException e) {
            String m = String.valueOf(e.getOriginalMessage());
            if (m.startsWith("Duplicate field")) {
                throw new MalformedBatchException("body has a duplicate key: " + m.substring("Duplicate field ".length()));
            }
            if (m.contains("Invalid UTF-8")) {
                throw new MalformedBatchException("body is not valid UTF-8");
            }
            throw new MalformedBatchException("body is not valid JSON (at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new MalformedBatchException("body is not valid JSON");
        }
    }

    private static Optional<String> batchId(JsonParser p, JsonToken v) throws IOException, MalformedBatchException {
        if (v == JsonToken.VALUE_NULL) {
            return Optional.empty();
        }
        if (v != JsonToken.VALUE_STRING || !Uuids.isCanonical(p.getText())) {
            throw new MalformedBatchException("batch_id must be a UUID string (the same on every retry of the batch)");
        }
        return Optional.of(p.getText().toLowerCase(Locale.ROOT));
    }

    private ParsedBatch events(JsonParser p, JsonToken v, byte[] body, long now) throws IOException, MalformedBatchException {
        if (v != JsonToken.START_ARRAY) {
            throw new MalformedBatchException("\"events\" must be an array");
        }
        List<UsageEvent> accepted = new ArrayList<>(Math.min(maxEvents, 64));
        List<Rejection> rejected = new ArrayList<>(0);
        List<String> rejectedRaw = new ArrayList<>(0);
        int index = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new MalformedBatchException("body is not valid JSON");
            }
            if (index >= maxEvents) {
                throw new MalformedBatchException("too many events: at most " + maxEvents + " per batch; split it");
            }
            long start = p.currentTokenLocation().getByteOffset();
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                rejected.add(new Rejection(index, null, "event must be a JSON object"));
                rejectedRaw.add(raw(body, start, p.currentLocation().getByteOffset()));
            } else {
                EventReader r = new EventReader();
                r.read(p);
                String reason = r.problem != null ? r.problem : r.missing();
                UsageEvent e = null;
                if (reason == null) {
                    e = new UsageEvent(r.eventId, r.ts, r.kind, r.key, r.duration);
                    reason = EventRules.check(e, now).orElse(null);
                }
                if (reason == null) {
                    accepted.add(e);
                } else {
                    rejected.add(new Rejection(index, r.eventIdForReport(), reason));
                    rejectedRaw.add(raw(body, start, p.currentLocation().getByteOffset()));
                }
            }
            index++;
        }
        if (index == 0) {
            throw new MalformedBatchException("\"events\" is empty; send 1 to " + maxEvents + " events");
        }
        return new ParsedBatch(Optional.empty(), accepted, rejected, rejectedRaw);
    }

    private static String raw(byte[] body, long from, long to) {
        if (from < 0 || to <= from || to > body.length) {
            return "";
        }
        int len = (int) Math.min(to - from, MAX_RAW_REJECTED_BYTES);
        String s = new String(body, (int) from, len, StandardCharsets.UTF_8);
        return to - from > MAX_RAW_REJECTED_BYTES ? s + "…(truncated)" : s;
    }

    /** Collects one event object's fields; the first type problem wins. */
    private static final class EventReader {
        String eventId;
        long ts = Long.MIN_VALUE;
        String kind;
        String key;
        long duration;
        String problem;
        String rawEventId;

        void read(JsonParser p) throws IOException {
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "event_id" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            rawEventId = p.getText();
                            if (Uuids.isCanonical(rawEventId)) {
                                eventId = rawEventId.toLowerCase(Locale.ROOT);
                            } else {
                                fail("event_id must be a UUID");
                            }
                        } else {
                            p.skipChildren();
                            fail("event_id must be a UUID string");
                        }
                    }
                    case "ts" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            ts = Rfc3339.parseMillis(p.getText());
                            if (ts == Long.MIN_VALUE) {
                                fail("ts must be an RFC 3339 date-time with offset (e.g. 2026-11-23T10:15:30.123Z) or epoch milliseconds");
                            }
                        } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                            ts = p.getLongValue();
                        } else {
                            p.skipChildren();
                            fail("ts must be an RFC 3339 date-time with offset or integer epoch milliseconds");
                        }
                    }
                    case "kind" -> kind = string(p, v, "kind");
                    case "key" -> key = string(p, v, "key");
                    case "duration_ms" -> {
                        if (v == JsonToken.VALUE_NULL) {
                            duration = 0;
                        } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                            duration = p.getLongValue();
                        } else {
                            p.skipChildren();
                            fail("duration_ms must be an integer from 0 to 86400000");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }

        private String string(JsonParser p, JsonToken v, String name) throws IOException {
            if (v == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            p.skipChildren();
            fail(name + " must be a string");
            return null;
        }

        private void fail(String reason) {
            if (problem == null) {
                problem = reason;
            }
        }

        String missing() {
            if (eventId == null) {
                return "event_id is required";
            }
            if (ts == Long.MIN_VALUE) {
                return "ts is required";
            }
            if (kind == null) {
                return "kind is required";
            }
            if (key == null) {
                return "key is required";
            }
            return null;
        }

        String eventIdForReport() {
            if (eventId != null) {
                return eventId;
            }
            return rawEventId == null ? null : rawEventId.substring(0, Math.min(64, rawEventId.length()));
        }
    }
}
