package org.postkontor.deploy.web;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.postkontor.store.testing.ClientTools;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver by Selenium: both binaries
 * given by path, so Selenium never looks for (or downloads) a browser or a driver. Runs as root
 * with {@code --no-sandbox}, a fresh profile, and no background traffic. {@link #close()} quits the
 * browser and stops the driver, then ends whatever of the processes this test started is left (by
 * their ids: descendants of this JVM that were not there before).
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Set<Long> before;
    private final Path screenshots;

    /** Skips (fails under CI) when chromium or chromium-driver is missing. */
    static void require() {
        ClientTools.require(Files.isExecutable(CHROMIUM), "chromium (Debian package chromium) is not installed");
        ClientTools.require(Files.isExecutable(CHROMEDRIVER),
                "chromedriver (Debian package chromium-driver) is not installed");
    }

    HeadlessChromium(Path profile, Path screenshots) throws IOException {
        this.before = descendants();
        this.screenshots = Files.createDirectories(screenshots);
        System.setProperty("SE_AVOID_STATS", "true");
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogFile(profile.resolveSibling("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--disable-extensions", "--user-data-dir=" + profile, "--window-size=1280,900",
                "--lang=en-US");
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    /** Saves what the browser shows now as {@code name}.png (and to {@code postkontor.screenshots}, if set). */
    void screenshot(String name) throws IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path target = screenshots.resolve(name + ".png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        String docs = System.getProperty("postkontor.screenshots");
        if (docs != null && !docs.isBlank()) {
            Files.copy(shot.toPath(), Files.createDirectories(Path.of(docs)).resolve(name + ".png"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            for (ProcessHandle p : ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid()))
                    .toList()) {
                p.destroyForcibly();
            }
        }
    }

    private static Set<Long> descendants() {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
    }
}
