/**
 * The protocols' state handover across a bundle update: {@link expkt.provider.upgrade.StateStore}
 * keeps what version 1 saved (deep-copied) until version 2 restores it; the DS components that offer
 * it as {@code StateHandover} are in {@code expkt.provider.component}.
 *
 * <p>Threading: any thread; the store is a concurrent map of immutable copies.
 */
package expkt.provider.upgrade;
