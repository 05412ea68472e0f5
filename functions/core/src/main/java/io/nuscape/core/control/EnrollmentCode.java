package io.nuscape.core.control;

import io.nuscape.core.auth.SecretTokens;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A code that enrolls one device without copying a token by hand: ten characters of Crockford's base32
 * (no I, L, O or U, so nothing reads as another), shown as {@code ABCDE-FGHJK}; 50 bits, single use and
 * short lived. A guess is tried against every account's open codes at once, so the bits matter: with a
 * thousand codes open and guesses throttled per client address, a guess hits one in 10^12. Stored only as
 * the hash of its normal form.
 */
public record EnrollmentCode(String code, Instant expiresAt) {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int LENGTH = 10;

    public static EnrollmentCode generate(Instant expiresAt) {
        StringBuilder b = new StringBuilder(LENGTH + 1);
        for (int i = 0; i < LENGTH; i++) {
            if (i == LENGTH / 2) {
                b.append('-');
            }
            b.append(ALPHABET.charAt(SecretTokens.randomIndex(ALPHABET.length())));
        }
        return new EnrollmentCode(b.toString(), expiresAt);
    }

    /**
     * The hash under which a code as typed is stored: case, dashes and spaces ignored, and the letters people
     * confuse with digits read as those digits (O as 0, I and L as 1). Empty when it cannot be a code.
     */
    public static Optional<byte[]> hash(String typed) {
        if (typed == null || typed.length() > 32) {
            return Optional.empty();
        }
        StringBuilder normal = new StringBuilder(LENGTH);
        for (char ch : typed.toUpperCase(Locale.ROOT).toCharArray()) {
            switch (ch) {
                case '-', ' ' -> { }
                case 'O' -> normal.append('0');
                case 'I', 'L' -> normal.append('1');
                default -> {
                    if (ALPHABET.indexOf(ch) < 0) {
                        return Optional.empty();
                    }
                    normal.append(ch);
                }
            }
        }
        return normal.length() == LENGTH ? Optional.of(SecretTokens.sha256(normal.toString())) : Optional.empty();
    }
}
