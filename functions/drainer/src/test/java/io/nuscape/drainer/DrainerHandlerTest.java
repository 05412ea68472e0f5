package io.nuscape.drainer;

import static io.nuscape.drainer.DrainFixture.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import io.nuscape.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Lambda entry point: shard from the schedule's input, the time budget, the summary and EMF line. */
class DrainerHandlerTest {

    @Test
    void drainsTheShardOfTheInputUntilTheTimeBudgetEndsAndEmitsMetrics() throws Exception {
        try (DrainFixture f = new DrainFixture("handler")) {
            for (int i = 0; i < 3; i++) {
                UUID account = UUID.randomUUID();
                f.enqueue(account, f.device(account), List.of(event("k", System.currentTimeMillis(), 10)), true);
            }
            DrainerHandler handler = new DrainerHandler(Settings.from(f.handlerEnvironment()));

            AtomicInteger calls = new AtomicInteger();
            Context context = new FakeContext(() -> calls.incrementAndGet() < 20 ? 60_000 : 500);
            PrintStream original = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Map<String, Object> summary;
            System.setOut(new PrintStream(out, true));
            try {
                summary = handler.handleRequest(Map.of("shard", 0), context);
            } finally {
                System.setOut(original);
            }
            assertEquals(3, summary.get("events_drained"));
            assertEquals("", summary.get("stopped_by"));
            assertEquals(0L, summary.get("stream_pending"));
            assertEquals("done", summary.get("rules_full_rewrite"), "no mark yet: ingest's copy of the rules is rewritten whole first");
            String emf = out.toString().lines().filter(l -> l.contains("\"_aws\"")).findFirst().orElseThrow();
            assertTrue(emf.contains("\"EventsDrained\":3") && emf.contains("\"Namespace\":\"NuScape\""), emf);
            f.assertExactTotals();

            assertThrows(IllegalArgumentException.class, () -> handler.handleRequest(Map.of("shard", 1), context));
        }
    }

    /**
     * With Redis unreachable nothing is drained and the lag is unknown: the invocation must fail (the errors
     * alarm counts failed invocations) and no made-up lag may be published (the lag alarm treats a missing
     * figure as breaching; -1 kept it quiet).
     */
    @Test
    void anInvocationThatCannotReachRedisFailsAndPublishesNoLag() throws Exception {
        try (DrainFixture f = new DrainFixture("handler-down")) {
            Map<String, String> env = new HashMap<>();
            env.put("NUSCAPE_REDIS_URL", "redis://127.0.0.1:" + io.nuscape.testkit.FreePort.pick());
            env.put("NUSCAPE_REDIS_TIMEOUT_MS", "300");
            env.put("NUSCAPE_DATABASE_URL", f.db.jdbcUrl());
            env.put("NUSCAPE_DATABASE_USER", f.db.user());
            env.put("NUSCAPE_DATABASE_PASSWORD", f.db.password());
            env.put("NUSCAPE_LOG_LEVEL", "ERROR");
            try (DrainerHandler handler = new DrainerHandler(Settings.from(env))) {
                PrintStream original = System.out;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                System.setOut(new PrintStream(out, true));
                try {
                    DrainUnavailableException e = assertThrows(DrainUnavailableException.class,
                            () -> handler.handleRequest(Map.of("shard", 0), new FakeContext(() -> 60_000)));
                    assertTrue(e.getMessage().contains("Redis unreachable"), e.getMessage());
                } finally {
                    System.setOut(original);
                }
                String emf = out.toString().lines().filter(l -> l.contains("\"_aws\"")).findFirst().orElseThrow();
                assertTrue(!emf.contains("StreamLagMs") && !emf.contains("StreamPending"), emf);
                assertTrue(emf.contains("\"EventsDrained\":0"), emf);
            }
        }
    }

    @Test
    void theSampleScheduleEventNamesAShard() throws Exception {
        String text = Files.readString(Path.of("../../events/drainer-schedule.json"));
        assertTrue(text.contains("\"shard\": 0"), text);
    }
}
