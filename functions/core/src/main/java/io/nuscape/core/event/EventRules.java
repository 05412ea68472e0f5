package io.nuscape.core.event;

import io.nuscape.core.auth.Uuids;
import java.time.Duration;
import java.util.Optional;

/**
 * The validation rules of CONTRACT.md for one event, shared by ingest (at receipt) and the drainer (which
 * re-validates what older ingest versions may have queued).
 */
public final class EventRules {
    public static final long MAX_DURATION_MS = 86_400_000L;
    public static final long MAX_AGE_MS = Duration.ofDays(30).toMillis();
    public static final long MAX_AHEAD_MS = Duration.ofMinutes(5).toMillis();
    public static final int MAX_KEY_CHARS = 256;
    public static final int MAX_KIND_CHARS = 32;

    private EventRules() {
    }

    /** The first rule the event breaks, relative to the time it was received; empty when it is valid. */
    public static Optional<String> check(UsageEvent e, long receivedAtMillis) {
        if (e.eventId() == null || !Uuids.isCanonical(e.eventId())) {
            return Optional.of("event_id must be a UUID");
        }
        String ts = tsProblem(e.tsMillis(), receivedAtMillis);
        if (ts != null) {
            return Optional.of(ts);
        }
        String kind = kindProblem(e.kind());
        if (kind != null) {
            return Optional.of(kind);
        }
        String key = keyProblem(e.key());
        if (key != null) {
            return Optional.of(key);
        }
        return Optional.ofNullable(durationProblem(e.durationMs()));
    }

    static String tsProblem(long ts, long now) {
        if (ts < now - MAX_AGE_MS) {
            return "ts is more than 30 days in the past; such events are not accepted";
        }
        if (ts > now + MAX_AHEAD_MS) {
            return "ts is more than 5 minutes in the future; check the device clock";
        }
        return null;
    }

    /** {@code ^[a-z][a-z0-9_.-]{0,31}$}, checked by hand: it runs for every event. */
    public static String kindProblem(String kind) {
        if (kind == null || kind.isEmpty() || kind.length() > MAX_KIND_CHARS) {
            return "kind must be 1 to 32 characters";
        }
        char first = kind.charAt(0);
        if (first < 'a' || first > 'z') {
            return "kind must start with a lower-case letter a-z";
        }
        for (int i = 1; i < kind.length(); i++) {
            char c = kind.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
            if (!ok) {
                return "kind may contain only a-z, 0-9, '_', '.' and '-'";
            }
        }
        return null;
    }

    public static String keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return "key must be 1 to 256 characters";
        }
        int codePoints = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= key.length() || !Character.isLowSurrogate(key.charAt(i + 1))) {
                    return "key is not valid Unicode (unpaired surrogate)";
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return "key is not valid Unicode (unpaired surrogate)";
            } else if (Character.isISOControl(c)) {
                return "key must not contain control characters";
            }
            if (++codePoints > MAX_KEY_CHARS) {
                return "key must be 1 to 256 characters";
            }
        }
        return null;
    }

    static String durationProblem(long duration) {
        return duration < 0 || duration > MAX_DURATION_MS ? "duration_ms must be an integer from 0 to 86400000" : null;
    }
}
