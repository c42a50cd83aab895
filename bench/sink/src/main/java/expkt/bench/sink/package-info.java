/** The benchmark's protocol bundle: private components, nothing exported. */
package expkt.bench.sink;
