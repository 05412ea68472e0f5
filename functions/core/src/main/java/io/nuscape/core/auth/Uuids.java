package io.nuscape.core.auth;

/** Strict UUID syntax: the canonical 8-4-4-4-12 hex form that {@link java.util.UUID#fromString} is too lenient for. */
public final class Uuids {
    private Uuids() {
    }

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
            } else if (Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
