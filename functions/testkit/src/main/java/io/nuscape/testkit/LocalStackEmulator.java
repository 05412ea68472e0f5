package io.nuscape.testkit;

import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** LocalStack in a container, for machines with a Docker engine and no moto_server. */
final class LocalStackEmulator {
    private LocalStackEmulator() {
    }

    static AwsEmulator start() {
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4"));
        container.start();
        return AwsEmulator.of(container.getEndpoint(), container::stop, "localstack");
    }
}
