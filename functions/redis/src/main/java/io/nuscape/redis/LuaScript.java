package io.nuscape.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /** What a script answered and how many replicas of its node acknowledged the writes before it. */
    record Replicated<T>(T result, long replicas) {
    }

    /** How often a request follows a MOVED or ASK before it answers 503 (the client retries later). */
    private static final int REDIRECTS = 3;

    /**
     * Runs the script and {@code WAIT replicas timeoutMs} right behind it on the connection of the master
     * that serves the keys' slot (all keys share one hash tag, so {@code keys[0]} names it): both are sent
     * before either answer is awaited, one round trip. WAIT must run on that node because it counts the
     * replicas of the node it runs on; through the cluster connection it could land anywhere.
     *
     * <p>A node connection does not follow redirections as the cluster connection does. MOVED (our slot
     * map is stale: failover, migration finished) reloads the map and tries again; ASK (the slot is being
     * migrated and the keys already left) waits a little and tries again, since sending ASKING on a
     * connection other requests share could apply it to theirs. Neither ran the script, so trying again
     * cannot write twice; past {@link #REDIRECTS} attempts the request answers 503.
     */
    <T> Replicated<T> runAndWait(RedisConnector redis, ScriptOutputType type, String[] keys, int replicas,
                                 long timeoutMs, byte[]... argv) {
        for (int attempt = 1; ; attempt++) {
            try {
                RedisAsyncCommands<String, byte[]> node = redis.writerFor(keys[0]).async();
                RedisFuture<T> script = node.evalsha(sha, type, keys, argv);
                RedisFuture<Long> acked = node.waitForReplication(replicas, timeoutMs);
                T result;
                try {
                    result = await(script, timeoutMs);
                } catch (RedisNoScriptException e) {
                    await(acked, timeoutMs);
                    script = node.eval(source, type, keys, argv);
                    acked = node.waitForReplication(replicas, timeoutMs);
                    result = await(script, timeoutMs);
                }
                return new Replicated<>(result, await(acked, timeoutMs));
            } catch (RedisCommandExecutionException e) {
                String message = String.valueOf(e.getMessage());
                boolean moved = message.startsWith("MOVED");
                if (moved || message.startsWith("ASK")) {
                    if (attempt >= REDIRECTS) {
                        throw new QueueUnavailableException("Redis slot is moving: " + message, e);
                    }
                    if (moved) {
                        redis.refreshTopology();
                    } else {
                        pause(20L * attempt);
                    }
                    continue;
                }
                if (RedisErrors.isUnavailable(e)) {
                    throw new QueueUnavailableException("Redis cannot take writes now: " + message, e);
                }
                throw e;
            } catch (RedisException e) {
                // A node gone (killed master): the next request should find its successor.
                redis.refreshTopology();
                throw new QueueUnavailableException("Redis did not answer: " + e.getMessage(), e);
            }
        }
    }

    /** Both commands carry the command timeout already; the extra second only bounds a lost future. */
    private static <T> T await(RedisFuture<T> future, long timeoutMs) {
        try {
            return future.get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisException r) {
                throw r;
            }
            throw new RedisException(e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new RedisException("no answer in " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException(e);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueUnavailableException("interrupted", e);
        }
    }
}
