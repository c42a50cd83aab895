/**
 * The bundle the hot-deploy tests build, deploy, update and reconfigure ({@code expkt.itest.hotdeploy},
 * the itest module's own jar): one DS component that says which bundle version and class loader it runs
 * from, registered as a JDK {@code Supplier} so that the tests need no package of a bundle they replace.
 *
 * <p>Threading: SCR's threads.
 */
package expkt.itest.hotdeploy;
