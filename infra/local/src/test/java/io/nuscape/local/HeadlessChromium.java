package io.nuscape.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through its own chromedriver (nothing downloaded): what the dashboard's
 * browser tests and {@code scripts/bench page} drive. {@code NUSCAPE_CHROMIUM} and {@code NUSCAPE_CHROMEDRIVER}
 * point elsewhere; without them, or with them missing, it fails saying what to install.
 */
public final class HeadlessChromium {
    private HeadlessChromium() {
    }

    /** A new browser with an empty profile in {@code profileDir}, in a 1280×1000 window. */
    public static ChromeDriver start(Path profileDir) throws IOException {
        Path chromium = Path.of(System.getenv().getOrDefault("NUSCAPE_CHROMIUM", "/usr/bin/chromium"));
        Path driver = Path.of(System.getenv().getOrDefault("NUSCAPE_CHROMEDRIVER", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            throw new IllegalStateException("the dashboard's browser tests and bench need Chromium and its driver, and " + chromium + " or "
                    + driver + " is missing: install Debian's packages (apt-get install chromium chromium-driver; scripts/test does this"
                    + " itself), or point NUSCAPE_CHROMIUM and NUSCAPE_CHROMEDRIVER at them");
        }
        Files.createDirectories(profileDir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // The flags this machine's Chromium needs: no sandbox as root, no background calls to Google's hosts.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profileDir, "--window-size=1280,1000");
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort().build(), options);
    }
}
