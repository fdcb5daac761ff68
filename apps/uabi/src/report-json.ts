/**
 * Every `--json` report of the CLI: one JSON object with `schemaVersion` first. Each report's JSON Schema
 * lives in apps/uabi/schemas/<report>.schema.json (its `schemaVersion` is a const there), and the tests
 * validate each command's real output against it with ajv.
 */

/** Bumped, with the schema files, when a field changes meaning or goes away (adding a field does not). */
export const REPORT_SCHEMA_VERSION = 1;

/** The report as pretty JSON with its schema version (`indent` 0: one line). */
export function reportJson(report: object, indent = 2): string {
  return `${JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, ...report }, null, indent || undefined)}\n`;
}
