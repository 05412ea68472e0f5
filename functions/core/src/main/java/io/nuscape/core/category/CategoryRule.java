package io.nuscape.core.category;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.event.EventRules;
import java.util.Locale;

/**
 * One of an account's category rules: keys of {@code kind} (null: any kind) that match {@code pattern} the
 * {@code match} way fall in {@code category}. {@code domain} matches a host and its subdomains
 * ({@code youtube.com} matches {@code m.youtube.com}, not {@code notyoutube.com}).
 */
public record CategoryRule(String category, String kind, Match match, String pattern) {
    public static final String UNCATEGORIZED = "uncategorized";

    /** How a rule's pattern meets a key. */
    public enum Match {
        EXACT, PREFIX, SUFFIX, DOMAIN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Match parse(String value) {
            for (Match m : values()) {
                if (m.label().equals(value)) {
                    return m;
                }
            }
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"match\" must be exact, prefix, suffix or domain");
        }
    }

    /** A rule from a request's fields, checked, with a 400 naming the rule's position when it is wrong. */
    public static CategoryRule of(int index, String category, String kind, String match, String pattern) {
        String where = "rule " + index + ": ";
        if (category == null || category.isBlank() || category.length() > 50 || category.chars().anyMatch(Character::isISOControl)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "\"category\" must be 1 to 50 characters");
        }
        if (category.strip().equals(UNCATEGORIZED)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "\"uncategorized\" is what no rule matches; it cannot be a rule's category");
        }
        if (kind != null && EventRules.kindProblem(kind) != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "\"kind\": " + EventRules.kindProblem(kind));
        }
        Match m;
        try {
            m = Match.parse(match);
        } catch (ApiException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + e.getMessage());
        }
        if (pattern == null || pattern.isEmpty() || EventRules.keyProblem(pattern) != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "\"pattern\" must be 1 to 256 characters without control characters");
        }
        String p = m == Match.DOMAIN ? pattern.toLowerCase(Locale.ROOT) : pattern;
        if (m == Match.DOMAIN && (p.length() > 253 || !p.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)*"))) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "a \"domain\" pattern is a host name such as youtube.com"
                    + " (letters, digits, '-', '_' and dots; no wildcards)");
        }
        return new CategoryRule(category.strip(), kind, m, p);
    }
}
