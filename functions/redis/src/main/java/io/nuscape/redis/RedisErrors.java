package io.nuscape.redis;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which error replies of Redis mean "the server cannot take this now" rather than "this request is
 * wrong": a replica promoted or demoted under us, a failover or resharding in progress, a dataset still
 * loading, a script hogging the server, memory or credentials of the environment. Callers answer those
 * with 503 and Retry-After, and the drainer stops and retries later: they never become data failures.
 */
final class RedisErrors {
    private static final Set<String> UNAVAILABLE = Set.of(
            "READONLY", "LOADING", "BUSY", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "NOREPLICAS", "OOM",
            "NOAUTH", "WRONGPASS", "NOPERM");

    private RedisErrors() {
    }

    /**
     * Error codes stand first in a reply; a command that failed inside a script is reported by Redis 6.2
     * as {@code ERR Error running script ...: @user_script: 58: -READONLY ...}, its code after ": -".
     */
    private static final Pattern CODE = Pattern.compile("(?:^|: -)([A-Z]+)\\b");

    /** True when the error reply names a state of the server, not a fault of the command. */
    static boolean isUnavailable(RedisCommandExecutionException e) {
        Matcher m = CODE.matcher(String.valueOf(e.getMessage()).strip());
        while (m.find()) {
            if (UNAVAILABLE.contains(m.group(1))) {
                return true;
            }
        }
        return false;
    }
}
