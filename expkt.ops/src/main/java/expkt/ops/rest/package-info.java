/**
 * The management REST API ({@code /expkt/api}, JSON, bearer token): bundles, ConfigAdmin
 * configurations and the runtime DTOs, for fleet tools (Ansible, hawkBit, curl). Described in
 * {@code expkt.ops/openapi.yaml}.
 */
package expkt.ops.rest;
