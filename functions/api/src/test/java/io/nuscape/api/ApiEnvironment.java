package io.nuscape.api;

import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestRedis;
import java.util.HashMap;
import java.util.Map;

/** The API function's variables in tests: the test Redis under its own prefix, Postgres as the API's role, a test key. */
final class ApiEnvironment {
    private ApiEnvironment() {
    }

    /** A mutable map, so that a test can add its own settings. */
    static Map<String, String> of(TestDatabase db, String name, TestKeys.Key key) {
        Map<String, String> env = new HashMap<>();
        env.put("NUSCAPE_REDIS_URL", TestRedis.url());
        env.put("NUSCAPE_REDIS_PREFIX", TestRedis.uniquePrefix(name));
        TestDatabase role = db.asRole("nuscape_api"); // the API's least-privileged role (V2 migration and later)
        env.put("NUSCAPE_DATABASE_URL", role.jdbcUrl());
        env.put("NUSCAPE_DATABASE_USER", role.user());
        env.put("NUSCAPE_DATABASE_PASSWORD", role.password());
        env.put("NUSCAPE_JWT_KEYS", TestKeys.keySet(key));
        env.put("NUSCAPE_LOG_LEVEL", "WARN");
        return env;
    }
}
