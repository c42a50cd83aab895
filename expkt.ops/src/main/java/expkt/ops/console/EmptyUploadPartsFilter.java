package expkt.ops.console;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Component;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * Makes the web console's Install/Update dialog work in a browser: removes the empty file parts from
 * a multipart POST to the bundles page before the web console sees them.
 *
 * <p>Why: the dialog's file input is a jQuery MultiFile widget; once a file is chosen it adds a fresh,
 * empty {@code bundlefile} input for the next one, and the browser posts that one too (a part with
 * {@code filename=""} and no content). Apache Felix Web Console 5.0.8 (5.0.18 too) copies every
 * {@code bundlefile} part into a temporary file and reads its manifest; for the empty one it throws
 * "Bundle-SymbolicName header missing, cannot install bundle", and the browser gets HTTP 500 (after
 * the real part was already taken). curl with one file works, which is why the bug hides from
 * scripted tests.
 *
 * <p>How: a Servlet Whiteboard filter in the web console's own servlet context (so it runs after that
 * context's login). Felix HTTP parses the multipart body only after the filters, in its own request
 * wrapper that reads the body from the request it is given — overriding {@code getParts()} here is
 * not seen (WebConsoleIT showed it) — so the filter hands on a request whose <em>body</em> lacks the
 * empty file parts: it reads the body (at most {@value #MAX_BODY} bytes), removes each part whose
 * headers say {@code filename=""} and whose content is empty, and serves the rest as the request's
 * input stream and content length. Anything it cannot parse is passed on unchanged.
 *
 * <p>Threading: Jetty's request threads call it concurrently; stateless.
 */
@Component(service = Filter.class, property = {
        "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=org.apache.felix.webconsole)",
        "osgi.http.whiteboard.filter.pattern=/bundles",
        "osgi.http.whiteboard.filter.pattern=/bundles/*",
        "osgi.http.whiteboard.filter.name=expkt: drop empty upload parts"})
public final class EmptyUploadPartsFilter implements Filter {
    /** The largest body rewritten; a larger one is passed on as it is. */
    static final int MAX_BODY = 256 << 20;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && "POST".equals(http.getMethod())) {
            String boundary = boundary(http.getContentType());
            long length = http.getContentLengthLong();
            if (boundary != null && length >= 0 && length <= MAX_BODY) {
                byte[] body = http.getInputStream().readNBytes((int) length);
                chain.doFilter(new WithBody(http, withoutEmptyFileParts(body, boundary)), response);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** The boundary of a {@code multipart/form-data} content type, or null. */
    static String boundary(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
            return null;
        }
        for (String p : contentType.split(";")) {
            String t = p.strip();
            if (t.regionMatches(true, 0, "boundary=", 0, 9)) {
                String b = t.substring(9);
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    /**
     * {@code body} without its empty file parts: each part starts at {@code --boundary}; one whose
     * headers (up to the blank line) contain {@code filename=""} and whose content (up to the CRLF
     * before the next delimiter) is empty is left out. Unparseable input comes back unchanged.
     */
    static byte[] withoutEmptyFileParts(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] headersEnd = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> starts = new ArrayList<>();
        for (int i = indexOf(body, delimiter, 0); i >= 0; i = indexOf(body, delimiter, i + delimiter.length)) {
            if (i == 0 || (i >= 2 && body[i - 2] == '\r' && body[i - 1] == '\n')) {
                starts.add(i);
            }
        }
        if (starts.size() < 2) {
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        out.write(body, 0, starts.get(0));
        for (int k = 0; k < starts.size() - 1; k++) {
            int from = starts.get(k);
            int next = starts.get(k + 1);
            int h = indexOf(body, headersEnd, from);
            boolean empty = false;
            if (h >= 0 && h < next) {
                String headers = new String(body, from, h - from, StandardCharsets.ISO_8859_1);
                int contentStart = h + headersEnd.length;
                int contentEnd = next - 2; // the CRLF before the next delimiter
                empty = headers.contains("filename=\"\"") && contentEnd == contentStart;
            }
            if (!empty) {
                out.write(body, from, next - from);
            }
        }
        out.write(body, starts.get(starts.size() - 1), body.length - starts.get(starts.size() - 1));
        return out.toByteArray();
    }

    private static int indexOf(byte[] a, byte[] b, int from) {
        outer:
        for (int i = from; i <= a.length - b.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The request with another body (the same bytes but the empty file parts). */
    static final class WithBody extends HttpServletRequestWrapper {
        private final byte[] body;

        WithBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("a rewritten body is read blocking");
                }
            };
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getHeader(String name) {
            return "Content-Length".equalsIgnoreCase(name) ? Integer.toString(body.length) : super.getHeader(name);
        }
    }
}
