package expkt.ops.console;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.osgi.service.component.annotations.Component;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;

/**
 * Meant to make the web console's Install/Update dialog work in a browser by dropping the empty file
 * parts of a multipart POST to the bundles page. NOT EFFECTIVE YET: Felix HTTP parses the multipart
 * body after the filters, in its own request wrapper, so the override of {@code getParts()} below is
 * never asked (WebConsoleIT still gets the 500); rewriting the body instead gave 405. Open.
 *
 * <p>Why: the dialog's file input is a jQuery MultiFile widget; once a file is chosen it adds a fresh,
 * empty {@code bundlefile} input for the next one, and the browser posts that one too (a part with
 * {@code filename=""} and no content). Apache Felix Web Console 5.0.8 (5.0.18 too) copies every
 * {@code bundlefile} part into a temporary file and reads its manifest; for the empty one it throws
 * "Bundle-SymbolicName header missing, cannot install bundle", and the browser gets HTTP 500. curl
 * with one file works, which is why the bug hides from scripted tests.
 *
 * <p>A Servlet Whiteboard filter in the web console's own servlet context (so it runs after that
 * context's login and after Felix HTTP has parsed the multipart body); it changes nothing but the
 * collection {@link HttpServletRequest#getParts()} returns: a part is dropped only if it is a file
 * part (a submitted file name is present) with an empty name and no bytes.
 *
 * <p>Threading: Jetty's request threads call it concurrently; stateless.
 */
@Component(service = Filter.class, property = {
        "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=org.apache.felix.webconsole)",
        "osgi.http.whiteboard.filter.pattern=/bundles",
        "osgi.http.whiteboard.filter.pattern=/bundles/*",
        "osgi.http.whiteboard.filter.name=expkt: drop empty upload parts"})
public final class EmptyUploadPartsFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && "POST".equals(http.getMethod()) && isMultipart(http)) {
            chain.doFilter(new WithoutEmptyParts(http), response);
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean isMultipart(HttpServletRequest r) {
        String type = r.getContentType();
        return type != null && type.regionMatches(true, 0, "multipart/form-data", 0, 19);
    }

    /** True for a file input that was left empty: a submitted file name that is empty, and no content. */
    static boolean emptyFilePart(Part p) {
        String name = p.getSubmittedFileName();
        return name != null && name.isEmpty() && p.getSize() == 0;
    }

    /** The request with the empty file parts left out of {@link #getParts()} and {@link #getPart(String)}. */
    static final class WithoutEmptyParts extends HttpServletRequestWrapper {
        WithoutEmptyParts(HttpServletRequest request) {
            super(request);
        }

        @Override
        public Collection<Part> getParts() throws IOException, ServletException {
            Collection<Part> all = super.getParts();
            List<Part> kept = new ArrayList<>(all.size());
            for (Part p : all) {
                if (!emptyFilePart(p)) {
                    kept.add(p);
                }
            }
            return kept;
        }

        @Override
        public Part getPart(String name) throws IOException, ServletException {
            for (Part p : getParts()) {
                if (p.getName().equals(name)) {
                    return p;
                }
            }
            return null;
        }
    }
}
