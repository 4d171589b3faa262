/** Options, results and the per-comparison context shared by the comparison modules. */
export interface CompareOptions {
  /**
   * A lone decimal literal equals a value it is the correct rounding of (1/12 vs `0.0833333`) only when it
   * prints at least this many significant digits (default 6). Decimals are otherwise exact rationals.
   */
  decimalMinDigits?: number;
  /** Round both values to this many decimals instead (emulates a grader's float rounding). */
  roundDigits?: number;
  /** Treat comma lists as ordered sequences (default false: solution lists are unordered). */
  orderedLists?: boolean;
  /** Inequality vs interval: accept when the gold is the inequality ('gold-inequality', default), both ways, or never. */
  inequalityAsInterval?: 'gold-inequality' | 'both' | 'off';
  /** Drop a naming left-hand side (`x = 5` vs `5`); default true. */
  dropLabels?: boolean;
  /** Read `1,22` (one comma, not a thousands group) as a decimal comma; default false. */
  decimalComma?: boolean;
  /** A predicted equation against a non-equation gold compares its last right-hand side; default false. */
  predEquationLastRhs?: boolean;
  /** When false, expressions equal up to a renaming of their free variables match (`f(x)` vs `f(y)`); default true. */
  strictVariables?: boolean;
}

export type CompareMethod = 'string' | 'choice' | 'text' | 'exact' | 'numeric' | 'random_points' | 'structure' | 'relation' | 'none';

export interface CompareResult {
  equal: boolean;
  method: CompareMethod;
  /** Set when no decision was possible (the pair counts as not equal). */
  undecided?: 'parse_error' | 'not_evaluable' | 'too_long' | 'timeout' | 'crash';
  detail?: string;
}

/** State of one comparison: the method that decided and whether some part could not be decided. */
export interface Ctx {
  options: CompareOptions;
  method?: CompareMethod;
  undecided: boolean;
}
