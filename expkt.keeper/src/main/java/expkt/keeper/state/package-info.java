/**
 * The protocols' state handover across a bundle update: {@link expkt.keeper.state.StateStore}
 * keeps what version 1 saved (deep-copied) until version 2 restores it; the DS components that offer
 * it as {@code StateHandover} are in {@code expkt.keeper.internal}. It lives in the keeper, not in the
 * provider, so that an update of the provider neither loses saved state nor takes the
 * {@code StateHandover} service away from the protocols that hold it.
 *
 * <p>Threading: any thread; the store is a concurrent map of immutable copies.
 */
package expkt.keeper.state;
