package expkt.ops.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.jr.ob.JSON;

import expkt.api.status.StatusPage;
import expkt.api.status.StatusPageDTO;
import expkt.api.status.StatusTableDTO;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The web console page of one protocol's {@link StatusPage}: its summary and tables, refreshed live
 * (the page fetches {@code <label>/data.json} every 2 s and redraws). Every cell goes into the page as
 * text: escaped on the server, set with {@code textContent} in the browser.
 *
 * <p>The protocol's {@link StatusPage#status()} runs on a thread of the executor given, one call at a
 * time per page: a request waits for it at most {@link StatusPage#DEADLINE_MILLIS} ms and then shows
 * the page as not answering; a request while a late call still runs waits for that call rather than
 * starting another, so a stuck page holds one thread, not one per refresh. What it returned is cut to
 * {@value #MAX_ROWS} rows a table.
 *
 * <p>Threading: Jetty's request threads call it concurrently; the in-flight call is guarded by this.
 */
final class ProtocolPage extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String LABEL_PREFIX = "expkt-";
    static final int MAX_ROWS = 1000;

    final String label;
    private final String title;
    private final String who;
    private final transient StatusPage page;
    private final transient Executor calls;
    private transient CompletableFuture<StatusPageDTO> inFlight; // guarded by this

    ProtocolPage(String label, String title, String who, StatusPage page, Executor calls) {
        this.label = label;
        this.title = title;
        this.who = who;
        this.page = page;
        this.calls = calls;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        resp.setHeader("Cache-Control", "no-store");
        Map<String, Object> view = view();
        if (path.endsWith("/data.json")) {
            resp.setContentType("application/json");
            resp.setCharacterEncoding("UTF-8");
            resp.getOutputStream().write(JSON.std.asBytes(view));
            return;
        }
        resp.setContentType("text/html");
        resp.setCharacterEncoding("UTF-8");
        PrintWriter w = resp.getWriter();
        w.println("<p class=\"statline\" id=\"expkt-status\">" + RuntimePage.esc((String) view.get("status")) + "</p>");
        w.println("<div id=\"expkt-page\" data-label=\"" + RuntimePage.esc(label) + "\">");
        w.println(html(view));
        w.println("</div>");
        Object root = req.getAttribute("felix.webconsole.pluginRoot");
        String dataUrl = (root != null ? root.toString() : req.getContextPath() + req.getServletPath() + "/" + label) + "/data.json";
        // the same drawing as html(), in the browser, from data.json every 2 s (text only: textContent)
        w.println("<script>(function(){const url=" + JSON.std.asString(dataUrl) + ";"
                + "function el(tag,cls,text){const e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e;}"
                + "function draw(v){document.getElementById('expkt-status').textContent=v.status;const out=[];"
                + "if(v.summary!=null)out.push(el('p','expkt-summary',v.summary));"
                + "for(const t of v.tables){if(t.title!=null)out.push(el('h3','expkt-table-title',t.title));"
                + "const table=el('table','nicetable expkt-status-table');const hr=el('tr');for(const c of t.columns)hr.appendChild(el('th',null,c));"
                + "const th=el('thead');th.appendChild(hr);table.appendChild(th);const tb=el('tbody');"
                + "for(const r of t.rows){const tr=el('tr');for(const c of r)tr.appendChild(el('td',null,c));tb.appendChild(tr);}"
                + "if(t.rows.length==0&&t.empty!=null){const tr=el('tr','expkt-empty');const td=el('td',null,t.empty);td.colSpan=Math.max(1,t.columns.length);tr.appendChild(td);tb.appendChild(tr);}"
                + "table.appendChild(tb);out.push(table);}"
                + "document.getElementById('expkt-page').replaceChildren(...out);}"
                + "async function refresh(){try{const r=await fetch(url,{cache:'no-store'});if(!r.ok)return;draw(await r.json());}catch(e){}}"
                + "setInterval(refresh,2000);})();</script>");
    }

    /** {status, summary, tables: [{title, columns, rows, empty}]}: the page as the browser draws it. */
    Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        List<Map<String, Object>> tables = new ArrayList<>();
        StatusPageDTO dto = null;
        String problem = null;
        try {
            dto = call().get(StatusPage.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            if (dto == null) {
                problem = "the page of " + who + " returned null";
            }
        } catch (TimeoutException late) {
            problem = "the page of " + who + " did not answer within " + StatusPage.DEADLINE_MILLIS + " ms";
        } catch (ExecutionException e) {
            problem = "the page of " + who + " failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        if (dto != null) {
            v.put("summary", dto.summary);
            if (dto.tables != null) {
                for (StatusTableDTO t : dto.tables) {
                    if (t != null) {
                        tables.add(table(t));
                    }
                }
            }
        } else {
            v.put("summary", null);
        }
        v.put("status", problem != null ? problem.toUpperCase(java.util.Locale.ROOT).charAt(0) + problem.substring(1)
                : title + ", from " + who + ", as of " + java.time.LocalTime.now().withNano(0));
        v.put("tables", tables);
        return v;
    }

    private synchronized CompletableFuture<StatusPageDTO> call() {
        if (inFlight == null || inFlight.isDone()) {
            inFlight = CompletableFuture.supplyAsync(page::status, calls);
        }
        return inFlight;
    }

    /** One table, normalised: every row as long as the header, null cells empty, at most {@value #MAX_ROWS} rows. */
    private static Map<String, Object> table(StatusTableDTO t) {
        List<String> columns = new ArrayList<>();
        if (t.columns != null) {
            for (String c : t.columns) {
                columns.add(c == null ? "" : c);
            }
        }
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> in = t.rows == null ? List.of() : t.rows;
        for (List<String> r : in) {
            if (rows.size() == MAX_ROWS) {
                break;
            }
            List<String> row = new ArrayList<>(columns.size());
            for (int i = 0; i < columns.size(); i++) {
                String c = r != null && i < r.size() ? r.get(i) : null;
                row.add(c == null ? "" : c);
            }
            rows.add(row);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", in.size() > MAX_ROWS ? (t.title == null ? "" : t.title + " ") + "(first " + MAX_ROWS + " of " + in.size() + " rows)" : t.title);
        m.put("columns", columns);
        m.put("rows", rows);
        m.put("empty", t.empty);
        return m;
    }

    /** The view as HTML, escaped (what the script draws again on every refresh). */
    @SuppressWarnings("unchecked")
    static String html(Map<String, Object> view) {
        StringBuilder b = new StringBuilder();
        if (view.get("summary") != null) {
            b.append("<p class=\"expkt-summary\">").append(RuntimePage.esc((String) view.get("summary"))).append("</p>\n");
        }
        for (Map<String, Object> t : (List<Map<String, Object>>) view.get("tables")) {
            if (t.get("title") != null) {
                b.append("<h3 class=\"expkt-table-title\">").append(RuntimePage.esc((String) t.get("title"))).append("</h3>\n");
            }
            List<String> columns = (List<String>) t.get("columns");
            b.append("<table class=\"nicetable expkt-status-table\"><thead><tr>");
            for (String c : columns) {
                b.append("<th>").append(RuntimePage.esc(c)).append("</th>");
            }
            b.append("</tr></thead><tbody>\n");
            List<List<String>> rows = (List<List<String>>) t.get("rows");
            for (List<String> r : rows) {
                b.append("<tr>");
                for (String c : r) {
                    b.append("<td>").append(RuntimePage.esc(c)).append("</td>");
                }
                b.append("</tr>\n");
            }
            if (rows.isEmpty() && t.get("empty") != null) {
                b.append("<tr class=\"expkt-empty\"><td colspan=\"").append(Math.max(1, columns.size())).append("\">")
                        .append(RuntimePage.esc((String) t.get("empty"))).append("</td></tr>\n");
            }
            b.append("</tbody></table>\n");
        }
        return b.toString();
    }
}
