/**
 * `agentctl/fieldtypes`: the `field_type` grammar, value checks, the output
 * schemas (full and OpenAI-strict) compiled from a schema_config, and
 * patterns on the linear-time engine, for an Ajv of one's own (standalone
 * Ajv code requires `linearRegExp` from here).
 */
export * from '../fieldtypes/index.js';
