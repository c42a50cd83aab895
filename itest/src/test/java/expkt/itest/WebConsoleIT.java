package expkt.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
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
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console as a person uses it, in headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium): refused without the password (and with the web
 * console's stock {@code admin/admin}), logged in with the generated one; the expkt filters page
 * shows the Wake-on-LAN relay's filter and its nftables counter growing, live, as frames are sent in
 * the lab; the protocols' own pages (through the status-page whiteboard): the WoL relay's lists the
 * magic packets just sent, the LLDP agent's lists Debian's lldpd running on the lab's host as its
 * neighbour; version 2 of the relay, put through the management API here and through the console's own
 * Install/Update dialog in {@link #version2ThroughTheConsolesInstallUpdateDialogKeepsTheRelaysState},
 * is active in place (same bundle id) with its state kept: the same socket, its handler served by a
 * second revision, the counters not reset. Screenshots of every step are kept in {@code target/webconsole/}.
 */
public class WebConsoleIT {
    static final Path SHOTS = Path.of("target/webconsole");
    static final String WOL = "expkt.protocol.wol";
    /** The system name lldpd on the lab's host 1 advertises. */
    static final String PEER = "xkpeer";

    @Test
    public void aPersonLogsInWatchesThePagesAndSeesVersion2KeepTheRelaysState() throws Exception {
        Files.createDirectories(SHOTS);
        try (OpsHost h = OpsHost.start("webconsole", OpsHost.wolJar(), OpsHost.lldpJar())) {
            Path v2 = h.run.resolve("expkt.protocol.wol-2.0.0.jar");
            HotDeployIT.withVersion(OpsHost.wolJar(), "2.0.0", v2);
            RestIT.awaitBody(h, "/runtime/filters", "\"name\" : \"wol\"");
            Process lldpd = startLldpd(h);
            try {
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
                    // the relay's own page first: it shows no magic packet before the frames (and would show them: below)
                    d.get(console + "expkt-wol");
                    await(d, "the Wake-on-LAN page", () -> statusTables(d).size() == 1);
                    assertEquals("no magic packet before the frames: " + statusTables(d), List.of(), statusTables(d).get(0));
                    d.get(console + "expkt-filters");
                    awaitRow(d, "wol");
                    h.sendMagicPackets(10);
                    // no reload: the page refreshes itself
                    await(d, "the filter's packet counter at " + (p0 + 10), () -> packets(d, packetsCol) >= p0 + 10);
                    assertEquals(p0 + 10, packets(d, packetsCol));
                    shot(d, "03-filters-after-10-frames");

                    // the protocols' pages: the relay's last magic packets, the LLDP agent's neighbour table
                    d.get(console + "expkt-wol");
                    await(d, "the 10 magic packets on the Wake-on-LAN page", () -> statusRows(d, 0, OpsHost.MAGIC_TARGET).size() == 10);
                    assertTrue("received on port 1:1: " + statusRows(d, 0, OpsHost.MAGIC_TARGET).get(0),
                            statusRows(d, 0, OpsHost.MAGIC_TARGET).get(0).get(4).startsWith("1:1"));
                    shot(d, "04-wol-page");
                    d.get(console + "expkt-lldp");
                    await(d, "lldpd (" + PEER + ") on the LLDP page", () -> !statusRows(d, 0, PEER).isEmpty());
                    assertEquals("the neighbour on port 1:1", "1:1", statusRows(d, 0, PEER).get(0).get(0));
                    shot(d, "05-lldp-page");

                    long id = RestIT.field(h.send(h.api("/bundles").GET().build()).body().split("\"symbolicName\" : \"" + WOL + "\"")[0]
                            .replaceAll("(?s).*(\"id\" : \\d+).*", "$1"), "id");
                    HttpResponse<String> before = h.send(h.api("/runtime/handlers").GET().build());
                    assertTrue(before.body(), before.body().contains("\"versions\" : 1"));
                    String socketBefore = socketOfWol(h);

                    // version 2 through the management API (PUT /bundles/{id}), as a fleet tool does it (the
                    // console's own Install/Update dialog: the test below)
                    HttpResponse<String> put = h.send(h.api("/bundles/" + id).PUT(java.net.http.HttpRequest.BodyPublishers.ofFile(v2)).build());
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
                    assertTrue("bundle " + id + " updated in place to 2.0.0 and active: " + b + "\npage:\n" + d.getPageSource(),
                            b.contains("\"version\" : \"2.0.0\"") && b.contains("\"state\" : \"ACTIVE\""));
                    assertEquals("one " + WOL + ", not a second one installed", 1,
                            RestIT.count(h.send(h.api("/bundles").GET().build()).body(), "\"symbolicName\" : \"" + WOL + "\""));
                    RestIT.awaitBody(h, "/runtime/handlers", "\"versions\" : 2");
                    d.get(console + "bundles");
                    await(d, "version 2.0.0 on the bundles page", () -> d.getPageSource().contains("2.0.0"));
                    shot(d, "07-bundles-after-upload");

                    // its state kept: the same socket, now served by revision 2, and the counter not reset
                    assertEquals("the relay keeps its socket across the update", socketBefore, socketOfWol(h));
                    d.get(console + "expkt-handlers");
                    awaitRow(d, "wol");
                    shot(d, "08-handlers-after-upload");
                    d.get(console + "expkt-filters");
                    awaitRow(d, "wol");
                    h.sendMagicPackets(5);
                    await(d, "the counter going on from " + (p0 + 10), () -> packets(d, packetsCol) >= p0 + 15);
                    assertEquals("counted on, not reset", p0 + 15, packets(d, packetsCol));
                    shot(d, "09-filters-after-upload");
                    // version 2's page is served again (its StatusPage service is new: the page follows it)
                    d.get(console + "expkt-wol");
                    await(d, "version 2's Wake-on-LAN page with the 5 new packets", () -> statusRows(d, 0, OpsHost.MAGIC_TARGET).size() >= 5);
                    shot(d, "10-wol-page-v2");
                } finally {
                    d.quit();
                }
            } finally {
                lldpd.destroy();
                lldpd.waitFor();
            }
        }
    }

    /**
     * Version 2 through the console's own Install/Update dialog, as a person does it: the bundles page,
     * "Install/Update...", the jar chosen in the file input, "Start Bundle" ticked, "Install or Update";
     * the browser shows the bundles page again (no error page) and version 2 is active in place with
     * the relay's state kept: same bundle id, same socket, its handler served by a second revision, the
     * filter's counter going on. The browser logs in with the password in the URL it is first sent to
     * (as a person types it into the browser's login prompt: the browser then sends it with every
     * request), not with Selenium's {@link HasAuthentication}: that one pauses every request in
     * Chromium's DevTools Fetch domain, and a form post whose file Chromium reads from disk arrives
     * without the file's bytes (the console then sees an empty jar: "Bundle-SymbolicName header
     * missing", HTTP 500), which no person's browser does.
     */
    @Test
    public void version2ThroughTheConsolesInstallUpdateDialogKeepsTheRelaysState() throws Exception {
        Files.createDirectories(SHOTS);
        try (OpsHost h = OpsHost.start("webconsole-dialog", OpsHost.wolJar())) {
            Path v2 = h.run.resolve("expkt.protocol.wol-2.0.0.jar");
            HotDeployIT.withVersion(OpsHost.wolJar(), "2.0.0", v2);
            RestIT.awaitBody(h, "/runtime/filters", "\"name\" : \"wol\"");
            String console = h.base() + "/system/console/";
            long id = RestIT.field(h.send(h.api("/bundles").GET().build()).body().split("\"symbolicName\" : \"" + WOL + "\"")[0]
                    .replaceAll("(?s).*(\"id\" : \\d+).*", "$1"), "id");
            RestIT.awaitBody(h, "/runtime/handlers", "\"versions\" : 1");
            String socketBefore = socketOfWol(h);
            WebDriver d = browser();
            try {
                d.get("http://admin:" + java.net.URLEncoder.encode(h.password, java.nio.charset.StandardCharsets.UTF_8) + "@127.0.0.1:" + h.port
                        + "/system/console/bundles");
                await(d, "the bundles page", () -> d.getPageSource().contains("Bundle information:") && d.getPageSource().contains("Wake-on-LAN"));
                shot(d, "11-dialog-bundles-before");

                // the relay counts 10 magic packets before the update
                d.get(console + "expkt-filters");
                awaitRow(d, "wol");
                List<String> headers = d.findElements(By.cssSelector("#expkt-table thead th")).stream().map(WebElement::getText).toList();
                int packetsCol = headers.indexOf("Packets");
                assertTrue(headers.toString(), packetsCol >= 0);
                long p0 = packets(d, packetsCol);
                h.sendMagicPackets(10);
                await(d, "the filter's packet counter at " + (p0 + 10), () -> packets(d, packetsCol) >= p0 + 10);
                assertEquals(p0 + 10, packets(d, packetsCol));
                shot(d, "12-dialog-filters-before");

                // version 2 through the console's Install/Update dialog
                d.get(console + "bundles");
                await(d, "the bundles page", () -> d.getPageSource().contains("Bundle information:"));
                d.findElement(By.cssSelector("button.installButton")).click();
                WebElement dialog = d.findElement(By.id("uploadDialog"));
                await(d, "the upload dialog", dialog::isDisplayed);
                WebElement start = dialog.findElement(By.name("bundlestart"));
                if (!start.isSelected()) {
                    start.click();
                }
                dialog.findElement(By.cssSelector("input[type=file]")).sendKeys(v2.toString());
                await(d, "the chosen jar listed in the dialog", () -> dialog.getText().contains(v2.getFileName().toString()));
                shot(d, "13-dialog-upload");
                WebElement page = d.findElement(By.tagName("html"));
                d.findElement(By.xpath("//div[contains(@class,'ui-dialog')]//button[normalize-space()='Install or Update']")).click();
                // the form is posted and the browser shows the answer: the bundles page again, not an error
                new WebDriverWait(d, Duration.ofMillis(OpsHost.WAIT_MS)).until(ExpectedConditions.stalenessOf(page));
                await(d, "the console's answer to the upload", () -> "complete".equals(
                        ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document.readyState")));
                shot(d, "14-dialog-upload-answer");
                assertFalse("the console answers the upload without an error:\n" + d.getPageSource(), d.getPageSource().contains("HTTP ERROR"));
                await(d, "the bundles page after the upload", () -> d.getPageSource().contains("Bundle information:"));

                // active in place: same bundle id, version 2.0.0, one relay, its handler's second revision
                long deadline = System.currentTimeMillis() + OpsHost.WAIT_MS;
                String b = "";
                while (System.currentTimeMillis() < deadline) {
                    b = h.send(h.api("/bundles/" + id).GET().build()).body();
                    if (b.contains("\"version\" : \"2.0.0\"") && b.contains("\"state\" : \"ACTIVE\"")) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertTrue("bundle " + id + " updated in place to 2.0.0 and active: " + b,
                        b.contains("\"version\" : \"2.0.0\"") && b.contains("\"state\" : \"ACTIVE\""));
                assertEquals("one " + WOL + ", not a second one installed", 1,
                        RestIT.count(h.send(h.api("/bundles").GET().build()).body(), "\"symbolicName\" : \"" + WOL + "\""));
                RestIT.awaitBody(h, "/runtime/handlers", "\"versions\" : 2");
                d.get(console + "bundles");
                await(d, "version 2.0.0 on the bundles page", () -> d.getPageSource().contains("2.0.0"));
                shot(d, "15-dialog-bundles-after");

                // its state kept: the same socket, and the counter going on from where it was, not reset
                assertEquals("the relay keeps its socket across the update", socketBefore, socketOfWol(h));
                d.get(console + "expkt-filters");
                awaitRow(d, "wol");
                assertEquals("not reset by the update", p0 + 10, packets(d, packetsCol));
                h.sendMagicPackets(5);
                await(d, "the counter going on from " + (p0 + 10), () -> packets(d, packetsCol) >= p0 + 15);
                assertEquals("counted on, not reset", p0 + 15, packets(d, packetsCol));
                shot(d, "16-dialog-filters-after");
                // version 2's own page serves the 5 new packets
                d.get(console + "expkt-wol");
                await(d, "version 2's Wake-on-LAN page with the 5 new packets", () -> statusRows(d, 0, OpsHost.MAGIC_TARGET).size() >= 5);
                shot(d, "17-dialog-wol-page-v2");
            } finally {
                d.quit();
            }
        }
    }

    /** Debian's lldpd on the lab's host 1 (facing port 1:1), advertising {@value #PEER} every second. */
    static Process startLldpd(OpsHost h) throws Exception {
        String ns = h.lab.host(1).ns();
        Path socket = Path.of("/tmp", h.lab.prefix() + "-web-lldpd.socket");
        Process lldpd = h.lab.spawn(ns, h.run.resolve("lldpd.log"), "lldpd", "-d", "-u", socket.toString(), "-I", "veth0", "-O", "/dev/null");
        long deadline = System.currentTimeMillis() + OpsHost.WAIT_MS;
        while (!(Files.exists(socket) && h.lab.exec(ns, "lldpcli", "-u", socket.toString(), "show", "chassis").ok())) {
            if (System.currentTimeMillis() > deadline || !lldpd.isAlive()) {
                lldpd.destroy();
                throw new AssertionError("lldpd's control socket " + socket + " did not come up (alive: " + lldpd.isAlive() + "): "
                        + Files.readString(h.run.resolve("lldpd.log")));
            }
            Thread.sleep(200);
        }
        h.lab.exec(ns, "lldpcli", "-u", socket.toString(), "configure", "system", "hostname", PEER).check();
        h.lab.exec(ns, "lldpcli", "-u", socket.toString(), "configure", "lldp", "tx-interval", "1").check();
        return lldpd;
    }

    /** Every table of a protocol page, as rows of cells (read in one script: the page redraws every 2 s). */
    @SuppressWarnings("unchecked")
    static List<List<List<String>>> statusTables(WebDriver d) {
        Object r = ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return Array.from(document.querySelectorAll('#expkt-page table.expkt-status-table')).map(t => "
                        + "Array.from(t.querySelectorAll('tbody tr:not(.expkt-empty)')).map(r => Array.from(r.cells).map(c => c.textContent)));");
        return (List<List<List<String>>>) r;
    }

    /** The rows of table {@code table} of a protocol page that have a cell equal to {@code cell}, ignoring case (MACs). */
    static List<List<String>> statusRows(WebDriver d, int table, String cell) {
        List<List<List<String>>> t = statusTables(d);
        return t.size() <= table ? List.of() : t.get(table).stream().filter(r -> r.stream().anyMatch(cell::equalsIgnoreCase)).toList();
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
