/** A statement with its parameters, and what a dialect's builder does with a group of row changes. */
import type { SqlValue } from './coerce.js';
import type { StatementGroup } from './fold.js';

export interface Statement {
  sql: string;
  params: SqlValue[];
}

export interface ChangeBuilder {
  build(group: StatementGroup): Statement[];
}

/** Largest number of rows in one multi-row statement: keeps packets far below max_allowed_packet. */
export const MAX_ROWS_PER_STATEMENT = 1000;
