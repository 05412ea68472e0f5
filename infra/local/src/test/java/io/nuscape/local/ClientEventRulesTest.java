package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The client keeps its own copy of the contract's field rules (it must not depend on the server's modules): both
 * copies must refuse exactly the same kinds, keys and durations, or a device would queue events the server then
 * dead-letters, or refuse events the server takes. Here, where both are on the class path, they are compared.
 */
class ClientEventRulesTest {
    @Test
    void theClientRefusesExactlyWhatTheServerRefuses() {
        List<String> kinds = new ArrayList<>(List.of("app", "web", "screen", "a", "a-b.c_d9", "App", "1app", "_app", "", "a b", "é",
                "a".repeat(32), "a".repeat(33), "app\n", "ap\u0000p"));
        List<String> keys = new ArrayList<>(List.of("com.android.chrome", "news.example.org", "a", "", "a".repeat(256), "a".repeat(257),
                "😀".repeat(256), "😀".repeat(257), "tab\there", "line\nbreak", "nul\u0000", "del\u007f", "nel\u0085", "ok é ü", "\ud800",
                "x\udc00", "\ud83d\ude00ok", " leading space"));
        Random rnd = new Random(15);
        for (int i = 0; i < 2_000; i++) {
            kinds.add(randomText(rnd, 1 + rnd.nextInt(36)));
            keys.add(randomText(rnd, rnd.nextInt(300)));
        }
        long[] durations = {0, 1, 86_400_000L, 86_400_001L, -1};
        int compared = 0;
        for (int i = 0; i < kinds.size(); i++) {
            String kind = kinds.get(i);
            String key = keys.get(i % keys.size());
            long duration = durations[i % durations.length];
            boolean server = io.nuscape.core.event.EventRules.kindProblem(kind) != null || io.nuscape.core.event.EventRules.keyProblem(key) != null
                    || duration < 0 || duration > 86_400_000L;
            boolean client;
            try {
                io.nuscape.client.internal.EventRules.check(kind, key, duration);
                client = false;
            } catch (IllegalArgumentException e) {
                client = true;
            }
            assertEquals(server, client, "kind " + kind + ", key " + key + ", duration " + duration);
            compared++;
        }
        assertEquals(kinds.size(), compared);
    }

    /** Mostly the characters the rules care about: letters, digits, the allowed marks, controls, surrogates. */
    private static String randomText(Random rnd, int length) {
        String pool = "abcxyzAZ09_.-é \t\n\u0000\u007f\u0085\ud83d\ude00\ud800";
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(pool.charAt(rnd.nextInt(pool.length())));
        }
        return b.toString();
    }
}
