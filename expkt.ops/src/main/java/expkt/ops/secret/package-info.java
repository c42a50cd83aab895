/** The secrets the HTTP parts check: the web console password and the REST token, kept 0600 under the run directory. */
package expkt.ops.secret;
