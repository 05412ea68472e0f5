package io.nuscape.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The database connection settings: defaults, and invalid values stopping the function with the variable's name. */
class DatabaseSettingsTest {
    @Test
    void defaultsSuitRdsProxy() {
        Settings s = Settings.from(Map.of());
        assertEquals("password", s.databaseAuth());
        assertEquals(0, s.databasePrepareThreshold(), "no named server-side statements by default");
        assertEquals(30, s.databaseValidateIdleSeconds());
        assertEquals(900, s.databaseMaxLifetimeSeconds());
        assertEquals(Optional.empty(), s.databaseSslRootCert());
    }

    @Test
    void invalidValuesNameTheirVariable() {
        for (var bad : Map.of(
                "NUSCAPE_DATABASE_AUTH", "kerberos",
                "NUSCAPE_DATABASE_PREPARE_THRESHOLD", "-1",
                "NUSCAPE_DATABASE_MAX_LIFETIME_SECONDS", "1").entrySet()) {
            ConfigException e = assertThrows(ConfigException.class, () -> Settings.from(Map.of(bad.getKey(), bad.getValue())));
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.from(Map.of(
                "NUSCAPE_DATABASE_AUTH", "iam", "NUSCAPE_DATABASE_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:x")));
        assertTrue(e.getMessage().contains("NUSCAPE_DATABASE_AUTH"), e.getMessage());
        assertEquals("iam", Settings.from(Map.of("NUSCAPE_DATABASE_AUTH", "IAM")).databaseAuth());
    }
}
