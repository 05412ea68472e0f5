package io.nuscape.core.internal;

import io.nuscape.core.ConfigException;
import io.nuscape.core.Settings;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * Reads secret strings from AWS Secrets Manager (the JWT key set, database credentials) through the light
 * URL-connection HTTP client. {@code NUSCAPE_AWS_ENDPOINT_URL} points it at an emulator.
 */
public final class SecretsClient implements AutoCloseable {
    private final SecretsManagerClient client;

    public SecretsClient(SecretsManagerClient client) {
        this.client = client;
    }

    public static SecretsClient create(Settings settings) {
        return create(settings.awsEndpoint(), DefaultCredentialsProvider.builder().build(), regionFromEnvironment());
    }

    public static SecretsClient create(Optional<URI> endpoint, AwsCredentialsProvider credentials, Region region) {
        var builder = SecretsManagerClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials)
                .region(region);
        endpoint.ifPresent(builder::endpointOverride);
        return new SecretsClient(builder.build());
    }

    private static Region regionFromEnvironment() {
        String region = Optional.ofNullable(System.getenv("AWS_REGION")).orElse(System.getenv("AWS_DEFAULT_REGION"));
        if (region == null || region.isBlank()) {
            throw new ConfigException("AWS_REGION is not set; it is needed to read secrets from Secrets Manager");
        }
        return Region.of(region);
    }

    public String secretString(String arn) {
        try {
            String value = client.getSecretValue(GetSecretValueRequest.builder().secretId(arn).build()).secretString();
            if (value == null) {
                throw new ConfigException("secret " + arn + " has no string value");
            }
            return value;
        } catch (SecretsManagerException e) {
            throw new ConfigException("cannot read secret " + arn + ": " + e.awsErrorDetails().errorMessage(), e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
