import { readFileSync } from 'node:fs';
import { repoPath } from '../../src/paths.js';
// The converters the mapping names must be registered before it is applied.
import './dates.js';

/** The templates of `mappings/civil-registration.json`, for one LayKetQua state. */
export interface CivilStatusMapping {
  status: unknown;
  progress?: unknown;
  supplementRequest?: unknown;
  result?: unknown;
  facts?: unknown;
}

export interface CivilRegistrationMappingFile {
  requests: { NhanDKHT: unknown };
  status: CivilStatusMapping;
}

export function loadCivilRegistrationMapping(): CivilRegistrationMappingFile {
  return JSON.parse(
    readFileSync(repoPath('mappings', 'civil-registration.json'), 'utf8'),
  ) as CivilRegistrationMappingFile;
}
