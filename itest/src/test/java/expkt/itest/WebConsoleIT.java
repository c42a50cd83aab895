package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.HasAuthentication;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UsernameAndPassword;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console as a person uses it, in headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium): refused without the password (and with the web
 * console's stock {@code admin/admin}), logged in with the generated one; the expkt filters page
 * shows the Wake-on-LAN relay's filter and its nftables counter growing, live, as frames are sent in
 * the lab; version 2 of the relay, rolled out through the REST API, shows in the console active in
 * place (same bundle id) with its state kept: the same socket, its handler served by a second
 * revision, the counters not reset. (Uploading it through the console's own Install/Update dialog
 * fails with a web console bug: {@link #uploadThroughTheConsoleDialog}.) Screenshots of every step
 * are kept in {@code target/webconsole/}.
 */
public class WebConsoleIT {
    static final Path SHOTS = Path.of("target/webconsole");
    static final String WOL = "expkt.protocol.wol";

    @Test
    public void aPersonLogsInWatchesTheFiltersAndSeesVersion2ActiveWithItsStateKept() throws Exception {
        Files.createDirectories(SHOTS);
        try (OpsHost h = OpsHost.start("webconsole", OpsHost.wolJar())) {
            Path v2 = h.run.resolve("expkt.protocol.wol-2.0.0.jar");
            HotDeployIT.withVersion(OpsHost.wolJar(), "2.0.0", v2);
            RestIT.awaitBody(h, "/runtime/filters", "\"name\" : \"wol\"");

            // refused without the password, and with the web console's stock admin/admin
            String console = h.base() + "/system/console/";
            assertEquals(401, h.send(HttpRequest.newBuilder(URI.create(console + "bundles")).build()).statusCode());
            String adminAdmin = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes());
            assertEquals(401, h.send(HttpRequest.newBuilder(URI.create(console + "bundles")).header("Authorization", adminAdmin).build()).statusCode());
            assertEquals(200, h.send(HttpRequest.newBuilder(URI.create(console + "bundles")).header("Authorization", h.basicAuth()).build()).statusCode());

            WebDriver d = browser();
            try {
                // log in: the browser answers the Basic challenge with the generated password
                ((HasAuthentication) d).register(uri -> uri.getPort() == h.port, UsernameAndPassword.of("admin", h.password));
                d.get(console + "bundles");
                await(d, "the bundles page", () -> d.getPageSource().contains("Bundle information:") && d.getPageSource().contains("Wake-on-LAN"));
                shot(d, "01-logged-in-bundles");

                // the expkt filters page: the relay's filter, its counter growing live as frames arrive
                d.get(console + "expkt-filters");
                List<String> row = awaitRow(d, "wol");
                shot(d, "02-filters");
                List<String> headers = d.findElements(By.cssSelector("#expkt-table thead th")).stream().map(WebElement::getText).toList();
                int packetsCol = headers.indexOf("Packets");
                assertTrue(headers.toString(), packetsCol >= 0);
                assertEquals("enforced", row.get(headers.indexOf("State")));
                long p0 = Long.parseLong(row.get(packetsCol));
                h.sendMagicPackets(10);
                // no reload: the page refreshes itself
                await(d, "the filter's packet counter at " + (p0 + 10), () -> packets(d, packetsCol) >= p0 + 10);
                assertEquals(p0 + 10, packets(d, packetsCol));
                shot(d, "03-filters-after-10-frames");

                long id = RestIT.field(h.send(h.api("/bundles").GET().build()).body().split("\"symbolicName\" : \"" + WOL + "\"")[0]
                        .replaceAll("(?s).*(\"id\" : \\d+).*", "$1"), "id");
                HttpResponse<String> before = h.send(h.api("/runtime/handlers").GET().build());
                assertTrue(before.body(), before.body().contains("\"versions\" : 1"));
                String socketBefore = socketOfWol(h);

                // version 2, rolled out as a fleet tool does (REST PUT: Bundle.update in place). The console's
                // own Install/Update dialog is uploadAThroughTheConsoleDialog below (ignored: web console bug)
                HttpResponse<String> put = h.send(h.api("/bundles/" + id).PUT(HttpRequest.BodyPublishers.ofFile(v2)).build());
                assertEquals(put.body(), 200, put.statusCode());

                // active in place: same bundle id, version 2.0.0
                long deadline = System.currentTimeMillis() + OpsHost.WAIT_MS;
                String b = "";
                while (System.currentTimeMillis() < deadline) {
                    b = h.send(h.api("/bundles/" + id).GET().build()).body();
                    if (b.contains("\"version\" : \"2.0.0\"") && b.contains("\"state\" : \"ACTIVE\"")) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertTrue("bundle " + id + " updated in place to 2.0.0 and active: " + b, b.contains("\"version\" : \"2.0.0\"") && b.contains("\"state\" : \"ACTIVE\""));
                RestIT.awaitBody(h, "/runtime/handlers", "\"versions\" : 2");
                d.get(console + "bundles");
                await(d, "version 2.0.0 on the bundles page", () -> d.getPageSource().contains("2.0.0"));
                shot(d, "05-bundles-after-update");

                // its state kept: the same socket, now served by revision 2, and the counter not reset
                assertEquals("the relay keeps its socket across the update", socketBefore, socketOfWol(h));
                d.get(console + "expkt-handlers");
                awaitRow(d, "wol");
                shot(d, "06-handlers-after-update");
                d.get(console + "expkt-filters");
                awaitRow(d, "wol");
                h.sendMagicPackets(5);
                await(d, "the counter going on from " + (p0 + 10), () -> packets(d, packetsCol) >= p0 + 15);
                assertEquals("counted on, not reset", p0 + 15, packets(d, packetsCol));
                shot(d, "07-filters-after-update");
            } finally {
                d.quit();
            }
        }
    }

    /**
     * Version 2 uploaded through the web console's Install/Update dialog, as a person would. Ignored:
     * with Apache Felix Web Console 5.0.8 in Chromium 156 the dialog's multi-file widget leaves an empty
     * second {@code bundlefile} input in the form, the browser posts both, and the console answers
     * HTTP 500 "Bundle-SymbolicName header missing, cannot install bundle" (the same POST with the one
     * file, made with curl, updates the bundle in place). Found 2026-11-30; to be fixed or worked
     * around before this runs.
     */
    @org.junit.Ignore("web console 5.0.8: the Install/Update dialog posts an empty second file part -> HTTP 500")
    @Test
    public void uploadThroughTheConsoleDialog() throws Exception {
        Files.createDirectories(SHOTS);
        try (OpsHost h = OpsHost.start("webupload", OpsHost.wolJar())) {
            Path v2 = h.run.resolve("expkt.protocol.wol-2.0.0.jar");
            HotDeployIT.withVersion(OpsHost.wolJar(), "2.0.0", v2);
            WebDriver d = browser();
            try {
                ((HasAuthentication) d).register(uri -> uri.getPort() == h.port, UsernameAndPassword.of("admin", h.password));
                d.get(h.base() + "/system/console/bundles");
                await(d, "the bundles page", () -> d.getPageSource().contains("Bundle information:"));
                d.findElement(By.cssSelector("button.installButton")).click();
                WebElement dialog = d.findElement(By.id("uploadDialog"));
                await(d, "the upload dialog", dialog::isDisplayed);
                WebElement start = dialog.findElement(By.name("bundlestart"));
                if (!start.isSelected()) {
                    start.click();
                }
                dialog.findElement(By.cssSelector("input[type=file]")).sendKeys(v2.toString());
                shot(d, "10-upload-dialog");
                d.findElement(By.xpath("//div[contains(@class,'ui-dialog')]//button[normalize-space()='Install or Update']")).click();
                long deadline = System.currentTimeMillis() + OpsHost.WAIT_MS;
                String b = "";
                while (System.currentTimeMillis() < deadline && !b.contains("\"version\" : \"2.0.0\"")) {
                    b = h.send(h.api("/bundles").GET().build()).body();
                    Thread.sleep(200);
                }
                shot(d, "11-after-upload");
                assertTrue(d.getPageSource(), b.contains("\"version\" : \"2.0.0\""));
            } finally {
                d.quit();
            }
        }
    }

    static WebDriver browser() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(new File("/usr/bin/chromium"));
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000");
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        WebDriver d = new ChromeDriver(svc, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return d;
    }

    static String socketOfWol(OpsHost h) throws Exception {
        String filters = h.send(h.api("/runtime/filters").GET().build()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\" : \"wol\"[^}]*?\"socketId\" : (\\d+)").matcher(filters);
        assertTrue(filters, m.find());
        return m.group(1);
    }

    /**
     * The rows of the page's table, read in one script (the page redraws its rows every 2 s: element
     * references would go stale between two reads).
     */
    @SuppressWarnings("unchecked")
    static List<List<String>> rows(WebDriver d) {
        Object r = ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return Array.from(document.querySelectorAll('#expkt-table tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent));");
        return (List<List<String>>) r;
    }

    /** The row whose cells include {@code filter}, once there is one. */
    static List<String> awaitRow(WebDriver d, String filter) {
        Object[] found = new Object[1];
        await(d, "a row of " + filter, () -> {
            for (List<String> r : rows(d)) {
                if (r.contains(filter)) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        @SuppressWarnings("unchecked")
        List<String> row = (List<String>) found[0];
        return row;
    }

    static long packets(WebDriver d, int col) {
        for (List<String> c : rows(d)) {
            if (c.contains("wol") && c.size() > col) {
                return Long.parseLong(c.get(col));
            }
        }
        return -1;
    }

    static void await(WebDriver d, String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(d, Duration.ofMillis(OpsHost.WAIT_MS)).pollingEvery(Duration.ofMillis(200))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .withMessage(() -> what + "; page:\n" + d.getPageSource())
                .until(x -> condition.getAsBoolean());
    }

    static void shot(WebDriver d, String name) throws Exception {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
    }
}
