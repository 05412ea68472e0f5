package io.nuscape.redis;

import io.lettuce.core.ScriptOutputType;
import io.nuscape.core.people.SignInThrottle;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * {@link SignInThrottle} in Redis: a failure counter per email and per address, each living one window
 * from its first failure; at the limit, sign-ins wait until the window ends. Emails are kept only as
 * SHA-256 hashes of their lower-case form, so Redis holds no address book. Redis unreachable:
 * {@code QueueUnavailableException} (503), never a sign-in let through unchecked.
 */
public final class RedisSignInThrottle implements SignInThrottle {
    /** The defaults: 5 failures per email and 50 per address in 15 minutes. */
    public record Limits(int perEmail, int perAddress, Duration window) {
        public static final Limits DEFAULT = new Limits(5, 50, Duration.ofMinutes(15));
    }

    private static final LuaScript FAIL = new LuaScript("sign-in-failed.lua");

    private final RedisConnector redis;
    private final String prefix;
    private final Limits limits;

    public RedisSignInThrottle(RedisConnector redis, String prefix, Limits limits) {
        this.redis = redis;
        this.prefix = prefix;
        this.limits = limits;
    }

    @Override
    public Optional<Duration> blocked(String email, String address) {
        long wait = Math.max(email == null ? 0 : waitMillis(emailKey(email), limits.perEmail()),
                waitMillis(addressKey(address), limits.perAddress()));
        return wait > 0 ? Optional.of(Duration.ofMillis(wait)) : Optional.empty();
    }

    @Override
    public void failed(String email, String address) {
        byte[] window = Long.toString(limits.window().toMillis()).getBytes(StandardCharsets.US_ASCII);
        if (email != null) {
            FAIL.run(redis, ScriptOutputType.INTEGER, new String[] {emailKey(email)}, window);
        }
        FAIL.run(redis, ScriptOutputType.INTEGER, new String[] {addressKey(address)}, window);
    }

    @Override
    public void succeeded(String email) {
        redis.call(c -> c.del(emailKey(email)));
    }

    /** Milliseconds left in the key's window once it reached the limit; 0 below it. */
    private long waitMillis(String key, int limit) {
        byte[] count = redis.call(c -> c.get(key));
        if (count == null || Long.parseLong(new String(count, StandardCharsets.US_ASCII)) < limit) {
            return 0;
        }
        long ttl = redis.call(c -> c.pttl(key));
        return ttl > 0 ? ttl : limits.window().toMillis();
    }

    private String emailKey(String email) {
        return prefix + ":signin:email:" + sha256(email.strip().toLowerCase(Locale.ROOT));
    }

    private String addressKey(String address) {
        return prefix + ":signin:address:" + (address == null ? "unknown" : address);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
