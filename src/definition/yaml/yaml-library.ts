/**
 * The `yaml` package, loaded on first use. Clean definitions are parsed by the
 * fast path (js-yaml), so a run that finds no problem never loads `yaml` (72
 * modules, ~30 ms of start-up); positions, problems and edits load it when
 * they need it. It ships CommonJS, so require() loads it synchronously, as
 * `positionOf` must be.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

export type YamlLibrary = typeof Yaml;

let library: YamlLibrary | undefined;

export function yamlLibrary(): YamlLibrary {
  library ??= createRequire(import.meta.url)('yaml') as YamlLibrary;
  return library;
}
