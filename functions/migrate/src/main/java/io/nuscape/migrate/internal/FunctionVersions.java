package io.nuscape.migrate.internal;

import java.util.Optional;

/**
 * Which published version of MigrateFunction is running, and how two versions compare. Lambda sets
 * {@code AWS_LAMBDA_FUNCTION_VERSION} to the version executing (also when called through an alias); the
 * invoked ARN's qualifier names it when the caller used a version ARN.
 */
public final class FunctionVersions {
    private FunctionVersions() {
    }

    /**
     * The version running: the environment's {@code AWS_LAMBDA_FUNCTION_VERSION} unless it is absent or
     * {@code $LATEST}, else the numeric qualifier of the invoked ARN
     * ({@code arn:aws:lambda:region:account:function:name:7}); empty when neither says.
     */
    public static Optional<String> running(String environmentVersion, String invokedFunctionArn) {
        if (environmentVersion != null && isNumber(environmentVersion)) {
            return Optional.of(environmentVersion);
        }
        if (invokedFunctionArn != null) {
            String[] parts = invokedFunctionArn.split(":");
            // arn:aws:lambda:region:account:function:name[:qualifier]
            if (parts.length == 8 && isNumber(parts[7])) {
                return Optional.of(parts[7]);
            }
        }
        if (environmentVersion != null && !environmentVersion.isBlank()) {
            return Optional.of(environmentVersion);
        }
        return Optional.empty();
    }

    /**
     * The version a {@code FunctionVersion} property names: SAM's {@code !Ref MigrateFunction.Version} is the
     * version's ARN ({@code ...:function:name:7}), {@code !GetAtt ....Version} the bare number; both give "7".
     */
    public static String named(String property) {
        int colon = property.lastIndexOf(':');
        return colon < 0 ? property : property.substring(colon + 1);
    }

    /**
     * Compares two versions: negative when a is older than b. Published versions are increasing numbers;
     * anything else ({@code $LATEST}, an alias name) cannot be ordered and gives empty.
     */
    public static Optional<Integer> compare(String a, String b) {
        if (a.equals(b)) {
            return Optional.of(0);
        }
        if (isNumber(a) && isNumber(b)) {
            return Optional.of(Long.compare(Long.parseLong(a), Long.parseLong(b)));
        }
        return Optional.empty();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 19 && s.chars().allMatch(Character::isDigit);
    }
}
