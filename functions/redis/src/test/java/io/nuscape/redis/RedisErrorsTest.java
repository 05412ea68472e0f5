package io.nuscape.redis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import org.junit.jupiter.api.Test;

/** Server states answer 503; faults of the command itself do not hide behind them. */
class RedisErrorsTest {
    static boolean unavailable(String reply) {
        return RedisErrors.isUnavailable(new RedisCommandExecutionException(reply));
    }

    @Test
    void failoverAndLoadStatesAreUnavailable() {
        for (String reply : new String[] {"READONLY You can't write against a read only replica.",
            "LOADING Redis is loading the dataset in memory", "BUSY Redis is busy running a script.",
            "CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot",
            "MASTERDOWN Link with MASTER is down", "OOM command not allowed when used memory > 'maxmemory'.",
            "ERR Error running script (call to f_1e03): @user_script:58: @user_script: 58: -READONLY You can't write against a read only replica."}) {
            assertTrue(unavailable(reply), reply);
        }
    }

    @Test
    void faultsOfTheCommandAreNot() {
        for (String reply : new String[] {"ERR wrong number of arguments", "WRONGTYPE Operation against a key holding the wrong kind of value",
            "ERR Error running script (call to f_1e03): @user_script:3: user_script:3: attempt to compare nil with number",
            "NOSCRIPT No matching script", "ERR value mentions READONLY in the middle"}) {
            assertFalse(unavailable(reply), reply);
        }
    }
}
