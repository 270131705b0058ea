import { readFileSync } from 'node:fs';
import { repoPath } from '../../src/paths.js';
import './xs-dates.js';

/** The shape of `mappings/social-insurance.json`. */
export interface SocialInsuranceMappingFile {
  requests: { NopHoSo: unknown; TraCuuHoSo: unknown };
  /** Facts (`DeliveryContext.facts`) a dossier type waits for, by `LoaiHoSo`. */
  factsNeeded: Record<string, string[] | string>;
  callback: { status: unknown; progress: unknown; supplementRequest: unknown };
}

/** Loads the mapping; importing this module also registers the `bhxh*` date converters it uses. */
export function loadSocialInsuranceMapping(): SocialInsuranceMappingFile {
  return JSON.parse(
    readFileSync(repoPath('mappings', 'social-insurance.json'), 'utf8'),
  ) as SocialInsuranceMappingFile;
}

/** The facts `LoaiHoSo` must wait for (the `$comment` key of the table is not a type). */
export function factsNeededFor(mapping: SocialInsuranceMappingFile, loaiHoSo: string | undefined): string[] {
  if (loaiHoSo === undefined || loaiHoSo.startsWith('$')) return [];
  const v = mapping.factsNeeded[loaiHoSo];
  return Array.isArray(v) ? v : [];
}
