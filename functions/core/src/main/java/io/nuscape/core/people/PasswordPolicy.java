package io.nuscape.core.people;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;

/**
 * What a password must be (CONTRACT.md: at least 12 characters). The upper bound keeps one sign-in from
 * costing more than a hash of an ordinary password.
 */
public final class PasswordPolicy {
    public static final int MIN_CHARACTERS = 12;
    public static final int MAX_CHARACTERS = 1024;

    private PasswordPolicy() {
    }

    /** Refuses a password that breaks the policy with 400 and what to do about it. */
    public static void check(String password) {
        if (password == null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "password is required");
        }
        int characters = password.codePointCount(0, password.length());
        if (characters < MIN_CHARACTERS) {
            throw new ApiException(ErrorCode.INVALID_REQUEST,
                    "password must have at least " + MIN_CHARACTERS + " characters; this one has " + characters);
        }
        if (characters > MAX_CHARACTERS) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "password must have at most " + MAX_CHARACTERS + " characters");
        }
        if (password.codePoints().distinct().count() < 4) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "password must not repeat so few characters; use a passphrase of several words");
        }
    }
}
