package io.nuscape.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The server URL's scheme: the device token must not cross a network in clear. */
class ClientConfigTest {
    static ClientConfig.Builder with(String url) {
        return ClientConfig.builder(Path.of("unused.db")).serverUrl(URI.create(url));
    }

    @Test
    void httpsIsRequiredForAnotherMachine() {
        with("https://api.example.com/prod").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("http://api.example.com/prod").build());
        assertTrue(e.getMessage().contains("allowInsecureHttp"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> with("http://10.0.0.7:8080").build());
        assertThrows(IllegalArgumentException.class, () -> with("http://127.0.0.1.example.com").build());
        assertThrows(IllegalArgumentException.class, () -> with("http://localhost.evil.com").build());
        assertThrows(IllegalArgumentException.class, () -> with("ftp://api.example.com").build());
        assertThrows(IllegalArgumentException.class, () -> with("ftp://localhost").allowInsecureHttp(true).build());
    }

    @Test
    void plainHttpIsAllowedToThisMachineOrWhenAskedFor() {
        for (String url : new String[] {"http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:9000/prod", "http://127.8.9.10",
                "http://[::1]:8080", "http://api.localhost"}) {
            assertEquals(URI.create(url), with(url).build().serverUrl());
        }
        assertTrue(with("http://api.example.com").allowInsecureHttp(true).build().allowInsecureHttp());
    }

    @Test
    void theQueueMustHoldMoreThanABatch() {
        // A batch being sent is never dropped: a queue no larger than a batch could have no room for a new event.
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.builder(Path.of("x.db")).batchSize(10).maxQueuedEvents(10).build());
        assertEquals(11, ClientConfig.builder(Path.of("x.db")).batchSize(10).maxQueuedEvents(11).build().maxQueuedEvents());
    }
}
