package io.nuscape.client.internal;

/**
 * The contract's rules for an event's fields that do not depend on the server's clock (kind, key, duration),
 * checked at {@code track} so that a programming error fails at the call and not as a dead letter later.
 * The time window (now − 30 days to now + 5 minutes) is the server's to judge: the device clock may be wrong.
 */
public final class EventRules {
    public static final long MAX_DURATION_MS = 86_400_000L;
    public static final int MAX_KEY_CODE_POINTS = 256;
    public static final int MAX_KIND_CHARS = 32;

    private EventRules() {
    }

    /** Throws {@link IllegalArgumentException} naming the first rule broken. */
    public static void check(String kind, String key, long durationMs) {
        String problem = kindProblem(kind);
        if (problem == null) {
            problem = keyProblem(key);
        }
        if (problem == null && (durationMs < 0 || durationMs > MAX_DURATION_MS)) {
            problem = "duration must be 0 to 24 hours (86 400 000 ms), was " + durationMs + " ms";
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** {@code ^[a-z][a-z0-9_.-]{0,31}$}. */
    static String kindProblem(String kind) {
        if (kind == null || kind.isEmpty() || kind.length() > MAX_KIND_CHARS) {
            return "kind must be 1 to 32 characters";
        }
        if (kind.charAt(0) < 'a' || kind.charAt(0) > 'z') {
            return "kind must start with a lower-case letter a-z";
        }
        for (int i = 1; i < kind.length(); i++) {
            char c = kind.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
                return "kind may contain only a-z, 0-9, '_', '.' and '-'";
            }
        }
        return null;
    }

    static String keyProblem(String key) {
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
            if (++codePoints > MAX_KEY_CODE_POINTS) {
                return "key must be 1 to 256 characters";
            }
        }
        return null;
    }

    /**
     * A key made valid: control characters become spaces, unpaired surrogates are dropped, and it is cut to 256
     * code points. For keys that come from elsewhere (window titles, app names of other trackers); null when
     * nothing is left.
     */
    public static String sanitizeKey(String raw) {
        if (raw == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), MAX_KEY_CODE_POINTS * 2));
        int codePoints = 0;
        for (int i = 0; i < raw.length() && codePoints < MAX_KEY_CODE_POINTS; i++) {
            char c = raw.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < raw.length() && Character.isLowSurrogate(raw.charAt(i + 1))) {
                    out.append(c).append(raw.charAt(++i));
                    codePoints++;
                }
            } else if (!Character.isLowSurrogate(c)) {
                out.append(Character.isISOControl(c) ? ' ' : c);
                codePoints++;
            }
        }
        String s = out.toString().strip();
        return s.isEmpty() ? null : s;
    }
}
