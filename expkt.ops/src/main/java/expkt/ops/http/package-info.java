/** Where the host listens for HTTP (Apache Felix HTTP, configured through ConfigAdmin) and who may come in. */
package expkt.ops.http;
