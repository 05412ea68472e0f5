package io.nuscape.core.auth;

/** Strict UUID syntax: the canonical 8-4-4-4-12 hex form that {@link java.util.UUID#fromString} is too lenient for. */
public final class Uuids {
    private static final boolean[] HEX = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            HEX[c] = true;
        }
        for (char c = 'a'; c <= 'f'; c++) {
            HEX[c] = true;
            HEX[Character.toUpperCase(c)] = true;
        }
    }

    private Uuids() {
    }

    /** Runs for every event id: a table look-up per character, not {@code Character.digit}. */
    public static boolean isCanonical(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return false;
                }
            } else if (c >= 128 || !HEX[c]) {
                return false;
            }
        }
        return true;
    }
}
