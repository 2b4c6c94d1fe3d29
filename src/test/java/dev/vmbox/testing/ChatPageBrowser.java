package dev.vmbox.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Test helper: Debian's headless Chromium, driven through Debian's chromedriver (Selenium, never a downloaded driver
 * or browser), using llama-server's own chat page (Debian's default web UI, the legacy SimpleChat) as a person does:
 * open it, enter the API key (and the base URL when the page's default does not fit) in its Settings, type a prompt,
 * and wait for the answer to appear. Screenshots go to {@code target/browser/}, the build's artifact.
 *
 * <p>Chromium's flags are those this closed network needs: no background networking, component updates, sync or
 * QUIC (their connections are refused here, many at a time), a fresh profile, no sandbox (tests run as root).
 */
public final class ChatPageBrowser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1200,900");

    /** Selenium looks for a DevTools binding of this Chromium's version, which the test does not use: no warning. */
    private static final Logger DEVTOOLS_LOG = Logger.getLogger("org.openqa.selenium.devtools");

    static {
        DEVTOOLS_LOG.setLevel(Level.SEVERE);
    }

    private final ChromeDriver driver;
    private final Path work;

    private ChatPageBrowser(ChromeDriver driver, Path work) {
        this.driver = driver;
        this.work = work;
    }

    /** Whether Chromium and chromedriver are installed (scripts/test installs both from Debian). */
    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** Starts Chromium with a fresh profile under {@code work}; chromedriver's log goes there too. */
    public static ChatPageBrowser start(Path work) {
        try {
            Path profile = Files.createDirectories(work.resolve("chromium-profile"));
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .withLogFile(new File(work.resolve("chromedriver.log").toString()))
                    .build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments(FLAGS);
            options.addArguments("--user-data-dir=" + profile);
            return new ChatPageBrowser(new ChromeDriver(service, options), work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the page did: the answer it shows, the base URL its settings had before anything was typed, and whether
     * that default had to be replaced by the endpoint's own address.
     */
    public record Chat(String answer, String defaultBaseUrl, boolean baseUrlTyped) {
    }

    /** A whole check of the page through an endpoint: what it answered, and the screenshot of it. */
    public record Checked(Chat chat, Path screenshot) {
    }

    /**
     * The check both the chroot test and the end-to-end test make, as the README tells a user to use the page: it
     * loads from the endpoint without the key; its own calls get 401 without the key and 200 with it; with the key
     * (and, when the page's default base URL is not the endpoint, the endpoint's address) in Settings, a typed prompt
     * gets an answer. The screenshot is {@code target/browser/SCREENSHOT.png}.
     *
     * @param api the endpoint, {@code http://127.0.0.1:PORT}
     */
    public static Checked check(String api, String key, Path work, String screenshot, Duration answerTimeout) {
        try {
            Files.deleteIfExists(E2ePrerequisites.repo().resolve("target/browser/" + screenshot + "-failed.png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (ChatPageBrowser browser = start(work)) {
            try {
                browser.open(api + "/");
                assertTrue(browser.title().contains("SimpleChat"), "llama-server's page: " + browser.title());
                assertEquals(401L, browser.fetchStatus("/v1/models", null), "the page's own calls need the key");
                assertEquals(200L, browser.fetchStatus("/v1/models", "Bearer " + key), "and pass with it");
                Chat chat = browser.chat(api + "/", "Bearer " + key, api, "Hello, who are you?", 16, answerTimeout);
                Path shot = browser.screenshot(screenshot);
                System.err.println("llama-server's chat page at " + api + " answered: " + chat.answer() + " (screenshot "
                        + shot + ")");
                assertFalse(chat.answer().isBlank());
                assertTrue(Files.size(shot) > 10_000, "a real screenshot: " + shot);
                return new Checked(chat, shot);
            } catch (RuntimeException | AssertionError | IOException e) {
                try {
                    browser.screenshot(screenshot + "-failed");
                } catch (RuntimeException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
                throw new AssertionError("the chat page at " + api + ": " + e.getMessage() + "\n--- chromedriver log (tail)\n"
                        + tail(browser.log()), e);
            }
        }
    }

    /**
     * Opens {@code pageUrl}, waits for the page's script to run, and chats once.
     *
     * @param authorization what goes in the Authorization field ("Bearer KEY"), or null to leave it empty
     * @param endpoint      the address the page must call; typed into BaseURL only when the page's default differs
     * @param maxTokens     the page's max_tokens and n_predict settings (its default, 1024, is long for a test)
     */
    public Chat chat(String pageUrl, String authorization, String endpoint, String prompt, int maxTokens, Duration timeout) {
        open(pageUrl);
        driver.findElement(By.id("settings")).click();
        WebElement base = driver.findElement(By.id("SetBaseURL"));
        String defaultBase = base.getAttribute("value");
        boolean typed = !endpoint.equals(defaultBase);
        if (typed) {
            type(base, endpoint);
        }
        if (authorization != null) {
            type(driver.findElement(By.id("SetAuthorization")), authorization);
        }
        type(driver.findElement(By.id("Setmax_tokens")), Integer.toString(maxTokens));
        type(driver.findElement(By.id("Setn_predict")), Integer.toString(maxTokens));
        WebElement input = driver.findElement(By.id("user-in"));
        input.sendKeys(prompt);
        driver.findElement(By.id("user-btn")).click();
        String answer = Poll.until("the chat page's answer", () -> {
            if (!input.isEnabled()) {
                throw new NotReady("the page is waiting for the model");
            }
            List<WebElement> said = driver.findElements(By.cssSelector("#chat-div p.role-assistant"));
            String text = said.isEmpty() ? "" : said.get(said.size() - 1).getText().strip();
            if (text.length() <= "assistant:".length()) {
                throw new NotReady("no answer on the page: " + driver.findElement(By.id("chat-div")).getText());
            }
            return text.substring(text.indexOf(':') + 1).strip();
        }).every(Duration.ofMillis(250)).await(timeout);
        return new Chat(answer, defaultBase, typed);
    }

    /** Opens the page and waits until its script has drawn the chat (the markup alone says JavaScript is missing). */
    public void open(String pageUrl) {
        driver.get(pageUrl);
        Poll.until("the chat page's script", () -> {
            String shown = driver.findElement(By.id("chat-div")).getText();
            if (!shown.contains("Usage")) {
                throw new NotReady(shown);
            }
            return shown;
        }).every(Duration.ofMillis(200)).await(Duration.ofSeconds(30));
    }

    /** The HTTP status the page's own fetch of {@code path} gets (same origin), with that Authorization or none. */
    public Object fetchStatus(String path, String authorization) {
        return driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch(arguments[0], {headers: arguments[1] ? {'Authorization': arguments[1]} : {}})"
                + ".then(r => done(r.status)).catch(e => done(String(e)));", path, authorization);
    }

    public String title() {
        return driver.getTitle();
    }

    /** Saves what the browser shows as {@code target/browser/NAME.png} in the repository (the build artifact). */
    public Path screenshot(String name) {
        try {
            Path dir = Files.createDirectories(E2ePrerequisites.repo().resolve("target/browser"));
            Path file = dir.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Chromedriver's log, for a failure's message. */
    public String log() {
        try {
            return Files.readString(work.resolve("chromedriver.log"));
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }

    private static void type(WebElement field, String text) {
        field.clear();
        field.sendKeys(text, Keys.TAB); // the page takes a value on its change event, which leaving the field fires
    }

    @Override
    public void close() {
        driver.quit();
    }
}
