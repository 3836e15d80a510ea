/** The exported spec as people and editors read it. */
import { DEFAULT_SEPARATOR } from '../domain/exchange';

export const EXPORT_SEPARATOR_NOTE = `# Values are exact: list edits (include/exclude, separator ${DEFAULT_SEPARATOR}) are exported as the whole value.`;
