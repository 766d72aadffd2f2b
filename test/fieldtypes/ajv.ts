/** The validator the product's schemas are meant for: Ajv with JSON Schema 2020-12 and formats. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { JsonSchema } from '../../src/fieldtypes/index.js';

const addFormats = formats.default;

export function newAjv(): Ajv2020 {
  // strictNumbers: NaN and Infinity are not numbers, as in JSON.
  const ajv = new Ajv2020({ strict: true, strictNumbers: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

export function compile(schema: JsonSchema, ajv: Ajv2020 = newAjv()): ValidateFunction {
  return ajv.compile(schema);
}
