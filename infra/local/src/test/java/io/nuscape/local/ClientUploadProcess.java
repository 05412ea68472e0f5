package io.nuscape.local;

import io.nuscape.client.NuScapeClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link ClientCrashTest}: opens the client on a database and lets its uploader run (small
 * batches, a short interval) until the test kills it with SIGKILL. Prints {@code ready} once the client is open.
 * Arguments: database file, server URL.
 */
public final class ClientUploadProcess {
    private ClientUploadProcess() {
    }

    public static void main(String[] args) throws Exception {
        NuScapeClient client = NuScapeClient.open(ClientCrashTest.config(Path.of(args[0]), URI.create(args[1])).build());
        System.out.println("ready");
        System.out.flush();
        // Nothing else to do: the uploader thread works until this process is killed.
        Thread.sleep(Duration.ofMinutes(5));
        client.close();
    }
}
