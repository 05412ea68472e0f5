package io.nuscape.drainer;

import io.nuscape.core.event.EventCodec;
import io.nuscape.core.event.UsageEvent;
import io.nuscape.core.queue.EnqueueOutcome;
import io.nuscape.core.queue.EnqueueRequest;
import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.redis.StreamKeys;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Devices uploading through the real ingest queue as the client library does: every batch has a batch id
 * and is sent again, unchanged, after each 503 until it is accepted (or answered as a duplicate); only
 * then is it added to the fixture's expected tally. Any other failure (what ingest would answer 500) is
 * kept for the test to assert there was none.
 */
final class DeviceLoad implements AutoCloseable {
    private final DrainFixture f;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    final AtomicInteger acknowledged = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

    /** One thread per account, each with a device of its own (enrolled first), sending batches of 5 events. */
    DeviceLoad(DrainFixture f, List<UUID> accounts) throws SQLException {
        this.f = f;
        for (UUID account : accounts) {
            UUID device = f.device(account);
            threads.add(Thread.ofPlatform().name("device-" + device).start(() -> upload(account, device)));
        }
    }

    /** An account for each shard, in shard order: load spread over every shard's master. */
    static List<UUID> accountPerShard(StreamKeys keys) {
        List<UUID> out = new ArrayList<>(Collections.nCopies(keys.shards(), null));
        while (out.contains(null)) {
            UUID a = UUID.randomUUID();
            out.set(keys.shardOf(a), a);
        }
        return out;
    }

    private void upload(UUID account, UUID device) {
        int n = 0;
        while (!stop.get()) {
            List<UsageEvent> events = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 5; i++) {
                events.add(DrainFixture.event("com.example." + (n++ % 7), now - i * 1000L, 500 + i));
            }
            EnqueueRequest r = new EnqueueRequest(account, device, 0, Optional.of(UUID.randomUUID().toString()),
                    events.size(), 0, events.size(), EventCodec.encode(events), "", "{}", now);
            if (!send(r)) {
                return;
            }
            f.expect(device, events);
        }
    }

    /** Sends until accepted; false after a failure that is not "try again later". */
    private boolean send(EnqueueRequest r) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        QueueUnavailableException last = null;
        while (System.nanoTime() < deadline) {
            try {
                EnqueueOutcome o = f.queue.enqueue(r);
                if (o instanceof EnqueueOutcome.Duplicate) {
                    duplicates.incrementAndGet();
                } else if (!(o instanceof EnqueueOutcome.Accepted)) {
                    failures.add(new AssertionError("queue answered " + o));
                    return false;
                }
                acknowledged.incrementAndGet();
                return true;
            } catch (QueueUnavailableException e) {
                unavailable.incrementAndGet();
                last = e;
                sleep(50);
            } catch (RuntimeException e) {
                failures.add(e);
                return false;
            }
        }
        failures.add(new AssertionError("a batch was not accepted in 60 s", last));
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops sending new batches; batches under way are sent until accepted first. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
    }
}
