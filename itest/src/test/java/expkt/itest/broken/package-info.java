/** Bundles that fail on purpose, for the host's verdict on a bounded run (HostVerdictIT). */
package expkt.itest.broken;
