/**
 * Field values read as missing by default: exactly pandas 2's default NA set
 * (`STR_NA_VALUES` in `pandas/_libs/parsers.pyx`, used by `read_csv` when
 * `keep_default_na=True`). Matching is exact and case-sensitive, with no trimming:
 * `" NA"` is a value, `"NA"` is missing.
 */
export const PANDAS_NA_VALUES: readonly string[] = Object.freeze([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);
