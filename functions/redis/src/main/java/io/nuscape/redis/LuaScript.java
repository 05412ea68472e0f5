package io.nuscape.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.nuscape.core.queue.QueueUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script shipped as a resource of this package, run by {@code EVALSHA} with a fallback to
 * {@code EVAL} when the server does not know it yet (first use, restart, failover). Connection failures
 * and error replies that name a state of the server ({@link RedisErrors}) become
 * {@link QueueUnavailableException}.
 */
final class LuaScript {
    private final String source;
    private final String sha;

    LuaScript(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            this.source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    <T> T run(RedisConnector redis, ScriptOutputType type, String[] keys, byte[]... argv) {
        try {
            RedisClusterCommands<String, byte[]> c = redis.commands();
            try {
                return c.evalsha(sha, type, keys, argv);
            } catch (RedisNoScriptException e) {
                return c.eval(source, type, keys, argv);
            }
        } catch (RedisCommandExecutionException e) {
            if (RedisErrors.isUnavailable(e)) {
                throw new QueueUnavailableException("Redis cannot take writes now: " + e.getMessage(), e);
            }
            throw e;
        } catch (RedisException e) {
            throw new QueueUnavailableException("Redis did not answer: " + e.getMessage(), e);
        }
    }
}
