package io.nuscape.local;

import io.nuscape.client.NuScapeClient;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/**
 * The child JVM of {@link ClientCrashTest}: opens the client on a database, lets its uploader run (small
 * batches, a short interval) and tracks events of its own until the test kills it with SIGKILL, so kills land
 * inside {@code track} too. Prints {@code ready} once the client is open, then, after each {@code track}
 * returned, {@code tracked KEY DURATION_MS .} (the final dot tells a whole line from one cut by the kill).
 * Every event has its own key, {@code PREFIX.N} for N = 0, 1, 2…, so the test can check each one.
 * Arguments: database file, server URL, key prefix.
 */
public final class ClientUploadProcess {
    private ClientUploadProcess() {
    }

    public static void main(String[] args) throws Exception {
        NuScapeClient client = NuScapeClient.open(ClientCrashTest.config(Path.of(args[0]), URI.create(args[1])).build());
        String prefix = args[2];
        PrintStream out = System.out;
        out.println("ready");
        out.flush();
        Random random = new Random();
        for (int i = 0; i < 10_000; i++) {
            String key = prefix + "." + i;
            long duration = 1 + random.nextInt(60_000);
            client.track("app", key, Instant.now().minusMillis(random.nextInt(3_000_000)), Duration.ofMillis(duration));
            out.println("tracked " + key + " " + duration + " .");
            out.flush();
            Thread.sleep(random.nextInt(15));
        }
        // Not reached in the test (killed long before); a run by hand ends here.
        client.close();
    }
}
