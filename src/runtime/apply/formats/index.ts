/** Key formats by name: the type makes a name without a format a build error. */
import type { KeyFormatName } from '../../../spec/types.js';
import type { KeyFormat } from './format.js';
import { jsonKey } from './json.js';
import { stringKey } from './string.js';

export const KEY_FORMATS: Record<KeyFormatName, KeyFormat> = {
  string: stringKey,
  json: jsonKey,
};

export type { Decoded, KeyFormat } from './format.js';
