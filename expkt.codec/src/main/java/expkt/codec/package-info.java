/**
 * Frame decoding and building: the base of every header view, the codec's exception, the decoder that walks a frame layer by layer and the builder that writes one with its lengths and checksums.
 * {@link expkt.codec.LayerKind} is a row of the layer table; each header class declares its own row beside its parser and writers.
 * Views, decoder and builder are not thread-safe (one per thread); {@code LayerKind} rows are immutable.
 */
@Export
@Version("1.2.0")
package expkt.codec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
