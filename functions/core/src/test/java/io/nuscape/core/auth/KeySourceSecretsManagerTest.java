package io.nuscape.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.ConfigException;
import io.nuscape.core.Settings;
import io.nuscape.core.internal.SecretsClient;
import io.nuscape.testkit.AwsEmulator;
import io.nuscape.testkit.TestKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;

/** The key set read from Secrets Manager, against a real AWS API emulator (moto_server or LocalStack). */
class KeySourceSecretsManagerTest {
    static AwsEmulator aws;
    static software.amazon.awssdk.services.secretsmanager.SecretsManagerClient sdk;

    @BeforeAll
    static void start() {
        aws = AwsEmulator.start();
        System.out.println("AWS emulator: " + aws.kind() + " at " + aws.endpoint());
        sdk = aws.secretsManager();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        aws.close();
    }

    static SecretsClient client() {
        return SecretsClient.create(Optional.of(aws.endpoint()), AwsEmulator.credentials(), Region.of(AwsEmulator.REGION));
    }

    @Test
    void readsTheKeySetFromTheSecretAndPicksUpAKeyAddedLater() throws Exception {
        TestKeys.Key first = TestKeys.hs256("k1");
        String arn = sdk.createSecret(CreateSecretRequest.builder().name("nuscape/jwt-" + UUID.randomUUID())
                .secretString(TestKeys.keySet(first)).build()).arn();
        Settings settings = Settings.from(Map.of("NUSCAPE_JWT_KEYS_SECRET_ARN", arn, "NUSCAPE_JWT_KEYS_REFRESH_SECONDS", "1"));
        KeySource source = KeySource.fromSettings(settings, KeySourceSecretsManagerTest::client);
        assertTrue(source.find("k1").isPresent());
        assertTrue(source.find("k2").isEmpty());

        TestKeys.Key second = TestKeys.hs256("k2");
        sdk.putSecretValue(PutSecretValueRequest.builder().secretId(arn).secretString(TestKeys.keySet(first, second)).build());
        Thread.sleep(1100);
        assertTrue(source.find("k2").isPresent(), "a refreshed set holds the key added to the secret");

        TokenVerifier verifier = new TokenVerifier(source, "nuscape", "nuscape");
        UUID account = UUID.randomUUID();
        String token = new TokenIssuer(source, Optional.of("k2"), "nuscape", "nuscape")
                .issue(account, UUID.randomUUID().toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofMinutes(5));
        assertEquals(account, verifier.verify(token).accountId());
    }

    @Test
    void aMissingSecretFailsWithItsName() {
        Settings settings = Settings.from(Map.of("NUSCAPE_JWT_KEYS_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope"));
        ConfigException e = assertThrows(ConfigException.class, () -> KeySource.fromSettings(settings, KeySourceSecretsManagerTest::client));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
}
