package expkt.ops.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.jr.ob.JSON;

import expkt.api.runtime.ExpktRuntime;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One expkt page of the web console: a table of one kind of runtime DTO, refreshed live (the page
 * fetches {@code <label>/data.json} every 2 s and redraws the rows). The web console wraps the HTML
 * in its frame and login; the JSON is served by the same servlet behind the same login.
 *
 * <p>Reads {@link ExpktRuntime} only (never Gogo output). Every value goes into the page as text:
 * escaped on the server, set with {@code textContent} in the browser.
 *
 * <p>Threading: Jetty's request threads call it concurrently; stateless but for the runtime supplier.
 */
final class RuntimePage<T> extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String CATEGORY = "expkt";

    final String label;
    final String title;
    private final String intro;
    private final transient Supplier<ExpktRuntime> runtime;
    private final transient Function<ExpktRuntime, List<T>> rows;
    private final transient List<Column<T>> columns;

    RuntimePage(String label, String title, String intro, Supplier<ExpktRuntime> runtime,
            Function<ExpktRuntime, List<T>> rows, List<Column<T>> columns) {
        this.label = label;
        this.title = title;
        this.intro = intro;
        this.runtime = runtime;
        this.rows = rows;
        this.columns = columns;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        resp.setHeader("Cache-Control", "no-store");
        if (path.endsWith("/data.json")) {
            resp.setContentType("application/json");
            resp.setCharacterEncoding("UTF-8");
            resp.getOutputStream().write(JSON.std.asBytes(table()));
            return;
        }
        Map<String, Object> t = table();
        resp.setContentType("text/html");
        resp.setCharacterEncoding("UTF-8");
        PrintWriter w = resp.getWriter();
        w.println("<p class=\"statline\" id=\"expkt-status\">" + esc((String) t.get("status")) + "</p>");
        w.println("<p>" + esc(intro) + "</p>");
        w.println("<table class=\"nicetable\" id=\"expkt-table\" data-label=\"" + esc(label) + "\"><thead><tr>");
        for (Column<T> c : columns) {
            w.println("<th>" + esc(c.header()) + "</th>");
        }
        w.println("</tr></thead><tbody>");
        @SuppressWarnings("unchecked")
        List<List<String>> data = (List<List<String>>) t.get("rows");
        for (List<String> row : data) {
            w.print("<tr>");
            for (String cell : row) {
                w.print("<td>" + esc(cell) + "</td>");
            }
            w.println("</tr>");
        }
        w.println("</tbody></table>");
        // the data URL: the web console's plugin root attribute is this page's own URL
        Object root = req.getAttribute("felix.webconsole.pluginRoot");
        String dataUrl = (root != null ? root.toString() : req.getContextPath() + req.getServletPath() + "/" + label) + "/data.json";
        w.println("<script>(function(){const url=" + JSON.std.asString(dataUrl) + ";"
                + "async function refresh(){try{const r=await fetch(url,{cache:'no-store'});if(!r.ok)return;const t=await r.json();"
                + "document.getElementById('expkt-status').textContent=t.status;"
                + "const tb=document.querySelector('#expkt-table tbody');const rows=[];"
                + "for(const row of t.rows){const tr=document.createElement('tr');for(const c of row){const td=document.createElement('td');td.textContent=c;tr.appendChild(td);}rows.push(tr);}"
                + "tb.replaceChildren(...rows);}catch(e){}}"
                + "setInterval(refresh,2000);})();</script>");
    }

    /** {status, rows: [[cell, ...], ...]}. */
    Map<String, Object> table() {
        Map<String, Object> t = new LinkedHashMap<>();
        List<List<String>> out = new ArrayList<>();
        ExpktRuntime rt = runtime.get();
        if (rt == null) {
            t.put("status", "The provider's runtime service is not registered (is expkt.provider active?): nothing to show.");
        } else {
            List<T> items = rows.apply(rt);
            for (T item : items) {
                List<String> row = new ArrayList<>(columns.size());
                for (Column<T> c : columns) {
                    Object v = c.value().apply(item);
                    row.add(v == null ? "" : String.valueOf(v));
                }
                out.add(row);
            }
            t.put("status", items.size() + " " + title.toLowerCase(java.util.Locale.ROOT) + ", as of " + java.time.LocalTime.now().withNano(0));
        }
        t.put("rows", out);
        return t;
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
